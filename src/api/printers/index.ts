/** Server-side Table printing: per-kind columns and cells, and the Table object built from them. */
export { age, humanDuration, parseTimestamp, translateTimestampSince } from './age.js';
export { formatLabels, formatLabelSelector, labelSelectorString } from './labels.js';
export { nodeRoles, nodeStatus } from './node.js';
export { restartsCell, summarizePod, type PodSummary } from './pod.js';
export { hasPrinter, printerFor } from './registry.js';
export { servicePorts } from './service.js';
export { toTable, type IncludeObject, type TableOptions } from './table.js';
export type { ColumnDefinition, Printer, Table, TableListMeta, TableRow, TableRowCondition } from './types.js';
