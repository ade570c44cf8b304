/**
 * The shape of server-side Table output (meta.k8s.io/v1 Table) and of a per-kind printer.
 * kubectl asks for Tables on `kubectl get` and prints the cells as it receives them, so
 * everything users see in columns is decided here, on the server.
 */

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';
export type ColumnFormat = 'name' | 'date' | '';

/** One column of a Table. kubectl shows priority 1 columns only with `-o wide`. */
export interface ColumnDefinition {
  name: string;
  type: ColumnType;
  format?: ColumnFormat;
  description: string;
  priority: 0 | 1;
}

/** A row condition, e.g. a finished pod's row is marked Completed. */
export interface TableRowCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** How one kind is printed. */
export interface Printer<T = any> {
  columns: readonly ColumnDefinition[];
  /**
   * One cell per column, wide (priority 1) columns included: the server always fills every
   * column and kubectl hides the wide ones itself. `now` is milliseconds since the epoch.
   */
  row(obj: T, now: number): unknown[];
  /** Conditions attached to the row, if any. */
  conditions?(obj: T): TableRowCondition[] | undefined;
}

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: TableListMeta;
  columnDefinitions?: ColumnDefinition[];
  rows: TableRow[];
}

/** A column with the defaults most columns share: a plain string shown without `-o wide`. */
export function column(
  name: string,
  description: string,
  opts: { type?: ColumnType; format?: ColumnFormat; priority?: 0 | 1 } = {},
): ColumnDefinition {
  // kube-apiserver writes `format` even when it is empty; matching it keeps Tables identical to upstream's.
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

/** A priority 1 column: shown only with `-o wide`. */
export const wide = (name: string, description: string): ColumnDefinition => column(name, description, { priority: 1 });

export const nameColumn: ColumnDefinition = column(
  'Name',
  'Name of the object, unique within its namespace (or the cluster, for cluster-scoped kinds).',
  { format: 'name' },
);

// Age is a string column because the cell is already rendered ("5m"); kube-apiserver does the same.
export const ageColumn: ColumnDefinition = column(
  'Age',
  'Time since the object was created (metadata.creationTimestamp).',
);
