/**
 * The watch cache: the API server's in-memory copy of every object, fed by one storage
 * watch, plus a ring of recent events. Lists, gets and watches are served from here, so
 * the store sees only writes and one watch.
 *
 * Objects are kept decoded with metadata.resourceVersion already set; their JSON text is
 * produced once, lazily, and shared by every list and watch that sends them.
 */
import type { Store, WatchEvent as StoreEvent, Watch } from '../storage/store.js';
import { isStorageError } from '../storage/errors.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One cached object version. Never mutated once published. */
export class Entry {
  private text?: string;
  constructor(
    readonly key: string,
    readonly obj: any,
    readonly rv: number,
  ) {}
  /** JSON text of the object, computed once. */
  json(): string {
    return (this.text ??= JSON.stringify(this.obj));
  }
}

export interface CacheEvent {
  type: EventType;
  entry: Entry;
  /** The previous version (for MODIFIED and DELETED), used to evaluate selector transitions. */
  prev?: Entry;
  rv: number;
}

export interface Watcher {
  /** Receives events in revision order. Must not throw. */
  deliver(events: CacheEvent[]): void;
  /** The cache can no longer serve this watcher (store watch failed). */
  fail(err: Error): void;
}

export class TooOldError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

const decoder = new TextDecoder();
/** Keys per list call when the cache loads the store (see load()). */
const LOAD_PAGE = 2_000;

export interface WatchCacheOptions {
  /** How many recent events to keep for watches that resume from an older revision. */
  historySize?: number;
}

/**
 * Caches every key under one prefix (one resource). `WatchCacheSet` feeds many of these
 * from a single store watch.
 */
export class ResourceCache {
  readonly items = new Map<string, Entry>();
  private sortedKeys: string[] | null = null;
  private history: CacheEvent[] = [];
  private historyStart = 0;
  /** The revision every event up to which has been applied. */
  revision = 0;
  /** Oldest revision a watch may start from (exclusive). */
  oldestRevision = 0;
  private readonly watchers = new Set<Watcher>();
  private readonly historySize: number;

  constructor(
    readonly prefix: string,
    opts: WatchCacheOptions = {},
  ) {
    this.historySize = opts.historySize ?? 10_000;
  }

  /** Keys in ascending order (list order and the basis of continue tokens). */
  keys(): string[] {
    if (!this.sortedKeys) this.sortedKeys = [...this.items.keys()].sort();
    return this.sortedKeys;
  }

  get(key: string): Entry | undefined {
    return this.items.get(key);
  }

  /** Loads the state of a list at `revision`; history starts there. */
  reset(entries: Entry[], revision: number): void {
    this.items.clear();
    for (const e of entries) this.items.set(e.key, e);
    this.sortedKeys = null;
    this.history = [];
    this.historyStart = 0;
    this.revision = revision;
    this.oldestRevision = revision;
  }

  apply(events: CacheEvent[], revision: number): void {
    const fresh: CacheEvent[] = [];
    for (const ev of events) {
      if (ev.rv <= this.revision) continue;
      if (ev.type === 'DELETED') {
        this.items.delete(ev.entry.key);
        this.sortedKeys = null;
      } else {
        if (!this.items.has(ev.entry.key)) this.sortedKeys = null;
        this.items.set(ev.entry.key, ev.entry);
      }
      this.history.push(ev);
      fresh.push(ev);
    }
    if (revision > this.revision) this.revision = revision;
    this.trimHistory();
    if (fresh.length) for (const w of this.watchers) w.deliver(fresh);
  }

  /** Advances the revision without events for this prefix (another resource was written). */
  advance(revision: number): void {
    if (revision > this.revision) this.revision = revision;
  }

  private trimHistory(): void {
    const live = this.history.length - this.historyStart;
    if (live <= this.historySize) return;
    const drop = live - this.historySize;
    this.oldestRevision = this.history[this.historyStart + drop - 1].rv;
    this.historyStart += drop;
    // Compact the backing array now and then instead of shifting on every event.
    if (this.historyStart > this.historySize) {
      this.history = this.history.slice(this.historyStart);
      this.historyStart = 0;
    }
  }

  /** Events with rv > fromRevision; throws TooOldError if they are no longer retained. */
  eventsSince(fromRevision: number): CacheEvent[] {
    if (fromRevision < this.oldestRevision) throw new TooOldError(fromRevision, this.oldestRevision);
    const out: CacheEvent[] = [];
    // History is in rv order: binary search for the first event after fromRevision.
    let lo = this.historyStart;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid].rv <= fromRevision) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.history.length; i++) out.push(this.history[i]);
    return out;
  }

  addWatcher(w: Watcher): () => void {
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  failAll(err: Error): void {
    for (const w of this.watchers) w.fail(err);
    this.watchers.clear();
  }

  get watcherCount(): number {
    return this.watchers.size;
  }
}

/** Decodes a stored value into an object with its resourceVersion set. */
export function decodeEntry(key: string, value: Uint8Array, rv: number): Entry {
  const obj = JSON.parse(decoder.decode(value));
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(rv);
  return new Entry(key, obj, rv);
}

