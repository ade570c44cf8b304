/**
 * The generic registry: create, get, list, update, patch, delete and watch for any
 * resource, over the store and the watch cache. Kinds differ only by their Strategy.
 * Storage errors become API errors here, at one boundary.
 */
import { randomUUID } from 'node:crypto';
import { qualifiedResource, type ResourceInfo } from '../../api/resources.js';
import { errors, ApiError, type ResourceRef } from '../../machinery/errors.js';
import type { Store } from '../../storage/store.js';
import { isStorageError, StorageError } from '../../storage/errors.js';
import { decodeEntry, Entry, type CacheEvent, type ResourceCache, type WatchCacheSet, TooOldError } from '../watch-cache.js';
import { objectKey, listPrefix } from './keys.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import type { RequestContext, Strategy } from './strategy.js';
import type { ObjectMatcher } from './selection.js';
import { generateNameSuffix, validateMetaShape } from './metadata.js';
import { trackUpdate } from '../managed-fields/index.js';

const encoder = new TextEncoder();

export interface ListQuery {
  namespace?: string;
  matcher: ObjectMatcher;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListPage {
  entries: Entry[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface WatchSink {
  /** An event for the client; `obj` is the object as it should be sent. */
  event(type: CacheEvent['type'], entry: Entry): void;
  /** A progress marker: the watch has seen everything up to rv. */
  bookmark(rv: number): void;
  /** The watch cannot continue (410 Gone); the caller writes the error and closes. */
  error(err: ApiError): void;
}

export interface WatchQuery {
  namespace?: string;
  matcher: ObjectMatcher;
  resourceVersion?: string;
  /** Send ADDED for the current state first (RV unset or "0"). */
}

/** How many times a read-modify-write retries a lost race before reporting 409. */
const MAX_RETRIES = 8;

export class Registry {
  constructor(
    readonly info: ResourceInfo,
    readonly strategy: Strategy,
    readonly statusStrategy: Strategy | undefined,
    private readonly store: Store,
    readonly cache: ResourceCache,
    private readonly caches: WatchCacheSet,
    /** Checks that a namespace may receive new objects (exists, not terminating). */
    private readonly admitNamespace: (ns: string) => void,
  ) {}

  ref(name?: string): ResourceRef {
    return { resource: qualifiedResource(this.info), group: this.info.group, kind: this.info.kind, name };
  }

  private key(ns: string | undefined, name: string): string {
    return objectKey(this.info, ns, name);
  }

  get(ns: string | undefined, name: string): Entry {
    const e = this.cache.get(this.key(ns, name));
    if (!e) throw errors.notFound(this.ref(name));
    return e;
  }

  // ---- list ------------------------------------------------------------------------

  async list(q: ListQuery): Promise<ListPage> {
    const limit = q.limit && q.limit > 0 ? q.limit : 0;
    let token = q.continue ? decodeContinue(q.continue) : undefined;
    if (!token && q.resourceVersion && q.resourceVersion !== '0') {
      const rv = parseRV(q.resourceVersion);
      if (q.resourceVersionMatch === 'Exact' && rv < this.cache.revision) return this.listFromStore(q, rv, '', limit);
      await this.waitFresh(rv);
    }
    if (token && token.rv !== this.cache.revision) return this.listFromStore(q, token.rv, token.start, limit);
    const prefix = listPrefix(this.info, q.namespace);
    const keys = this.cache.keys();
    let i = token ? upperBound(keys, token.start) : lowerBound(keys, prefix);
    const out: Entry[] = [];
    let last = '';
    for (; i < keys.length; i++) {
      const k = keys[i];
      if (!k.startsWith(prefix)) break;
      const e = this.cache.items.get(k)!;
      if (!q.matcher(e.obj)) continue;
      if (limit && out.length === limit) {
        token = { rv: this.cache.revision, start: last };
        return { entries: out, resourceVersion: String(this.cache.revision), continue: encodeContinue(token) };
      }
      out.push(e);
      last = k;
    }
    return { entries: out, resourceVersion: String(this.cache.revision) };
  }

  /** A consistent page at an older revision, read from the store (continue after changes). */
  private async listFromStore(q: ListQuery, rv: number, start: string, limit: number): Promise<ListPage> {
    const prefix = listPrefix(this.info, q.namespace);
    const out: Entry[] = [];
    let after = start || undefined;
    for (;;) {
      let page;
      try {
        page = await this.store.list(prefix, { revision: rv, after, limit: limit ? limit + 1 : 0 });
      } catch (err) {
        if (isStorageError(err, 'Compacted'))
          throw errors.expired(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
          );
        throw mapStorageError(err, this.ref());
      }
      for (const kv of page.items) {
        const e = decodeEntry(kv.key, kv.value, kv.modRevision);
        if (!q.matcher(e.obj)) continue;
        if (limit && out.length === limit) {
          return {
            entries: out,
            resourceVersion: String(rv),
            continue: encodeContinue({ rv, start: out[out.length - 1].key }),
          };
        }
        out.push(e);
      }
      if (!page.more || page.items.length === 0) break;
      after = page.items[page.items.length - 1].key;
    }
    return { entries: out, resourceVersion: String(rv) };
  }

  private async waitFresh(rv: number): Promise<void> {
    if (rv <= this.cache.revision) return;
    try {
      await this.caches.waitFor(rv, 3_000);
    } catch {
      throw new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current resource version: ${this.cache.revision}`, {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      });
    }
  }

  // ---- create ----------------------------------------------------------------------

  async create(ns: string | undefined, obj: any, ctx: RequestContext): Promise<any> {
    validateMetaShape(obj, this.ref(obj?.metadata?.name));
    const meta = obj.metadata;
    if (this.info.namespaced) {
      if (meta.namespace && ns && meta.namespace !== ns)
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = ns ?? meta.namespace ?? 'default';
      this.admitNamespace(meta.namespace);
    } else if (meta.namespace) {
      delete meta.namespace;
    }
    const generated = !meta.name && typeof meta.generateName === 'string' && meta.generateName;
    for (let attempt = 0; ; attempt++) {
      const o = attempt === 0 ? obj : structuredClone(obj);
      if (generated) o.metadata.name = meta.generateName + generateNameSuffix();
      this.prepareMetaForCreate(o);
      this.strategy.prepareForCreate(o);
      const errs = this.strategy.validate(o);
      if (errs.length) throw errors.invalid(this.ref(o.metadata.name), errs);
      if (this.cache.get(this.key(o.metadata.namespace, o.metadata.name))) {
        if (generated && attempt < MAX_RETRIES) continue;
        throw errors.alreadyExists(this.ref(o.metadata.name));
      }
      await this.strategy.admit?.(o, undefined, ctx);
      if (ctx.dryRun) {
        await this.strategy.release?.(o);
        return o;
      }
      try {
        const kv = await this.store.create(this.key(o.metadata.namespace, o.metadata.name), encode(o));
        await this.caches.waitFor(kv.modRevision);
        o.metadata.resourceVersion = String(kv.modRevision);
        return o;
      } catch (err) {
        await this.strategy.release?.(o);
        if (generated && isStorageError(err, 'AlreadyExists') && attempt < MAX_RETRIES) continue;
        throw mapStorageError(err, this.ref(o.metadata.name));
      }
    }
  }

  private prepareMetaForCreate(o: any): void {
    const m = o.metadata;
    m.uid = randomUUID();
    m.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.selfLink;
    if (this.strategy.tracksGeneration) m.generation = 1;
    else delete m.generation;
  }

  // ---- update ----------------------------------------------------------------------

  /**
   * Replaces an object (PUT). With metadata.resourceVersion set it must match the stored
   * one (409 otherwise); without it the update is unconditional.
   */
  async update(ns: string | undefined, name: string, obj: any, ctx: RequestContext, subresource?: 'status'): Promise<any> {
    validateMetaShape(obj, this.ref(name));
    if (obj.metadata.name && obj.metadata.name !== name)
      throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    if (this.info.namespaced && obj.metadata.namespace && ns && obj.metadata.namespace !== ns)
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    const expected = obj.metadata.resourceVersion ? parseRV(obj.metadata.resourceVersion) : undefined;
    const strategy = subresource === 'status' ? this.statusStrategy : this.strategy;
    if (!strategy) throw errors.noRoute(`${this.info.plural}/${subresource}`);
    return this.guaranteedUpdate(ns, name, ctx, strategy, expected, () => structuredClone(obj));
  }

  /**
   * Read-modify-write with retries: `mutate` builds the new object from the current one.
   * When `expected` is set the write is conditional on that revision (no retry).
   * `strategy` is the resource's own, its status strategy, or a subresource's.
   */
  async guaranteedUpdate(
    ns: string | undefined,
    name: string,
    ctx: RequestContext,
    strategy: Strategy,
    expected: number | undefined,
    mutate: (current: any) => any,
  ): Promise<any> {
    const key = this.key(ns, name);
    for (let attempt = 0; ; attempt++) {
      const cur = this.cache.get(key);
      if (!cur) throw errors.notFound(this.ref(name));
      if (expected !== undefined && expected !== cur.rv) throw errors.conflict(this.ref(name));
      const old = cur.obj;
      const o = mutate(structuredClone(old));
      validateMetaShape(o, this.ref(name));
      if (o.metadata.name !== undefined && o.metadata.name !== name)
        throw errors.badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
      this.carryServerMeta(o, old);
      strategy.prepareForUpdate(o, old);
      if (!ctx.applying) {
        const part = strategy === this.statusStrategy ? 'status' : this.strategy.hasStatusSubresource ? 'main' : 'all';
        trackUpdate({ old, next: o, manager: ctx.fieldManager ?? 'unknown', scope: { kind: this.info.kind, part }, subresource: ctx.subresource ?? (part === 'status' ? 'status' : '') });
      }
      if (strategy.tracksGeneration && specChanged(o, old))
        o.metadata.generation = (old.metadata.generation ?? 0) + 1;
      const errs = strategy.validateUpdate(o, old);
      if (errs.length) throw errors.invalid(this.ref(name), errs);
      if (sameObject(o, old)) return old;
      await strategy.admit?.(o, old, ctx);
      if (ctx.dryRun) {
        await strategy.release?.(o, old);
        return o;
      }
      try {
        // Removing the last finalizer of an object being deleted completes the deletion.
        if (
          o.metadata.deletionTimestamp &&
          !o.metadata.finalizers?.length &&
          o.metadata.deletionGracePeriodSeconds === 0 &&
          !this.strategy.holdsDeletion?.(o)
        ) {
          return await this.removeNow(key, o, cur.rv, name);
        }
        const kv = await this.store.update(key, encode(o), cur.rv);
        await this.caches.waitFor(kv.modRevision);
        await strategy.release?.(old, o);
        o.metadata.resourceVersion = String(kv.modRevision);
        return o;
      } catch (err) {
        await strategy.release?.(o, old);
        if (isStorageError(err, 'Conflict') && expected === undefined && attempt < MAX_RETRIES) {
          await this.caches.waitFor(err.revision ?? 0, 1_000).catch(() => undefined);
          continue;
        }
        throw mapStorageError(err, this.ref(name));
      }
    }
  }

  /** uid, creationTimestamp and deletion state are the server's, whatever the client sent. */
  private carryServerMeta(o: any, old: any): void {
    const m = o.metadata;
    const om = old.metadata;
    if (m.uid !== undefined && m.uid !== om.uid)
      throw errors.conflict(this.ref(om.name), `Precondition failed: UID in precondition: ${m.uid}, UID in object meta: ${om.uid}`);
    m.name = om.name;
    if (this.info.namespaced) m.namespace = om.namespace;
    m.uid = om.uid;
    m.creationTimestamp = om.creationTimestamp;
    if (om.generation !== undefined) m.generation = om.generation;
    else delete m.generation;
    if (om.deletionTimestamp) {
      m.deletionTimestamp = om.deletionTimestamp;
      m.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
    } else {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
    }
    delete m.resourceVersion;
    delete m.selfLink;
  }

  // ---- delete ----------------------------------------------------------------------

  async delete(ns: string | undefined, name: string, opts: DeleteOptions, ctx: RequestContext): Promise<{ obj: any; gone: boolean }> {
    const key = this.key(ns, name);
    for (let attempt = 0; ; attempt++) {
      const cur = this.cache.get(key);
      if (!cur) throw errors.notFound(this.ref(name));
      const old = cur.obj;
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== old.metadata.uid)
        throw errors.conflict(this.ref(name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
      if (pre?.resourceVersion && parseRV(pre.resourceVersion) !== cur.rv)
        throw errors.conflict(
          this.ref(name),
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${cur.rv}`,
        );
      const o = structuredClone(old);
      const m = o.metadata;
      const finalizers: string[] = [...(m.finalizers ?? [])];
      const policy = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : undefined);
      if (!m.deletionTimestamp) {
        if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
        if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
      }
      let grace = opts.gracePeriodSeconds ?? this.strategy.gracePeriod?.(old) ?? 0;
      if (grace < 0) grace = 0;
      if (m.deletionTimestamp) {
        // Already terminating: only a shorter grace period changes anything.
        const remaining = m.deletionGracePeriodSeconds ?? 0;
        if (!(grace < remaining) && !(grace === 0 && !finalizers.length)) {
          return { obj: old, gone: false };
        }
      }
      const held = this.strategy.holdsDeletion?.(o) ?? false;
      const graceful = grace > 0;
      if (!graceful && !finalizers.length && !held) {
        if (ctx.dryRun) return { obj: old, gone: true };
        try {
          return { obj: await this.removeNow(key, old, cur.rv, name), gone: true };
        } catch (err) {
          if (err instanceof ApiError && err.reason === 'Conflict' && !pre?.resourceVersion && attempt < MAX_RETRIES) continue;
          throw err;
        }
      }
      // Graceful or finalized deletion: mark the object and let its owners finish it.
      const now = Date.now();
      if (!m.deletionTimestamp || grace < (m.deletionGracePeriodSeconds ?? 0)) {
        m.deletionTimestamp = new Date(now + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        m.deletionGracePeriodSeconds = grace;
      }
      if (finalizers.length) m.finalizers = finalizers;
      if (ctx.dryRun) return { obj: o, gone: false };
      try {
        const kv = await this.store.update(key, encode(o), cur.rv);
        await this.caches.waitFor(kv.modRevision);
        m.resourceVersion = String(kv.modRevision);
        return { obj: o, gone: false };
      } catch (err) {
        if (isStorageError(err, 'Conflict') && !pre?.resourceVersion && attempt < MAX_RETRIES) {
          await this.caches.waitFor(err.revision ?? 0, 1_000).catch(() => undefined);
          continue;
        }
        throw mapStorageError(err, this.ref(name));
      }
    }
  }

  private async removeNow(key: string, obj: any, rev: number, name: string): Promise<any> {
    try {
      const kv = await this.store.delete(key, rev);
      await this.caches.waitFor(kv.modRevision);
      await this.strategy.release?.(obj);
      const out = structuredClone(obj);
      out.metadata.resourceVersion = String(kv.modRevision);
      return out;
    } catch (err) {
      throw mapStorageError(err, this.ref(name));
    }
  }

  async deleteCollection(q: ListQuery, opts: DeleteOptions, ctx: RequestContext): Promise<ListPage> {
    const page = await this.list({ ...q, limit: 0, continue: undefined });
    const deleted: Entry[] = [];
    for (const e of page.entries) {
      try {
        const r = await this.delete(e.obj.metadata.namespace, e.obj.metadata.name, opts, ctx);
        deleted.push(new Entry(e.key, r.obj, e.rv));
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) continue;
        throw err;
      }
    }
    return { entries: deleted, resourceVersion: String(this.cache.revision) };
  }

  // ---- watch -----------------------------------------------------------------------

  /**
   * Starts a watch; returns a function that stops it. Initial events (for RV unset or "0")
   * and the registration happen in the same tick, so no change can fall between them.
   */
  watch(q: WatchQuery, sink: WatchSink): () => void {
    const prefix = listPrefix(this.info, q.namespace);
    const inScope = (e: Entry) => e.key.startsWith(prefix);
    const rv = q.resourceVersion;
    let initial: CacheEvent[] = [];
    if (!rv || rv === '0') {
      for (const k of this.cache.keys()) {
        if (!k.startsWith(prefix)) continue;
        const e = this.cache.items.get(k)!;
        if (q.matcher(e.obj)) initial.push({ type: 'ADDED', entry: e, rv: e.rv });
      }
    } else {
      const from = parseRV(rv);
      try {
        initial = from > this.cache.revision ? [] : this.cache.eventsSince(from);
      } catch (err) {
        if (err instanceof TooOldError) {
          sink.error(errors.expired(`too old resource version: ${from} (${err.oldest})`));
          return () => undefined;
        }
        throw err;
      }
      initial = initial.filter((ev) => inScope(ev.entry));
      initial = filterEvents(initial, q.matcher);
    }
    for (const ev of initial) sink.event(ev.type, ev.entry);
    const remove = this.cache.addWatcher({
      deliver: (events) => {
        for (const ev of filterEvents(events.filter((x) => inScope(x.entry)), q.matcher)) sink.event(ev.type, ev.entry);
      },
      fail: (err) => sink.error(errors.expired(`watch cache failed: ${err.message}`)),
    });
    return remove;
  }
}

/** Applies selector transitions: an object leaving the selection is DELETED for the watcher. */
function filterEvents(events: CacheEvent[], match: ObjectMatcher): CacheEvent[] {
  const out: CacheEvent[] = [];
  for (const ev of events) {
    if (ev.type === 'ADDED') {
      if (match(ev.entry.obj)) out.push(ev);
    } else if (ev.type === 'DELETED') {
      if (match(ev.prev?.obj ?? ev.entry.obj)) out.push(ev);
    } else {
      const now = match(ev.entry.obj);
      const before = ev.prev ? match(ev.prev.obj) : false;
      if (now && before) out.push(ev);
      else if (now) out.push({ ...ev, type: 'ADDED' });
      else if (before) out.push({ ...ev, type: 'DELETED' });
    }
  }
  return out;
}

export function parseRV(s: string): number {
  if (!/^\d{1,16}$/.test(s)) throw errors.badRequest(`invalid resource version: ${JSON.stringify(s)}`);
  return Number(s);
}

function encode(o: any): Uint8Array {
  // resourceVersion is the store's revision; it is never stored inside the value.
  const rv = o.metadata.resourceVersion;
  delete o.metadata.resourceVersion;
  const bytes = encoder.encode(JSON.stringify(o));
  if (rv !== undefined) o.metadata.resourceVersion = rv;
  return bytes;
}

function specChanged(a: any, b: any): boolean {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (k === 'metadata' || k === 'status' || k === 'kind' || k === 'apiVersion') continue;
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return true;
  }
  return false;
}

/** Equal but for resourceVersion and the times in managedFields: nothing to write. */
function sameObject(a: any, b: any): boolean {
  const strip = (o: any) => {
    const { resourceVersion: _rv, managedFields, ...meta } = o.metadata ?? {};
    const owners = Array.isArray(managedFields) ? managedFields.map(({ time: _t, ...e }: any) => e) : managedFields;
    return JSON.stringify({ ...o, metadata: { ...meta, managedFields: owners } });
  };
  return strip(a) === strip(b);
}

export function mapStorageError(err: unknown, ref: ResourceRef): Error {
  if (err instanceof ApiError) return err;
  if (err instanceof StorageError) {
    switch (err.code) {
      case 'NotFound':
        return errors.notFound(ref);
      case 'AlreadyExists':
        return errors.alreadyExists(ref);
      case 'Conflict':
        return errors.conflict(ref);
      case 'Compacted':
        return errors.expired(err.message);
      case 'Unavailable':
        return errors.unavailable(`storage is unavailable: ${err.message}`);
    }
  }
  return err instanceof Error ? err : new Error(String(err));
}

function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
