import type Database from 'better-sqlite3';
import { unavailable } from '../errors.js';
import type { KeyValue, WatchEvent } from '../store.js';
import { applyWrite, isPreconditionFailure, type Applied, type WriteOp } from './apply-write.js';
import type { Statements } from './schema.js';

interface Pending {
  op: WriteOp;
  resolve(kv: KeyValue): void;
  reject(err: unknown): void;
}

// Bounds how long one commit holds the event loop when a burst queues many writes.
const MAX_BATCH = 1000;

/**
 * Gathers the writes issued during one turn of the event loop and commits them in one
 * transaction, so one fsync acknowledges many writes. Each write keeps its own outcome.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly commitBatch: (batch: Pending[], outcomes: (Applied | Error)[]) => void;

  constructor(
    db: Database.Database,
    stmts: Statements,
    /** Runs after each successful commit, before any writer's promise resolves. */
    private readonly onCommit: (events: WatchEvent[], revision: number) => void,
  ) {
    this.commitBatch = db.transaction((batch: Pending[], outcomes: (Applied | Error)[]) => {
      for (const { op } of batch) {
        try {
          outcomes.push(applyWrite(stmts, op));
        } catch (err) {
          if (!isPreconditionFailure(err)) throw err;
          outcomes.push(err as Error);
        }
      }
    });
  }

  submit(op: WriteOp): Promise<KeyValue> {
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.schedule();
    });
  }

  /** Commits whatever is queued now; used on close so no accepted write is dropped. */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) this.commitNext();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate rather than a microtask: writers woken by the previous commit and
    // requests read in this loop turn all get to queue before the next commit.
    setImmediate(() => {
      this.scheduled = false;
      this.commitNext();
      if (this.queue.length > 0) this.schedule();
    });
  }

  private commitNext(): void {
    const batch = this.queue.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    const outcomes: (Applied | Error)[] = [];
    try {
      this.commitBatch(batch, outcomes);
    } catch (err) {
      const failure = unavailable(`storage commit failed: ${(err as Error).message}`);
      for (const p of batch) p.reject(failure);
      return;
    }
    const events: WatchEvent[] = [];
    let revision = 0;
    for (const o of outcomes) {
      if (o instanceof Error) continue;
      events.push(o.event);
      revision = o.kv.modRevision;
    }
    if (events.length > 0) this.onCommit(events, revision);
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o instanceof Error) p.reject(o);
      else p.resolve(o.kv);
    });
  }
}
