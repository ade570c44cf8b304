/** Lists and single objects rendered as a meta.k8s.io/v1 Table, the form `kubectl get` asks for. */
import { groupVersion, type ResourceInfo } from '../resources.js';
import { printerFor } from './registry.js';
import type { Table, TableListMeta, TableRow } from './types.js';

/** What each row carries besides its cells (the `includeObject` query parameter). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** Defaults to Metadata, as in Kubernetes. */
  includeObject?: IncludeObject;
  /** Leave out columnDefinitions, e.g. for every watch event after the first. */
  noHeaders?: boolean;
  /** Milliseconds since the epoch that ages are measured from; defaults to Date.now(). */
  now?: number;
  /** The list's metadata; for a single object, pass its resourceVersion. */
  listMeta?: TableListMeta;
}

function rowObject(info: ResourceInfo, obj: any, include: IncludeObject): unknown {
  switch (include) {
    case 'None':
      return undefined;
    case 'Object':
      // Stored objects normally carry their type; a missing one would leave clients unable to decode the row.
      return obj?.kind && obj?.apiVersion ? obj : { apiVersion: groupVersion(info), kind: info.kind, ...obj };
    case 'Metadata':
      // kubectl reads the namespace (for -A) and labels (for --show-labels) from here.
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj?.metadata ?? {} };
  }
}

function tableMeta(meta: TableListMeta | undefined): TableListMeta {
  const out: TableListMeta = {};
  if (meta?.resourceVersion) out.resourceVersion = meta.resourceVersion;
  if (meta?.continue) out.continue = meta.continue;
  if (meta?.remainingItemCount !== undefined && meta.remainingItemCount !== null) {
    out.remainingItemCount = meta.remainingItemCount;
  }
  return out;
}

/** Renders objects of one resource as a Table, one row per object, in the order given. */
export function toTable(info: ResourceInfo, objects: readonly any[], opts: TableOptions = {}): Table {
  const printer = printerFor(info);
  const now = opts.now ?? Date.now();
  const include = opts.includeObject ?? 'Metadata';
  const rows = objects.map((obj): TableRow => {
    const row: TableRow = { cells: printer.row(obj, now) };
    const conditions = printer.conditions?.(obj);
    if (conditions?.length) row.conditions = conditions;
    const object = rowObject(info, obj, include);
    if (object !== undefined) row.object = object;
    return row;
  });
  // Key order as kube-apiserver writes it, so raw responses read the same.
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: tableMeta(opts.listMeta),
    ...(opts.noHeaders ? {} : { columnDefinitions: printer.columns.map((c) => ({ ...c })) }),
    rows,
  };
}