/**
 * All resource caches, fed by one watch on the store. Starting from a revision some way
 * back (when the store still has it) fills the event history, so clients resuming a
 * watch after a server restart get the events they missed instead of 410 Gone.
 */
export class WatchCacheSet {
  private readonly caches: ResourceCache[] = [];
  private watch?: Watch;
  private revision = 0;
  private waiters: { rev: number; resolve: () => void }[] = [];
  private failed?: Error;

  constructor(
    private readonly store: Store,
    private readonly rootPrefix: string,
    private readonly opts: WatchCacheOptions & { replayRevisions?: number; loadPageSize?: number } = {},
  ) {}

  add(prefix: string): ResourceCache {
    const c = new ResourceCache(prefix, this.opts);
    this.caches.push(c);
    return c;
  }

  get currentRevision(): number {
    return this.revision;
  }

  /**
   * Reads everything under the root as of `revision` into per-resource entries, in pages,
   * so a large store is never one response (etcd's gRPC messages, a 10,000-pod SQLite
   * result) nor one peak of undecoded values. Returns the revision read at.
   */
  private async load(revision: number, byCache: Map<ResourceCache, Entry[]>): Promise<number> {
    let after: string | undefined;
    let at = revision || undefined;
    for (;;) {
      const page = await this.store.list(this.rootPrefix, { revision: at, limit: this.opts.loadPageSize ?? LOAD_PAGE, after });
      // Every later page is read at the first page's revision: one consistent snapshot.
      at = page.revision;
      for (const kv of page.items) {
        const c = this.cacheFor(kv.key);
        if (!c) continue;
        let arr = byCache.get(c);
        if (!arr) byCache.set(c, (arr = []));
        arr.push(decodeEntry(kv.key, kv.value, kv.modRevision));
      }
      if (!page.more || page.items.length === 0) return page.revision;
      after = page.items[page.items.length - 1].key;
    }
  }

  async start(): Promise<void> {
    const current = await this.store.currentRevision();
    const compacted = await this.store.compactedRevision();
    const replay = this.opts.replayRevisions ?? 5_000;
    // Start a little in the past (never before revision 1, which a list would read as
    // "now") so the history covers what clients saw before a restart.
    let from = Math.min(Math.max(compacted, current - replay, 1), current);
    const byCache = new Map<ResourceCache, Entry[]>();
    try {
      from = await this.load(from, byCache);
    } catch (err) {
      if (!isStorageError(err, 'Compacted')) throw err;
      byCache.clear();
      from = await this.load(current, byCache);
    }
    for (const c of this.caches) c.reset(byCache.get(c) ?? [], from);
    this.revision = from;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      this.watch = this.store.watch(this.rootPrefix, from, {
        onEvents: (events) => {
          this.onEvents(events);
          if (!settled && this.revision >= current) {
            settled = true;
            resolve();
          }
        },
        onError: (err) => {
          this.failed = err;
          for (const c of this.caches) c.failAll(err);
          if (!settled) {
            settled = true;
            reject(err);
          }
        },
      });
      if (this.revision >= current) {
        settled = true;
        resolve();
      }
    });
  }

  stop(): void {
    this.watch?.close();
  }

  /** Resolves once every write up to `rev` is visible in the caches. */
  waitFor(rev: number, timeoutMs = 5_000): Promise<void> {
    if (rev <= this.revision) return Promise.resolve();
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`watch cache did not reach revision ${rev} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ rev, resolve: done });
    });
  }

  private cacheFor(key: string): ResourceCache | undefined {
    for (const c of this.caches) if (key.startsWith(c.prefix)) return c;
    return undefined;
  }

  private onEvents(events: StoreEvent[]): void {
    const grouped = new Map<ResourceCache, CacheEvent[]>();
    let maxRev = this.revision;
    for (const ev of events) {
      const rev = ev.kv.modRevision;
      if (rev > maxRev) maxRev = rev;
      const c = this.cacheFor(ev.kv.key);
      if (!c) continue;
      const prev = c.get(ev.kv.key);
      let ce: CacheEvent;
      if (ev.type === 'delete') {
        // The deleted object is reported as its last state with the delete's revision.
        const last = prev ?? (ev.prev ? decodeEntry(ev.kv.key, ev.prev.value, ev.prev.modRevision) : undefined);
        if (!last) continue;
        const obj = structuredClone(last.obj);
        obj.metadata.resourceVersion = String(rev);
        ce = { type: 'DELETED', entry: new Entry(ev.kv.key, obj, rev), prev: last, rv: rev };
      } else {
        const entry = decodeEntry(ev.kv.key, ev.kv.value, rev);
        ce = { type: prev ? 'MODIFIED' : 'ADDED', entry, prev, rv: rev };
      }
      let arr = grouped.get(c);
      if (!arr) grouped.set(c, (arr = []));
      arr.push(ce);
    }
    this.revision = maxRev;
    for (const c of this.caches) {
      const evs = grouped.get(c);
      if (evs) c.apply(evs, maxRev);
      else c.advance(maxRev);
    }
    if (this.waiters.length) {
      const ready = this.waiters.filter((w) => w.rev <= maxRev);
      this.waiters = this.waiters.filter((w) => w.rev > maxRev);
      for (const w of ready) w.resolve();
    }
  }
}
