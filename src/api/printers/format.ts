/** Cell formats shared by several printers. */
import type { Container } from 'kubernetes-types/core/v1.js';

/** The CONTAINERS and IMAGES cells of workload printers: names and images, comma-joined. */
export function containerCells(containers: readonly Container[] | null | undefined): [names: string, images: string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

const ACCESS_MODES: readonly [mode: string, short: string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** Access modes abbreviated, de-duplicated and in a fixed order whatever the spec's order: `RWO,ROX`. */
export function accessModes(modes: readonly string[] | null | undefined): string {
  const set = new Set(modes ?? []);
  return ACCESS_MODES.filter(([mode]) => set.has(mode))
    .map(([, short]) => short)
    .join(',');
}

/**
 * The first `max` items comma-joined, then ` + N more...` for the rest. kubectl users know
 * this shape from the ENDPOINTS and PORTS columns.
 */
export function listWithMore(items: readonly string[], max = 3, empty = '<unset>'): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}
