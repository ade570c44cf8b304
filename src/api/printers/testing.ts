/** Helpers for the printer tests: a fixed clock and cells looked up by column name. */
import type { Printer } from './types.js';

/** The clock every printer test reads ages against. */
export const NOW = Date.parse('2024-06-01T12:00:00Z');

const UNITS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** An RFC 3339 timestamp `n` units before NOW, e.g. ago(5, 'm'). */
export const ago = (n: number, unit: keyof typeof UNITS = 's'): string =>
  new Date(NOW - n * UNITS[unit]).toISOString().replace(/\.000Z$/, 'Z');

/** The row as { columnName: cell }, so assertions read like kubectl output. */
export function cellsOf(printer: Printer, obj: unknown, now = NOW): Record<string, unknown> {
  const cells = printer.row(obj, now);
  if (cells.length !== printer.columns.length) {
    throw new Error(`printer returned ${cells.length} cells for ${printer.columns.length} columns`);
  }
  return Object.fromEntries(printer.columns.map((c, i) => [c.name, cells[i]]));
}

/** Only the named cells of a row, for table-driven cases that care about a few columns. */
export function pick(printer: Printer, obj: unknown, names: readonly string[], now = NOW): Record<string, unknown> {
  const all = cellsOf(printer, obj, now);
  return Object.fromEntries(names.map((n) => [n, all[n]]));
}
