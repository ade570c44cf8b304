import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { runCompactor, type CompactorOptions } from '../compactor.js';
import { compacted, unavailable } from '../errors.js';
import { listStart, prefixEnd } from '../keys.js';
import type { KeyValue, ListOptions, ListResult, Store, Watch, WatchEvent, WatchHandlers } from '../store.js';
import { COMPACT_REV, deleteSupersededRows } from './compaction.js';
import { GroupCommit } from './group-commit.js';
import { toKeyValue, toWatchEvent } from './rows.js';
import { openDatabase, prepareStatements, type Statements } from './schema.js';
import { WatchHub } from './watch-hub.js';

// A BLOB sorts after every TEXT value in SQLite, so it is the open upper end of a key range.
const END_OF_KEYS = Buffer.alloc(0);

// One lower bound rather than prefix and `after` separately: the planner seeks on only one.
const keyRange = (prefix: string, after?: string) => ({
  start: listStart(prefix, after),
  end: prefixEnd(prefix) ?? END_OF_KEYS,
});

/**
 * The Store on one SQLite file, all on the main thread: better-sqlite3 calls are
 * synchronous and short (one fsync per group commit), and running them here is what lets
 * the watch hub see commits in order with no locking at all.
 */
export class SqliteStore implements Store {
  private readonly stmts: Statements;
  private readonly writer: GroupCommit;
  private readonly hub: WatchHub;
  private revision: number;
  private compactRev: number;
  private compacting: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly stopCompactors = new AbortController();

  private constructor(private readonly db: Database.Database) {
    this.stmts = prepareStatements(db);
    this.revision = this.stmts.sequence.get() ?? 0;
    this.compactRev = this.stmts.getMeta.get(COMPACT_REV) ?? 0;
    this.hub = new WatchHub({
      currentRevision: () => this.revision,
      compactRevision: () => this.compactRev,
      readChanges: (prefix, from, to, limit) => this.readChanges(prefix, from, to, limit),
    });
    this.writer = new GroupCommit(db, this.stmts, (events, revision) => {
      this.revision = revision;
      this.hub.publish(events);
    });
  }

  /** Opens (creating if needed) the database file and its directory. */
  static async open(file: string): Promise<SqliteStore> {
    // The state holds Secrets: only the server's user may read it.
    await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    return new SqliteStore(openDatabase(file));
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const row = this.stmts.latest.get(key);
    return row && !row.deleted ? toKeyValue(row) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const revision = this.readRevision(opts.revision);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const rows = this.stmts.list.all({
      ...keyRange(prefix, opts.after),
      rev: revision,
      // One extra row tells whether more follow without a second query.
      limit: limit < 0 ? -1 : limit + 1,
    });
    const more = limit > 0 && rows.length > limit;
    return { items: (more ? rows.slice(0, limit) : rows).map(toKeyValue), revision, more };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    return this.stmts.count.get({ ...keyRange(prefix), rev: this.revision }) ?? 0;
  }

  create(key: string, value: Uint8Array): Promise<KeyValue> {
    return this.write(() => this.writer.submit({ kind: 'create', key, value }));
  }

  update(key: string, value: Uint8Array, expectedRevision: number): Promise<KeyValue> {
    return this.write(() => this.writer.submit({ kind: 'update', key, value, expectedRevision }));
  }

  delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.write(() => this.writer.submit({ kind: 'delete', key, expectedRevision }));
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Watch {
    this.assertOpen();
    return this.hub.watch(prefix, fromRevision, handlers);
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.compactRev;
  }

  /** Compactions run one at a time; a target at or below the current point still finishes an interrupted pass. */
  compact(revision: number): Promise<void> {
    if (this.closed) return Promise.reject(unavailable('storage closed'));
    const run = this.compacting.then(() => this.compactNow(revision));
    this.compacting = run.catch(() => {});
    return run;
  }

  /** Compacts every interval, keeping the newest revisions, until the signal aborts or the store closes. */
  startCompactor(signal: AbortSignal, opts?: CompactorOptions): Promise<void> {
    return runCompactor(this, AbortSignal.any([signal, this.stopCompactors.signal]), opts);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stopCompactors.abort();
    // Writes accepted before close are committed, not dropped.
    this.writer.flush();
    this.closed = true;
    await this.compacting;
    this.hub.failAll(unavailable('storage closed'));
    this.db.close();
  }

  /** Row count and file sizes, for tests and metrics. */
  stats(): { rows: number; dbBytes: number; walBytes: number } {
    const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
    return {
      rows: this.db.prepare<[], number>('SELECT COUNT(*) FROM log').pluck().get() ?? 0,
      dbBytes: size(this.db.name),
      walBytes: size(`${this.db.name}-wal`),
    };
  }

  private async compactNow(requested: number): Promise<void> {
    if (this.closed) return;
    const target = Math.min(requested, this.revision);
    if (target > this.compactRev) {
      // Recorded before any row goes, so every reader and replaying watch checks against it first.
      this.stmts.setMeta.run(COMPACT_REV, target);
      this.compactRev = target;
    }
    await deleteSupersededRows(this.db, this.stmts, this.compactRev, () => this.closed);
  }

  private readChanges(prefix: string, from: number, to: number, limit: number): WatchEvent[] {
    return this.stmts.changes.all({ ...keyRange(prefix), from, to, limit }).map(toWatchEvent);
  }

  private readRevision(requested: number | undefined): number {
    if (requested === undefined || requested <= 0) return this.revision;
    if (requested < this.compactRev) throw compacted(requested, this.compactRev);
    // A future revision reads the current state, which is what it will be until the next write.
    return Math.min(requested, this.revision);
  }

  private write(submit: () => Promise<KeyValue>): Promise<KeyValue> {
    if (this.closed) return Promise.reject(unavailable('storage closed'));
    return submit();
  }

  private assertOpen(): void {
    if (this.closed) throw unavailable('storage closed');
  }
}
