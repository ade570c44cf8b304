import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { Statements } from './schema.js';

/** Meta rows: the point readers may no longer go below, and how far rows were really deleted. */
export const COMPACT_REV = 'compact_rev';
export const COMPACT_DONE = 'compact_done';

// Small transactions so that group commits get the event loop between them.
const BATCH_ROWS = 500;

/**
 * Deletes the rows no read at or above `target` can need, in batches from the last
 * finished point. The invariant after a pass to T: every row <= T is the latest <= T of
 * its key and is not a tombstone. So a pass only has to visit rows newer than the previous
 * one: each such row supersedes its predecessor, and a tombstone also goes itself.
 * The caller has already recorded `target` as COMPACT_REV, so nothing reads below it.
 */
export async function deleteSupersededRows(
  db: Database.Database,
  stmts: Statements,
  target: number,
  isClosed: () => boolean,
): Promise<void> {
  const pass = db.transaction((from: number): number => {
    const rows = stmts.compactionWindow.all(from, target, BATCH_ROWS);
    for (const row of rows) {
      if (row.prev_revision > 0) stmts.deleteRow.run(row.prev_revision);
      if (row.deleted) stmts.deleteRow.run(row.id);
    }
    const done = rows.length < BATCH_ROWS ? target : rows[rows.length - 1].id;
    stmts.setMeta.run(COMPACT_DONE, done);
    return done;
  });
  let done = stmts.getMeta.get(COMPACT_DONE) ?? 0;
  while (done < target) {
    if (isClosed()) return;
    done = pass(done);
    await yieldToLoop();
  }
  if (isClosed()) return;
  reclaimSpace(db);
}

/** Hands freed pages back to the file system and cuts the WAL back to nothing. */
function reclaimSpace(db: Database.Database): void {
  // The vacuum itself is written to the WAL; the checkpoint after it is what shrinks both files.
  db.pragma('incremental_vacuum');
  db.pragma('wal_checkpoint(TRUNCATE)');
}
