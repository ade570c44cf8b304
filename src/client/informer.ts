/**
 * An informer: lists a resource, then watches it from the list's resourceVersion, keeping
 * a local cache and calling handlers on changes. A watch that ends is resumed from the last
 * resourceVersion seen; a 410 Gone (history compacted) makes it list again, and the new
 * list is diffed against the cache so handlers still see every change exactly once.
 *
 * Cached objects are shared: handlers and readers must never mutate them.
 */
import { ApiError } from '../machinery/errors.js';
import type { Logger } from '../machinery/log.js';
import type { ResourceClient, WatchEvent } from './resource-client.js';
import { sleep } from '../machinery/sleep.js';

export interface Handlers<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export type IndexFunc<T> = (obj: T) => string[];

export interface InformerOptions<T> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, IndexFunc<T>>;
  log?: Logger;
}

export const keyOf = (obj: { metadata?: { namespace?: string; name?: string } }): string =>
  obj.metadata?.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : (obj.metadata?.name ?? '');

export class Informer<T extends { metadata?: any }> {
  private readonly items = new Map<string, T>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers: Handlers<T>[] = [];
  private resourceVersion = '';
  private syncedResolve!: () => void;
  /** Resolves once the first list has been loaded and handlers have seen it. */
  readonly synced: Promise<void>;
  private isSynced = false;

  constructor(
    private readonly client: ResourceClient<T>,
    private readonly opts: InformerOptions<T> = {},
  ) {
    this.synced = new Promise((r) => (this.syncedResolve = r));
    for (const name of Object.keys(opts.indexers ?? {})) this.indices.set(name, new Map());
  }

  /** Adds named indexes; objects already cached are indexed at once. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    const all = (this.opts.indexers = { ...(this.opts.indexers ?? {}) });
    for (const [name, fn] of Object.entries(indexers)) {
      if (all[name]) continue;
      all[name] = fn;
      const idx = new Map<string, Set<string>>();
      this.indices.set(name, idx);
      for (const [k, o] of this.items) {
        for (const v of fn(o)) {
          let set = idx.get(v);
          if (!set) idx.set(v, (set = new Set()));
          set.add(k);
        }
      }
    }
  }

  on(h: Handlers<T>): void {
    this.handlers.push(h);
    // Late subscribers see the current state as adds, as client-go's shared informers do.
    if (this.isSynced) for (const o of this.items.values()) h.add?.(o);
  }

  get hasSynced(): boolean {
    return this.isSynced;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Objects whose index function returned `value`. */
  byIndex(index: string, value: string): T[] {
    const keys = this.indices.get(index)?.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  async run(signal: AbortSignal): Promise<void> {
    let backoff = 100;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        let gone = false;
        await this.client.watch(
          this.opts.namespace,
          {
            labelSelector: this.opts.labelSelector,
            fieldSelector: this.opts.fieldSelector,
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: 300 + Math.floor(Math.random() * 300),
          },
          (ev) => {
            if (ev.type === 'ERROR') {
              const status = ev.object as any;
              if (status?.code === 410) gone = true;
              return false;
            }
            this.apply(ev);
          },
          signal,
        );
        if (gone) needList = true;
        backoff = 100;
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof ApiError && (err.code === 410 || err.code === 504)) needList = true;
        else {
          this.opts.log?.warn({ err: (err as Error).message, resource: this.client.info.plural }, 'watch failed; retrying');
          needList = true;
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, 10_000);
        }
      }
    }
  }

  private async relist(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.list(this.opts.namespace, {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        limit: 5000,
        continue: cont,
      });
      items.push(...page.items);
      rv ||= page.metadata.resourceVersion;
      cont = page.metadata.continue;
    } while (cont);
    const seen = new Set<string>();
    for (const o of items) {
      const k = keyOf(o);
      seen.add(k);
      const old = this.items.get(k);
      this.store(k, o, old);
      if (!old) this.emit('add', o);
      else if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.emit('update', o, old);
    }
    for (const [k, old] of [...this.items]) {
      if (seen.has(k)) continue;
      this.remove(k, old);
      this.emit('delete', old);
    }
    this.resourceVersion = rv;
    if (!this.isSynced) {
      this.isSynced = true;
      this.syncedResolve();
    }
  }

  private apply(ev: WatchEvent<T>): void {
    const o = ev.object;
    const rv = o?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (ev.type === 'BOOKMARK') return;
    const k = keyOf(o);
    const old = this.items.get(k);
    if (ev.type === 'DELETED') {
      if (!old) return;
      this.remove(k, old);
      this.emit('delete', o);
      return;
    }
    this.store(k, o, old);
    if (old) this.emit('update', o, old);
    else this.emit('add', o);
  }

  private store(k: string, o: T, old: T | undefined): void {
    if (old) this.unindex(k, old);
    this.items.set(k, o);
    for (const [name, fn] of Object.entries(this.opts.indexers ?? {})) {
      const idx = this.indices.get(name)!;
      for (const v of fn(o)) {
        let set = idx.get(v);
        if (!set) idx.set(v, (set = new Set()));
        set.add(k);
      }
    }
  }

  private remove(k: string, old: T): void {
    this.unindex(k, old);
    this.items.delete(k);
  }

  private unindex(k: string, old: T): void {
    for (const [name, fn] of Object.entries(this.opts.indexers ?? {})) {
      const idx = this.indices.get(name)!;
      for (const v of fn(old)) {
        const set = idx.get(v);
        set?.delete(k);
        if (set?.size === 0) idx.delete(v);
      }
    }
  }

  private emit(kind: 'add' | 'update' | 'delete', o: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        if (kind === 'add') h.add?.(o);
        else if (kind === 'update') h.update?.(old!, o);
        else h.delete?.(o);
      } catch (err) {
        this.opts.log?.error({ err }, 'informer handler threw');
      }
    }
  }
}
