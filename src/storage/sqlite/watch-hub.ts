import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { compacted, unavailable } from '../errors.js';
import type { Watch, WatchEvent, WatchHandlers } from '../store.js';

/** What the hub needs from the store: revisions and a paged read of the log. */
export interface ChangeSource {
  currentRevision(): number;
  compactRevision(): number;
  /** Events under prefix with from < revision <= to, oldest first, at most limit of them. */
  readChanges(prefix: string, from: number, to: number, limit: number): WatchEvent[];
}

interface Subscriber {
  prefix: string;
  /** Only revisions above this are delivered, even live ones when the watch starts in the future. */
  from: number;
  handlers: WatchHandlers;
  closed: boolean;
  /** Live batches that arrive while history is still being replayed, delivered after it. */
  pending: WatchEvent[][] | undefined;
}

// Pages keep one replay from holding the event loop; a long one yields between pages.
const REPLAY_PAGE = 1000;

/**
 * Fans committed events out to in-process watchers. The store is the only writer and
 * publishes right after each commit, so a watcher registered at revision R sees exactly
 * the log rows in (from, R] (replayed) followed by every batch published after R.
 */
export class WatchHub {
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly source: ChangeSource) {}

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Watch {
    const sub: Subscriber = { prefix, from: fromRevision, handlers, closed: false, pending: [] };
    // Registration and the replay's upper bound are taken in the same synchronous step,
    // so no commit can fall between the replayed history and the first live batch.
    const replayTo = this.source.currentRevision();
    this.subscribers.add(sub);
    void this.replay(sub, fromRevision, replayTo);
    return {
      close: () => {
        sub.closed = true;
        this.subscribers.delete(sub);
      },
    };
  }

  /** Called after a commit with that commit's events in revision order. */
  publish(events: WatchEvent[]): void {
    if (events.length === 0) return;
    for (const sub of this.subscribers) {
      const mine = events.filter((e) => e.kv.modRevision > sub.from && e.kv.key.startsWith(sub.prefix));
      if (mine.length === 0) continue;
      if (sub.pending) sub.pending.push(mine);
      else this.deliver(sub, mine);
    }
  }

  /** Ends every watch, e.g. when the store closes, so no consumer waits forever. */
  failAll(err: Error): void {
    for (const sub of [...this.subscribers]) this.fail(sub, err);
  }

  private async replay(sub: Subscriber, from: number, to: number): Promise<void> {
    let cursor = from;
    for (;;) {
      // Also makes the first callback asynchronous: the caller holds its Watch before any event.
      await yieldToLoop();
      if (sub.closed) return;
      // Compaction records its point before deleting anything, so checking before each page
      // is enough to never replay across a hole.
      const oldest = this.source.compactRevision();
      if (cursor < oldest) return this.fail(sub, compacted(from, oldest));
      if (cursor >= to) break;
      const page = this.source.readChanges(sub.prefix, cursor, to, REPLAY_PAGE);
      cursor = page.length < REPLAY_PAGE ? to : page[page.length - 1].kv.modRevision;
      if (page.length > 0) this.deliver(sub, page);
    }
    const pending = sub.pending ?? [];
    sub.pending = undefined;
    for (const batch of pending) this.deliver(sub, batch);
  }

  private deliver(sub: Subscriber, events: WatchEvent[]): void {
    if (sub.closed) return;
    try {
      sub.handlers.onEvents(events);
    } catch (err) {
      // A consumer that threw may have lost events; ending its watch makes it start over.
      this.fail(sub, err instanceof Error ? err : unavailable(String(err)));
    }
  }

  private fail(sub: Subscriber, err: Error): void {
    if (sub.closed) return;
    sub.closed = true;
    this.subscribers.delete(sub);
    try {
      sub.handlers.onError(err);
    } catch {
      // The watch is over either way; a throwing onError has nothing left to tell.
    }
  }
}
