/**
 * Node IPAM: gives every Node a pod range (spec.podCIDR and spec.podCIDRs) cut from the
 * cluster CIDR, as Kubernetes' range allocator does. The set of taken ranges lives in
 * memory and is rebuilt from the Node cache at start, before any range is handed out.
 * A range is taken synchronously, before the write, so concurrent syncs of new nodes can
 * never pick the same one; it is given back if the write fails and when the node goes.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Handlers } from '../../client/informer.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import type { EventType } from '../../client/events.js';
import { ApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import type { Controller } from '../types.js';
import { CidrSet } from './cidr-set.js';

/** What the controller reads and writes; the descriptor wires these to the API client. */
export interface NodeIpamDeps {
  nodes: { get(name: string): Node | undefined; list(): Node[]; on(h: Handlers<Node>): void };
  /** A JSON merge patch of the Node (the main resource: podCIDR is spec). */
  patchNode(name: string, patch: unknown): Promise<void>;
  event(obj: unknown, type: EventType, reason: string, message: string): void;
  log: Logger;
  clusterCidr: string;
  nodeCidrMaskSize: number;
  workers: number;
}

const podCidrsOf = (n: Node): string[] => (n.spec?.podCIDRs?.length ? n.spec.podCIDRs : n.spec?.podCIDR ? [n.spec.podCIDR] : []);
const nodeRef = (n: Node) => ({ kind: 'Node', apiVersion: 'v1', metadata: n.metadata });

export class NodeIpamController implements Controller {
  readonly name = 'node-ipam';
  private readonly queue = new WorkQueue();
  private readonly set: CidrSet;
  /** Ranges this controller counts as taken, per node: what to free when the node goes. */
  private readonly assigned = new Map<string, string[]>();
  /** Nodes that found the set full; tried again when a range is freed. */
  private readonly waiting = new Set<string>();

  constructor(private readonly d: NodeIpamDeps) {
    this.set = new CidrSet(d.clusterCidr, d.nodeCidrMaskSize);
    const enqueue = (n: Node) => this.queue.add(n.metadata!.name!);
    d.nodes.on({ add: enqueue, update: (_old, n) => enqueue(n), delete: enqueue });
  }

  /** Ranges left to hand out (for tests and metrics). */
  get freeRanges(): number {
    return this.set.free;
  }

  async run(signal: AbortSignal): Promise<void> {
    // Every range already on a Node is taken before the first allocation, or a restart
    // could hand a live node's range to a new one.
    for (const n of this.d.nodes.list()) this.take(n.metadata!.name!, podCidrsOf(n));
    this.d.log.info({ clusterCidr: this.d.clusterCidr, maskSize: this.d.nodeCidrMaskSize, free: this.set.free }, 'node IPAM starting');
    await runWorkers(this.queue, this.d.workers, (k) => this.sync(k), signal, (key, err) =>
      // A conflict is the node agent writing the Node at the same moment: routine, retried.
      err instanceof ApiError && err.reason === 'Conflict'
        ? this.d.log.debug({ node: key }, 'pod CIDR assignment conflicted with another write; retrying')
        : this.d.log.warn({ node: key, err: (err as Error).message }, 'assigning pod CIDR failed; will retry'),
    );
  }

  async sync(name: string): Promise<void> {
    const node = this.d.nodes.get(name);
    if (!node) {
      this.free(name);
      return;
    }
    const existing = podCidrsOf(node);
    if (existing.length) {
      this.take(name, existing);
      return;
    }
    if (node.metadata?.deletionTimestamp) return;
    const cidr = this.set.allocateNext();
    if (!cidr) {
      // Said once per wait: the node is tried again when a range is freed, and every
      // status update of a starved node would otherwise repeat the event and the log line.
      if (this.waiting.has(name)) return;
      this.waiting.add(name);
      this.d.event(nodeRef(node), 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable (no free /${this.d.nodeCidrMaskSize} range left in ${this.d.clusterCidr})`);
      this.d.log.warn({ node: name, clusterCidr: this.d.clusterCidr, waiting: this.waiting.size }, 'no pod CIDR left for node');
      return;
    }
    this.waiting.delete(name);
    try {
      // Conditional on the version we read: a podCIDR written meanwhile (by another
      // allocator, or by hand) fails this write instead of being overwritten.
      await this.d.patchNode(name, { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { podCIDR: cidr, podCIDRs: [cidr] } });
    } catch (err) {
      this.set.release(cidr);
      this.retryWaiting();
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
    this.assigned.set(name, [cidr]);
    this.d.log.info({ node: name, podCIDR: cidr }, 'assigned pod CIDR');
  }

  /** Records the ranges a node holds, giving back any different ones we had reserved for it. */
  private take(name: string, cidrs: string[]): void {
    const had = this.assigned.get(name);
    if (had && had.length === cidrs.length && had.every((c, i) => c === cidrs[i])) return;
    if (had) for (const c of had) this.set.release(c);
    for (const c of cidrs) {
      if (this.set.isUsed(c) && !had?.includes(c)) this.d.log.warn({ node: name, podCIDR: c }, 'pod CIDR of node overlaps a range already in use');
      if (!this.set.occupy(c)) this.d.log.debug({ node: name, podCIDR: c }, 'pod CIDR of node is outside the cluster CIDR');
    }
    this.assigned.set(name, cidrs);
    this.waiting.delete(name);
  }

  private free(name: string): void {
    const had = this.assigned.get(name);
    this.waiting.delete(name);
    if (!had) return;
    this.assigned.delete(name);
    for (const c of had) this.set.release(c);
    this.d.log.info({ node: name, podCIDRs: had }, 'released pod CIDR of deleted node');
    this.retryWaiting();
  }

  /** A range was freed: nodes waiting for one try again (and report afresh if still starved). */
  private retryWaiting(): void {
    const retry = [...this.waiting];
    this.waiting.clear();
    for (const w of retry) this.queue.add(w);
  }
}
