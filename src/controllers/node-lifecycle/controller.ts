/**
 * The node lifecycle controller (Kubernetes' nodelifecycle + taint-eviction controllers):
 *
 *  1. a node whose Lease and Ready heartbeat have not moved for the grace period gets
 *     Ready=Unknown ("Kubelet stopped posting node status.");
 *  2. node conditions are mirrored into taints: NoSchedule for the scheduler, NoExecute
 *     (not-ready / unreachable) for eviction — new NoExecute taints rate-limited per zone,
 *     and none at all while every zone is down;
 *  3. pods on a node that is not Ready are marked not Ready (Services stop sending them
 *     traffic);
 *  4. pods that do not tolerate a NoExecute taint are deleted once their toleration (or
 *     the eviction timeout) runs out — on an unreachable node with grace period 0, since
 *     no agent is left to finish a graceful deletion and their controllers must be free to
 *     replace them elsewhere.
 *
 * Work is keyed by node name. sync(node) is level-based and does one kind of write per
 * pass (status, then taints, then pods); the write's own watch event brings the next pass.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import type { Handlers } from '../../client/informer.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import type { EventType } from '../../client/events.js';
import { ApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import type { Controller } from '../types.js';
import { evictionTime } from './eviction.js';
import { observeHealth, staleConditions, type NodeHealth } from './health.js';
import { condition, planTaints, TAINT_UNREACHABLE } from './taints.js';
import { Wakeups } from './wakeups.js';
import { EXCLUDE_DISRUPTION_LABEL, TokenBucket, zoneEvictionRate, zoneOf, zoneState, type DisruptionConfig, type ZoneState } from './zones.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** The pod index this controller reads (pods by spec.nodeName). */
export const POD_NODE_INDEX = 'spec.nodeName';
export const podNodeIndex = (p: Pod): string[] => (p.spec?.nodeName ? [p.spec.nodeName] : []);

interface Cache<T> {
  get(key: string): T | undefined;
  on(h: Handlers<T>): void;
}

/** What the controller reads and writes; the descriptor wires these to informers and the API. */
export interface NodeLifecycleDeps {
  nodes: Cache<Node> & { list(): Node[] };
  leases: Cache<Lease>;
  pods: Cache<Pod> & { byIndex(index: string, value: string): Pod[] };
  api: {
    /** PUT nodes/<name>/status of this object (its resourceVersion is the precondition). */
    updateNodeStatus(node: Node): Promise<void>;
    /** PUT nodes/<name> (taints). */
    updateNode(node: Node): Promise<void>;
    updatePodStatus(pod: Pod): Promise<void>;
    deletePod(namespace: string, name: string, opts: { uid: string; gracePeriodSeconds?: number }): Promise<void>;
  };
  /** Records an Event; `source` picks the reporting component. */
  event(source: 'node-controller' | 'taint-eviction-controller', obj: unknown, type: EventType, reason: string, message: string): void;
  log: Logger;
  now?: () => number;
  nodeMonitorGracePeriodMs: number;
  podEvictionTimeoutMs: number;
  workers: number;
  /** How often zone health is recomputed (Kubernetes' node-monitor-period is 5 s). */
  monitorPeriodMs?: number;
  disruption: DisruptionConfig;
}

interface Zone {
  state: ZoneState;
  size: number;
  bucket: TokenBucket;
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const nodeRef = (n: Node) => ({ kind: 'Node', apiVersion: 'v1', metadata: n.metadata });
const podRef = (p: Pod) => ({ kind: 'Pod', apiVersion: 'v1', metadata: p.metadata });
const isCode = (err: unknown, ...codes: number[]) => err instanceof ApiError && codes.includes(err.code);
/** Pod writes one node sync may have in flight: a node holds up to ~110 pods. */
const POD_WRITES_PER_NODE = 8;

export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle';
  private readonly queue = new WorkQueue();
  private readonly health = new Map<string, NodeHealth>();
  private readonly zones = new Map<string, Zone>();
  /** Every zone is fully disrupted: the controller is probably the one cut off. */
  private allDisrupted = false;
  private readonly wakeups: Wakeups;
  private readonly now: () => number;

  constructor(private readonly d: NodeLifecycleDeps) {
    this.now = d.now ?? Date.now;
    this.wakeups = new Wakeups((k) => this.queue.add(k), this.now);
    const enqueueNode = (n: Node) => this.queue.add(n.metadata!.name!);
    d.nodes.on({ add: enqueueNode, update: (_o, n) => enqueueNode(n), delete: enqueueNode });
    const enqueueLease = (l: Lease) => l.metadata?.namespace === NODE_LEASE_NAMESPACE && this.queue.add(l.metadata.name!);
    d.leases.on({ add: enqueueLease, update: (_o, l) => enqueueLease(l), delete: enqueueLease });
    // Pods matter only on nodes that are sick or tainted; on healthy nodes there is
    // nothing to do, and status churn of thousands of pods would only wake syncs for nothing.
    const enqueuePod = (p: Pod) => {
      const name = p.spec?.nodeName;
      if (name && this.nodeNeedsPodWork(name)) this.queue.add(name);
    };
    d.pods.on({ add: enqueuePod, update: (_o, p) => enqueuePod(p), delete: enqueuePod });
  }

