import Database from 'better-sqlite3';

/**
 * The kine-style log: one row per write, row id = global revision. AUTOINCREMENT matters:
 * compaction may delete the newest row (a tombstone), and plain rowids would then hand out
 * that revision again.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value BLOB NOT NULL
);
-- A second writer that read the same latest row loses here, as a constraint error.
CREATE UNIQUE INDEX IF NOT EXISTS log_key_prev ON log (key, prev_revision);
-- Latest row per key, and "latest at or below revision R" for lists at old revisions.
CREATE INDEX IF NOT EXISTS log_key_id ON log (key, id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  try {
    // Only takes effect before the first table exists, which is why it comes first.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    // FULL fsyncs the WAL on every commit: a resolved write survives power loss, not just SIGKILL.
    db.pragma('synchronous = FULL');
    // After a checkpoint the WAL file is cut back to this size instead of staying at its peak.
    db.pragma(`journal_size_limit = ${8 * 1024 * 1024}`);
    db.exec(SCHEMA);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The row shape every query returns; `p_*` columns come from the previous row of the key. */
export interface LogRow {
  id: number;
  key: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: Buffer;
}

export interface LogRowWithPrev extends LogRow {
  p_id: number | null;
  p_created: number | null;
  p_create_revision: number | null;
  p_value: Buffer | null;
}

const COLUMNS = 'id, key, created, deleted, create_revision, prev_revision, value';

// Reads "the latest row per key at or below ?rev" by key order; the correlated MAX walks
// the (key, id) index, so a LIMIT stops the scan early instead of grouping the whole range.
const LIST_AT = `
FROM log l
WHERE l.key >= @start AND l.key < @end
  AND l.id = (SELECT MAX(m.id) FROM log m WHERE m.key = l.key AND m.id <= @rev)
  AND l.deleted = 0`;

export function prepareStatements(db: Database.Database) {
  return {
    latest: db.prepare<[string], LogRow>(`SELECT ${COLUMNS} FROM log WHERE key = ? ORDER BY id DESC LIMIT 1`),
    insert: db.prepare<[string, number, number, number, number, Uint8Array]>(
      'INSERT INTO log (key, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    list: db.prepare<{ start: string; end: string | Buffer; rev: number; limit: number }, LogRow>(
      `SELECT ${COLUMNS.split(', ').map((c) => `l.${c}`).join(', ')} ${LIST_AT} ORDER BY l.key LIMIT @limit`,
    ),
    count: db.prepare<{ start: string; end: string | Buffer; rev: number }, number>(
      `SELECT COUNT(*) ${LIST_AT}`,
    ).pluck(),
    changes: db.prepare<{ start: string; end: string | Buffer; from: number; to: number; limit: number }, LogRowWithPrev>(`
      SELECT l.id, l.key, l.created, l.deleted, l.create_revision, l.prev_revision, l.value,
             p.id AS p_id, p.created AS p_created, p.create_revision AS p_create_revision, p.value AS p_value
      FROM log l LEFT JOIN log p ON p.id = l.prev_revision
      WHERE l.id > @from AND l.id <= @to AND l.key >= @start AND l.key < @end
      ORDER BY l.id LIMIT @limit`),
    sequence: db.prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'log'").pluck(),
    getMeta: db.prepare<[string], number>('SELECT value FROM meta WHERE name = ?').pluck(),
    setMeta: db.prepare<[string, number]>(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
    compactionWindow: db.prepare<[number, number, number], Pick<LogRow, 'id' | 'deleted' | 'prev_revision'>>(
      'SELECT id, deleted, prev_revision FROM log WHERE id > ? AND id <= ? ORDER BY id LIMIT ?',
    ),
    deleteRow: db.prepare<[number]>('DELETE FROM log WHERE id = ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
