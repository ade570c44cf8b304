/**
 * A node's heartbeat: the Lease `kube-node-lease/<node>` whose renewTime the agent moves
 * forward every interval (the kubelet renews every quarter of the lease duration). A Lease
 * write is a few hundred bytes where a node status write is kilobytes — that is why the
 * control plane watches Leases, not status, to decide a node is alive.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { Client } from '../../client/client.js';
import { ApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import { microTime } from './time.js';
import { sleep } from '../../machinery/sleep.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLeaseOptions {
  /** spec.leaseDurationSeconds; the kubelet's default is 40. */
  durationSeconds: number;
  /** The Node's uid: the Lease is owned by the Node so it goes when the Node does. */
  ownerUid?: string;
}

const isCode = (err: unknown, code: number) => err instanceof ApiError && err.code === code;

export class NodeLease {
  /** The last version written or read: the next renewal is an update of it. */
  private current?: Lease;

  constructor(
    private readonly client: Client,
    readonly nodeName: string,
    private readonly opts: NodeLeaseOptions,
  ) {}

  /** Sets the Node uid the Lease should be owned by (known after registration). */
  setOwner(uid: string): void {
    this.opts.ownerUid = uid;
  }

  /** When the Lease was last renewed by us (ms), or 0. */
  get lastRenew(): number {
    const t = this.current?.spec?.renewTime;
    return t ? Date.parse(t) : 0;
  }

  /**
   * Moves renewTime to now: an update of the version we hold; on a conflict (someone else
   * wrote it) the Lease is read again and the update retried once; a missing Lease is created.
   */
  async renew(now = Date.now()): Promise<void> {
    const leases = this.client.resource<Lease>('leases', 'coordination.k8s.io');
    if (!this.current) {
      try {
        this.current = await leases.create(NODE_LEASE_NAMESPACE, this.fresh(now));
        return;
      } catch (err) {
        if (!isCode(err, 409)) throw err;
        this.current = await leases.get(NODE_LEASE_NAMESPACE, this.nodeName);
      }
    }
    for (let attempt = 0; ; attempt++) {
      try {
        this.current = await leases.update(this.renewed(this.current!, now));
        return;
      } catch (err) {
        if (isCode(err, 404)) {
          this.current = undefined;
          return this.renew(now);
        }
        if (!isCode(err, 409) || attempt > 0) throw err;
        this.current = await leases.get(NODE_LEASE_NAMESPACE, this.nodeName);
      }
    }
  }

  /** Deletes the Lease (agents that remove their node on shutdown). */
  async remove(): Promise<void> {
    try {
      await this.client.resource('leases', 'coordination.k8s.io').delete(NODE_LEASE_NAMESPACE, this.nodeName);
    } catch (err) {
      if (!isCode(err, 404)) throw err;
    }
    this.current = undefined;
  }

  private owners(): OwnerReference[] | undefined {
    return this.opts.ownerUid ? [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.opts.ownerUid }] : undefined;
  }

  private fresh(now: number): Lease {
    const meta: Lease['metadata'] = { name: this.nodeName, namespace: NODE_LEASE_NAMESPACE };
    const owners = this.owners();
    if (owners) meta.ownerReferences = owners;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: meta,
      spec: { holderIdentity: this.nodeName, leaseDurationSeconds: this.opts.durationSeconds, renewTime: microTime(now) },
    };
  }

  private renewed(cur: Lease, now: number): Lease {
    const meta = { ...cur.metadata };
    const owners = this.owners();
    // A Lease left by an earlier Node of the same name points at the wrong uid: re-own it.
    if (owners && meta.ownerReferences?.[0]?.uid !== owners[0].uid) meta.ownerReferences = owners;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: meta,
      spec: { ...cur.spec, holderIdentity: this.nodeName, leaseDurationSeconds: this.opts.durationSeconds, renewTime: microTime(now) },
    };
  }
}

export interface HeartbeatOptions {
  intervalMs: number;
  /** Delay before the first renewal (spreads many nodes over the interval). */
  firstDelayMs?: number;
  log?: Logger;
}

/**
 * Renews the Lease every interval until the signal aborts. Renewals keep to a fixed
 * schedule (a slow request does not push every later one back); failures are retried
 * sooner, 200 ms doubling up to the interval, as the kubelet does.
 */
export async function runLeaseHeartbeat(lease: NodeLease, opts: HeartbeatOptions, signal: AbortSignal): Promise<void> {
  let next = Date.now() + (opts.firstDelayMs ?? 0);
  let failures = 0;
  while (!signal.aborted) {
    await sleep(next - Date.now(), signal);
    if (signal.aborted) return;
    try {
      await lease.renew();
      failures = 0;
      next = Math.max(next + opts.intervalMs, Date.now() + opts.intervalMs / 2);
    } catch (err) {
      failures++;
      opts.log?.warn({ err: (err as Error).message, node: lease.nodeName }, 'lease renewal failed');
      next = Date.now() + Math.min(opts.intervalMs, 200 * 2 ** (failures - 1));
    }
  }
}