  /** When the node's next timed check is due (tests). */
  get pendingWakeups(): number {
    return this.wakeups.size;
  }

  async run(signal: AbortSignal): Promise<void> {
    const period = this.d.monitorPeriodMs ?? Math.min(5_000, Math.max(50, Math.floor(this.d.nodeMonitorGracePeriodMs / 8)));
    this.updateZones();
    const monitor = setInterval(() => this.updateZones(), period);
    this.d.log.info({ gracePeriodMs: this.d.nodeMonitorGracePeriodMs, podEvictionTimeoutMs: this.d.podEvictionTimeoutMs }, 'node lifecycle controller starting');
    try {
      await runWorkers(this.queue, this.d.workers, (k) => this.sync(k), signal, (key, err) =>
        this.d.log.warn({ node: key, err: (err as Error).message }, 'node lifecycle sync failed; will retry'),
      );
    } finally {
      clearInterval(monitor);
      this.wakeups.stop();
    }
  }

  async sync(name: string): Promise<void> {
    const node = this.d.nodes.get(name);
    if (!node) {
      this.health.delete(name);
      this.wakeups.cancel(name);
      return;
    }
    const now = this.now();
    const health = observeHealth(this.health.get(name), node, this.d.leases.get(`${NODE_LEASE_NAMESPACE}/${name}`), now);
    this.health.set(name, health);

    // 1. Silent past the grace period: the node's conditions become Unknown.
    const stale = staleConditions(node, health, this.d.nodeMonitorGracePeriodMs, now, rfc3339(now));
    if (stale) {
      const wasReady = condition(node, 'Ready')?.status === 'True';
      await this.d.api.updateNodeStatus({ ...node, status: { ...node.status, conditions: stale } });
      this.d.log.info({ node: name, silentMs: now - health.probeAt }, 'node stopped posting status; marked Unknown');
      if (wasReady) this.d.event('node-controller', nodeRef(node), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      return;
    }
    const expires = health.probeAt + this.d.nodeMonitorGracePeriodMs + 1;
    if (expires > now) this.wakeups.at(name, expires);

    // 2. Taints follow the conditions.
    if (await this.syncTaints(node, now)) return;

    // 3 and 4. Pods on a sick or NoExecute-tainted node.
    const pods = this.d.pods.byIndex(POD_NODE_INDEX, name).filter((p) => p.spec?.nodeName === name);
    if (!pods.length) return;
    const ready = condition(node, 'Ready');
    const errors: unknown[] = [];
    const jobs: (() => Promise<void>)[] = [];
    if (ready && ready.status !== 'True') {
      const since = Date.parse(ready.lastTransitionTime ?? '') || 0;
      for (const p of pods) if (needsNotReady(p, since)) jobs.push(() => this.markNotReady(p, now));
    }
    const noExecute = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (noExecute.length) {
      const unreachable = noExecute.some((t) => t.key === TAINT_UNREACHABLE);
      let next: number | undefined;
      const later = (at: number) => (next = next === undefined ? at : Math.min(next, at));
      for (const p of pods) {
        const deleting = p.metadata?.deletionTimestamp ? Date.parse(p.metadata.deletionTimestamp) : undefined;
        if (deleting !== undefined) {
          // Terminating on an unreachable node: no agent will finish it once its grace is up.
          if (!unreachable) continue;
          if (deleting <= now) jobs.push(() => this.evict(p, 0, false));
          else later(deleting);
          continue;
        }
        const at = evictionTime(p, noExecute, this.d.podEvictionTimeoutMs, now);
        if (at === undefined) continue;
        if (at <= now) jobs.push(() => this.evict(p, unreachable ? 0 : undefined, true));
        else later(at);
      }
      if (next !== undefined) this.wakeups.at(name, next);
    }
    await runLimited(jobs, POD_WRITES_PER_NODE, errors);
    if (errors.length) throw errors[0];
  }

  /** Writes the node's taints if they should change; true when it wrote. */
  private async syncTaints(node: Node, now: number): Promise<boolean> {
    const name = node.metadata!.name!;
    const zone = this.zoneFor(node);
    const opts = { allowNewNoExecute: true, suppressNoExecute: this.allDisrupted, now: rfc3339(now) };
    let plan = planTaints(node, opts);
    if (plan.addsNoExecute && !zone.bucket.take(now)) {
      plan = planTaints(node, { ...opts, allowNewNoExecute: false });
      const at = zone.bucket.nextAt(now);
      // At rate 0 only a change of zone state (updateZones) brings the node back.
      if (at !== undefined) this.wakeups.at(name, at);
    }
    if (!plan.taints) return false;
    await this.d.api.updateNode({ ...node, spec: { ...node.spec, taints: plan.taints } });
    const added = plan.taints.filter((t) => !(node.spec?.taints ?? []).some((o) => o.key === t.key && o.effect === t.effect));
    const removed = (node.spec?.taints ?? []).filter((o) => !plan.taints!.some((t) => o.key === t.key && o.effect === t.effect));
    this.d.log.info({ node: name, added: added.map(taintText), removed: removed.map(taintText) }, 'node taints updated');
    return true;
  }

  private async markNotReady(p: Pod, now: number): Promise<void> {
    const ts = rfc3339(now);
    const conditions = (p.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: ts } : c));
    try {
      await this.d.api.updatePodStatus({ ...p, status: { ...p.status, conditions } });
    } catch (err) {
      if (isCode(err, 404)) return;
      throw err;
    }
    this.d.event('node-controller', podRef(p), 'Warning', 'NodeNotReady', 'Node is not ready');
  }

  private async evict(p: Pod, gracePeriodSeconds: number | undefined, record: boolean): Promise<void> {
    const ns = p.metadata!.namespace!;
    const name = p.metadata!.name!;
    try {
      await this.d.api.deletePod(ns, name, { uid: p.metadata!.uid!, gracePeriodSeconds });
    } catch (err) {
      // Gone already, or the name now belongs to a replacement pod: nothing to evict.
      if (isCode(err, 404, 409)) return;
      throw err;
    }
    this.d.log.info({ pod: `${ns}/${name}`, node: p.spec?.nodeName, force: gracePeriodSeconds === 0 }, 'evicted pod from tainted node');
    if (record) this.d.event('taint-eviction-controller', podRef(p), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${name}`);
  }

  private nodeNeedsPodWork(name: string): boolean {
    const node = this.d.nodes.get(name);
    if (!node) return false;
    return condition(node, 'Ready')?.status !== 'True' || (node.spec?.taints ?? []).some((t) => t.effect === 'NoExecute');
  }

  private zoneFor(node: Node): Zone {
    const key = zoneOf(node);
    let z = this.zones.get(key);
    if (!z) this.zones.set(key, (z = { state: 'Normal', size: 1, bucket: new TokenBucket(this.d.disruption.evictionRate, 1, this.now()) }));
    return z;
  }

  /**
   * Recomputes each zone's health (every monitor period; public for tests). Entering "all zones down"
   * strips the NoExecute taints; leaving it gives every node a fresh grace period, as
   * their silence was ours. A zone whose state changed gets its eviction rate reset.
   */
  updateZones(): void {
    const now = this.now();
    const counts = new Map<string, { ready: number; notReady: number; nodes: string[] }>();
    for (const n of this.d.nodes.list()) {
      if (n.metadata?.labels?.[EXCLUDE_DISRUPTION_LABEL] !== undefined) continue;
      const key = zoneOf(n);
      let c = counts.get(key);
      if (!c) counts.set(key, (c = { ready: 0, notReady: 0, nodes: [] }));
      if (condition(n, 'Ready')?.status === 'True') c.ready++;
      else c.notReady++;
      c.nodes.push(n.metadata!.name!);
    }
    const states = new Map([...counts].map(([k, c]) => [k, zoneState(c.ready, c.notReady, this.d.disruption.unhealthyZoneThreshold)]));
    const allDown = states.size > 0 && [...states.values()].every((s) => s === 'FullDisruption');
    if (allDown !== this.allDisrupted) {
      this.allDisrupted = allDown;
      if (allDown) this.d.log.warn({ zones: states.size }, 'every node is not ready: assuming the control plane is cut off; no evictions');
      else {
        this.d.log.info('some nodes are ready again: leaving full disruption mode');
        for (const h of this.health.values()) h.probeAt = now;
      }
      for (const c of counts.values()) for (const n of c.nodes) this.queue.add(n);
    }
    for (const [key, c] of counts) {
      const state = states.get(key)!;
      const size = c.ready + c.notReady;
      const z = this.zones.get(key);
      if (!z) {
        this.zones.set(key, { state, size, bucket: new TokenBucket(zoneEvictionRate(state, size, this.d.disruption), 1, now) });
        continue;
      }
      z.size = size;
      if (z.state === state) continue;
      this.d.log.info({ zone: key || '(none)', from: z.state, to: state }, 'zone state changed');
      z.state = state;
      z.bucket.setRate(zoneEvictionRate(state, size, this.d.disruption), now);
      for (const n of c.nodes) this.queue.add(n);
    }
    for (const key of [...this.zones.keys()]) if (!counts.has(key)) this.zones.delete(key);
  }
}

/** A pod to mark not Ready: Ready now, and ready since before the node stopped being Ready. */
function needsNotReady(p: Pod, nodeNotReadySince: number): boolean {
  const phase = p.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const c = p.status?.conditions?.find((x) => x.type === 'Ready');
  if (!c || c.status === 'False') return false;
  // An agent that set Ready again after the node went not-ready knows better: leave it.
  return (Date.parse(c.lastTransitionTime ?? '') || 0) <= nodeNotReadySince;
}

const taintText = (t: Taint) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;

async function runLimited(jobs: (() => Promise<void>)[], limit: number, errors: unknown[]): Promise<void> {
  let i = 0;
  const worker = async () => {
    while (i < jobs.length) {
      const job = jobs[i++];
      try {
        await job();
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}
