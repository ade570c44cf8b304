import type { KeyValue, WatchEvent } from '../store.js';
import type { LogRow, LogRowWithPrev } from './schema.js';

// A create row stores create_revision 0 because its own id is unknown until the insert.
const createRevisionOf = (row: Pick<LogRow, 'id' | 'created' | 'create_revision'>) =>
  row.created ? row.id : row.create_revision;

export const toKeyValue = (row: LogRow): KeyValue => ({
  key: row.key,
  value: row.value,
  modRevision: row.id,
  createRevision: createRevisionOf(row),
});

/** Rebuilds the event a log row stood for; the previous row is retained whenever the row is. */
export function toWatchEvent(row: LogRowWithPrev): WatchEvent {
  const kv = toKeyValue(row);
  if (row.created) return { type: 'create', kv };
  const prev: KeyValue | undefined =
    row.p_id === null
      ? undefined
      : {
          key: row.key,
          value: row.p_value!,
          modRevision: row.p_id,
          createRevision: createRevisionOf({ id: row.p_id, created: row.p_created!, create_revision: row.p_create_revision! }),
        };
  // A tombstone carries the deleted value, so kv already is "the last value at the delete's revision".
  return { type: row.deleted ? 'delete' : 'update', kv, prev };
}
