import { Etcd3, type IOptions, type ITxnResponse } from 'etcd3';
import { runCompactor, type CompactorOptions } from '../compactor.js';
import { alreadyExists, compacted, conflict, notFound } from '../errors.js';
import { listStart, prefixEndBytes, prefixStartBytes } from '../keys.js';
import type { KeyValue, ListOptions, ListResult, Store, Watch, WatchHandlers } from '../store.js';
import { fromEtcdError, isCompactedError } from './etcd-errors.js';
import { toKeyValue } from './etcd-kv.js';
import { watchEtcd } from './etcd-watch.js';

export interface EtcdStoreOptions {
  /** Client URLs, e.g. http://127.0.0.1:2379. */
  endpoints: string[];
  /** Deadline for each unary call; a dead cluster then fails with Unavailable instead of hanging. */
  callTimeoutMs?: number;
  /** TLS material when the endpoints are https. */
  credentials?: IOptions['credentials'];
}

// A key no one writes: reading it is the cheapest way to get a response header or probe a revision.
const PROBE = Buffer.from('\0orch/probe');

/**
 * The Store on an etcd v3 cluster. Revisions are etcd's; every write is one transaction
 * that compares the key's mod (or create) revision, so the precondition and the write are
 * atomic on the server.
 */
export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly stopCompactors = new AbortController();
  /** Last compaction point found; usually still right, which makes the lookup two reads. */
  private knownCompacted = 0;

  constructor(opts: EtcdStoreOptions) {
    const timeout = opts.callTimeoutMs ?? 10_000;
    this.client = new Etcd3({
      hosts: opts.endpoints,
      credentials: opts.credentials,
      dialTimeout: timeout,
      // A start-up list of every key can be far larger than gRPC's 4 MiB default (10,000
      // pods is ~8.5 MB); the range is read whole, so lift the limit.
      grpcOptions: { 'grpc.max_receive_message_length': -1 },
      // Streams (watches) live as long as they are needed; only unary calls get a deadline.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    });
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(key) }));
    return res.kvs.length > 0 ? toKeyValue(res.kvs[0]) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const revision = opts.revision && opts.revision > 0 ? opts.revision : undefined;
    const res = await this.call(
      () =>
        this.client.kv.range({
          key: opts.after !== undefined ? Buffer.from(listStart(prefix, opts.after)) : prefixStartBytes(prefix),
          range_end: prefixEndBytes(prefix),
          limit: opts.limit && opts.limit > 0 ? opts.limit : 0,
          revision,
        }),
      revision,
    );
    return {
      items: res.kvs.map(toKeyValue),
      // etcd's header always carries the current revision, even for a read in the past.
      revision: revision ?? Number(res.header.revision),
      more: res.more,
    };
  }

  async count(prefix: string): Promise<number> {
    const res = await this.call(() =>
      this.client.kv.range({ key: prefixStartBytes(prefix), range_end: prefixEndBytes(prefix), count_only: true }),
    );
    return Number(res.count);
  }

  async create(key: string, value: Uint8Array): Promise<KeyValue> {
    const k = Buffer.from(key);
    const res = await this.txn(
      [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      { request_put: { key: k, value: Buffer.from(value) } },
    );
    if (!res.succeeded) throw alreadyExists(key);
    const revision = Number(res.header.revision);
    return { key, value, modRevision: revision, createRevision: revision };
  }

  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<KeyValue> {
    const k = Buffer.from(key);
    const res = await this.txn(
      [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
      { request_put: { key: k, value: Buffer.from(value), prev_kv: true } },
    );
    if (!res.succeeded) throw this.failedPrecondition(key, res);
    const prev = res.responses[0].response_put.prev_kv;
    return { key, value, modRevision: Number(res.header.revision), createRevision: Number(prev.create_revision) };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const k = Buffer.from(key);
    // With no expected revision the compare still has to fail for a missing key: mod > 0.
    const compare =
      expectedRevision === undefined
        ? { key: k, target: 'Mod' as const, result: 'Greater' as const, mod_revision: 0 }
        : { key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expectedRevision };
    const res = await this.txn([compare], { request_delete_range: { key: k, prev_kv: true } });
    if (!res.succeeded) throw this.failedPrecondition(key, res);
    const prev = toKeyValue(res.responses[0].response_delete_range.prev_kvs[0]);
    return { ...prev, modRevision: Number(res.header.revision) };
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Watch {
    return watchEtcd(this.client, prefix, fromRevision, handlers);
  }

  async currentRevision(): Promise<number> {
    const res = await this.call(() => this.client.kv.range({ key: PROBE, count_only: true }));
    return Number(res.header.revision);
  }

  /**
   * etcd does not report its compaction point, but a read at revision R fails exactly
   * when R is below it, so the point is the lowest readable revision: found by binary
   * search, or confirmed in two reads when it has not moved since last time.
   */
  async compactedRevision(): Promise<number> {
    const known = this.knownCompacted;
    if (known > 1 && (await this.readableAt(known)) && !(await this.readableAt(known - 1))) return known;
    if (known <= 1 && (await this.readableAt(1))) return 0;
    let lo = Math.max(1, known);
    let hi = await this.currentRevision();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.readableAt(mid)) hi = mid;
      else lo = mid + 1;
    }
    this.knownCompacted = lo;
    return lo;
  }

  async compact(revision: number): Promise<void> {
    const target = Math.min(revision, await this.currentRevision());
    if (target <= 0) return;
    try {
      // physical: resolves once the old revisions are gone from the backend, not just hidden.
      await this.call(() => this.client.kv.compact({ revision: target, physical: true }));
      this.knownCompacted = Math.max(this.knownCompacted, target);
    } catch (err) {
      // Already compacted at or past the target (by us, another server or etcd's own compactor).
      if (!isCompactedError(err)) throw err;
    }
  }

  /** Compacts every interval, keeping the newest revisions, until the signal aborts or the store closes. */
  startCompactor(signal: AbortSignal, opts?: CompactorOptions): Promise<void> {
    return runCompactor(this, AbortSignal.any([signal, this.stopCompactors.signal]), opts);
  }

  async close(): Promise<void> {
    this.stopCompactors.abort();
    this.client.close();
  }

  private async readableAt(revision: number): Promise<boolean> {
    try {
      await this.call(() => this.client.kv.range({ key: PROBE, count_only: true, revision }));
      return true;
    } catch (err) {
      if (isCompactedError(err)) return false;
      throw err;
    }
  }

  private txn(
    compare: NonNullable<Parameters<Etcd3['kv']['txn']>[0]['compare']>,
    success: NonNullable<Parameters<Etcd3['kv']['txn']>[0]['success']>[number],
  ): Promise<ITxnResponse> {
    // The failure branch reads the key so a refusal can say NotFound or Conflict(current).
    const key = compare[0].key!;
    return this.call(() => this.client.kv.txn({ compare, success: [success], failure: [{ request_range: { key } }] }));
  }

  private failedPrecondition(key: string, res: ITxnResponse) {
    const current = res.responses[0].response_range.kvs[0];
    return current ? conflict(key, Number(current.mod_revision)) : notFound(key);
  }

  /** Runs one etcd call, mapping unreachable-cluster failures to Unavailable and compaction to Compacted. */
  private async call<T>(fn: () => Promise<T>, readRevision?: number): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (readRevision !== undefined && isCompactedError(err)) {
        throw compacted(readRevision, await this.compactedRevision());
      }
      throw fromEtcdError(err);
    }
  }
}
