/**
 * A fake node runtime in the manner of kwok: registers N Nodes, keeps each one alive with
 * a Lease heartbeat, and plays kubelet for the pods bound to them — marks them Running and
 * Ready after a delay, and finishes their deletion — without running anything. It exists
 * for scale tests: one process can stand in for thousands of nodes.
 *
 * Cost is kept flat per node: one pod watch and one node watch for all nodes (not one per
 * node), heartbeats spread evenly over the interval, every write through one limiter.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { Client } from '../../client/client.js';
import type { ClientConfig } from '../../client/config.js';
import { Informer, keyOf } from '../../client/informer.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import { ApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import { conditionsDiffer, kubeletConditions, readyHeartbeat } from '../node/conditions.js';
import { NodeLease } from '../node/lease.js';
import { Limiter, mapLimit } from '../node/limiter.js';
import { buildNode, nodeStatus, type NodeDescription } from '../node/node-object.js';
import { registerNode } from '../node/registration.js';
import { fakeNodeIp, fallbackPodCidr, IpPool } from './ip-pool.js';
import { isRunning, runningPodStatus } from './pod-status.js';
import { sleep } from '../../machinery/sleep.js';

export const FAKE_NODE_LABEL = 'type';
export const FAKE_NODE_LABEL_VALUE = 'fake';
export const FAKE_RUNTIME_VERSION = 'fake://0.1.0';

export interface FakeNodesOptions {
  client: ClientConfig;
  log: Logger;
  /** How many nodes: named `<namePrefix>-0` .. `<namePrefix>-<count-1>`. */
  count: number;
  namePrefix?: string;
  capacity?: { cpu: string; memory: string; pods: string };
  /** Lease renewal period (the kubelet's is 10 s); the Lease lasts four periods. */
  heartbeatIntervalMs?: number;
  /** How long a bound pod stays Pending before it is reported Running. */
  podStartDelayMs?: number;
  /** How long a deleted pod "terminates" before the fake finishes its deletion. */
  podDeleteDelayMs?: number;
  /** Full node status is re-posted this often even when unchanged (kubelet: 5 min). */
  statusReportIntervalMs?: number;
  /** Most API requests in flight at once, across all nodes. */
  maxInFlight?: number;
  /**
   * On stop, delete the Nodes, their Leases and the pods bound to them (default true).
   * A fake node has no machine that could come back, and orch has no pod GC yet, so
   * leaving them would strand NotReady nodes and their pods in the cluster. Set false to
   * simulate agents dying: the nodes then go Unknown and the node lifecycle controller
   * evicts their pods.
   */
  removeOnStop?: boolean;
}

interface FakeNode {
  readonly name: string;
  readonly index: number;
  readonly lease: NodeLease;
  /** The range pod IPs come from: the Node's podCIDR once assigned. */
  pool: IpPool;
  /** Deleted by someone else: no more heartbeats. */
  gone: boolean;
  /** Registered by this run: what removeOnStop cleans up. */
  registered: boolean;
  timer?: NodeJS.Timeout;
  nextBeat: number;
  failures: number;
}

interface TrackedPod {
  uid: string;
  firstSeen: number;
  deleteSeen?: number;
  ip?: string;
  pool?: IpPool;
}

const DEFAULTS = {
  namePrefix: 'fake-node',
  capacity: { cpu: '32', memory: '256Gi', pods: '110' },
  heartbeatIntervalMs: 10_000,
  podStartDelayMs: 500,
  podDeleteDelayMs: 500,
  statusReportIntervalMs: 300_000,
  maxInFlight: 64,
  removeOnStop: true,
};

const isCode = (err: unknown, ...codes: number[]) => err instanceof ApiError && codes.includes(err.code);
/** Failures one node shares with all others (bad credentials): retrying would only flood the log. */
const isFatal = (err: unknown) => isCode(err, 401, 403);
const WARN_EVERY_MS = 5_000;

export class FakeNodes {
  /** Resolves once every node is registered, heartbeating and watching its pods. */
  readonly ready: Promise<void>;
  readonly names: readonly string[];
  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;
  private readonly o: typeof DEFAULTS & FakeNodesOptions;
  private readonly log: Logger;
  private readonly nodes = new Map<string, FakeNode>();
  private readonly pods = new Map<string, TrackedPod>();
  private readonly limiter: Limiter;
  private readonly bootID = randomUUID();
  private stopping = false;
  private readonly client: Client;
  private podInformer?: Informer<Pod>;
  private nodeInformer?: Informer<Node>;
  private readonly podQueue = new WorkQueue({ baseDelayMs: 50, maxDelayMs: 10_000 });
  private readonly nodeQueue = new WorkQueue({ baseDelayMs: 50, maxDelayMs: 10_000 });
  /** Per message: when it was last logged and how many were dropped since. */
  private readonly warned = new Map<string, { at: number; dropped: number }>();

  constructor(opts: FakeNodesOptions) {
    if (!Number.isInteger(opts.count) || opts.count < 1) throw new Error(`fake nodes: count must be a positive integer, got ${opts.count}`);
    this.o = { ...DEFAULTS, ...definedOnly(opts) } as typeof DEFAULTS & FakeNodesOptions;
    this.log = opts.log.child({ component: 'fake-nodes' });
    this.limiter = new Limiter(this.o.maxInFlight);
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Nobody may be waiting on ready when run() stops early; that is not an unhandled error.
    this.ready.catch(() => undefined);
    // No connection is opened until run(): a Client is only a keep-alive agent until used.
    this.client = new Client({ ...opts.client, userAgent: 'orch-agent-fake' });
    const leaseSeconds = Math.max(1, Math.ceil((this.o.heartbeatIntervalMs * 4) / 1000));
    const names: string[] = [];
    for (let i = 0; i < opts.count; i++) {
      const name = `${this.o.namePrefix}-${i}`;
      names.push(name);
      this.nodes.set(name, {
        name,
        index: i,
        lease: new NodeLease(this.client, name, { durationSeconds: leaseSeconds }),
        pool: new IpPool(fallbackPodCidr(i)),
        gone: false,
        registered: false,
        nextBeat: 0,
        failures: 0,
      });
    }
    this.names = names;
  }

  /**
   * Registers the nodes and plays their kubelets until the signal aborts, then (with
   * removeOnStop) removes them. Call once per instance. Rejects only when the server
   * refuses the credentials; other failures are retried.
   */
  async run(outer: AbortSignal): Promise<void> {
    // One internal signal for the many waits below, so the caller's signal does not
    // collect a listener per node.
    const ac = new AbortController();
    setMaxListeners(0, ac.signal);
    const onAbort = () => ac.abort();
    outer.addEventListener('abort', onAbort, { once: true });
    if (outer.aborted) ac.abort();
    const signal = ac.signal;
    const client = this.client;
    const loops: Promise<void>[] = [];
    try {
      const started = Date.now();
      await this.registerAll(client, signal);
      if (signal.aborted) {
        this.rejectReady(new Error('fake nodes stopped before they were ready'));
        return;
      }
      this.log.info({ nodes: this.nodes.size, ms: Date.now() - started }, 'fake nodes registered');

      const nodeInformer = (this.nodeInformer = new Informer<Node>(client.resource<Node>('nodes'), {
        labelSelector: `${FAKE_NODE_LABEL}=${FAKE_NODE_LABEL_VALUE}`,
        log: this.log,
      }));
      const podInformer = (this.podInformer = new Informer<Pod>(client.resource<Pod>('pods'), { fieldSelector: 'spec.nodeName!=', log: this.log }));
      const enqueueNode = (n: Node) => this.nodes.has(n.metadata?.name ?? '') && this.nodeQueue.add(n.metadata!.name!);
      nodeInformer.on({ add: enqueueNode, update: (_o, n) => enqueueNode(n), delete: enqueueNode });
      const enqueuePod = (p: Pod) => this.nodes.has(p.spec?.nodeName ?? '') && this.podQueue.add(keyOf(p));
      podInformer.on({ add: enqueuePod, update: (_o, p) => enqueuePod(p), delete: enqueuePod });
      loops.push(nodeInformer.run(signal), podInformer.run(signal));
      await Promise.race([Promise.all([nodeInformer.synced, podInformer.synced]), aborted(signal)]);
      if (signal.aborted) {
        this.rejectReady(new Error('fake nodes stopped before they were ready'));
        return;
      }
      for (const n of nodeInformer.list()) this.adoptPodCidr(n);
      // Pods that already run here keep their IPs: claim them before any new pod gets one.
      for (const p of podInformer.list()) this.claimExisting(p);
      this.startHeartbeats();
      this.resolveReady();
      this.log.info({ nodes: this.nodes.size }, 'fake nodes ready');
      await Promise.all([
        runWorkers(this.nodeQueue, 4, (k) => this.syncNode(k), signal, (k, err) => this.warn('node status sync failed', { node: k, err: (err as Error).message })),
        runWorkers(this.podQueue, 32, (k) => this.syncPod(k), signal, (k, err) => this.log.debug({ pod: k, err: (err as Error).message }, 'pod sync failed')),
      ]);
    } catch (err) {
      this.rejectReady(err as Error);
      throw err;
    } finally {
      this.stopping = true;
      ac.abort();
      outer.removeEventListener('abort', onAbort);
      for (const n of this.nodes.values()) clearTimeout(n.timer);
      this.podQueue.shutDown();
      this.nodeQueue.shutDown();
      await Promise.allSettled(loops);
      if (this.o.removeOnStop) await this.removeAll(client).catch((err) => this.log.warn({ err: (err as Error).message }, 'removing fake nodes failed'));
      client.close();
    }
  }

  /** The description every fake node is built from; it depends only on the index. */
  private describe(n: FakeNode): NodeDescription {
    const id = createHash('sha256').update(n.name).digest('hex');
    return {
      name: n.name,
      labels: { [FAKE_NODE_LABEL]: FAKE_NODE_LABEL_VALUE, 'node.kubernetes.io/instance-type': 'fake' },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
      capacity: { ...this.o.capacity, 'ephemeral-storage': '100Gi' },
      addresses: [
        { type: 'InternalIP', address: fakeNodeIp(n.index) },
        { type: 'Hostname', address: n.name },
      ],
      nodeInfo: {
        machineID: id.slice(0, 32),
        systemUUID: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`,
        bootID: this.bootID,
        kernelVersion: '6.1.0-fake',
        osImage: 'orch fake node',
        containerRuntimeVersion: FAKE_RUNTIME_VERSION,
      },
      os: 'linux',
      arch: 'amd64',
    };
  }

  /**
   * Registers every node and creates its Lease. A node that fails is retried (the server
   * may be starting) until it works or we stop — unless the server refuses our credentials,
   * which no retry will fix.
   */
  private async registerAll(client: Client, signal: AbortSignal): Promise<void> {
    let fatal: unknown;
    await mapLimit([...this.nodes.values()], this.o.maxInFlight, async (n) => {
      for (let attempt = 0; !signal.aborted && !fatal; attempt++) {
        try {
          const stored = await registerNode(client, buildNode(this.describe(n), { ready: true }, Date.now()));
          n.registered = true;
          n.lease.setOwner(stored.metadata!.uid!);
          await n.lease.renew();
          this.adoptPodCidr(stored);
          return;
        } catch (err) {
          if (isFatal(err)) {
            fatal ??= err;
            return;
          }
          this.warn('registering fake nodes failed; retrying', { node: n.name, err: (err as Error).message, attempt });
          await sleep(Math.min(5_000, 200 * 2 ** attempt), signal);
        }
      }
    });
    if (fatal) throw fatal;
  }

  /** A warning logged at most every few seconds per message, with how many were dropped. */
  private warn(msg: string, fields: Record<string, unknown>): void {
    const now = Date.now();
    const w = this.warned.get(msg);
    if (w && now - w.at < WARN_EVERY_MS) {
      w.dropped++;
      return;
    }
    this.log.warn({ ...fields, similar: w?.dropped ?? 0 }, msg);
    this.warned.set(msg, { at: now, dropped: 0 });
  }

  private startHeartbeats(): void {
    const now = Date.now();
    const count = this.nodes.size;
    // Node i first renews at i/count of the way through the interval: an even spread, so
    // 5,000 nodes at 10 s make a steady 500 renewals a second rather than a burst.
    for (const n of this.nodes.values()) {
      n.nextBeat = now + Math.floor((this.o.heartbeatIntervalMs * (n.index + 0.5)) / count);
      this.scheduleBeat(n);
    }
  }

  private scheduleBeat(n: FakeNode): void {
    if (this.stopping) return;
    n.timer = setTimeout(() => void this.beat(n), Math.max(0, n.nextBeat - Date.now()));
  }

  private async beat(n: FakeNode): Promise<void> {
    n.timer = undefined;
    if (this.stopping) return;
    if (n.gone) {
      n.nextBeat += this.o.heartbeatIntervalMs;
      return this.scheduleBeat(n);
    }
    try {
      await this.limiter.run(() => n.lease.renew());
      n.failures = 0;
      // Keep to the schedule; after a long stall start a fresh period rather than catching up.
      n.nextBeat = Math.max(n.nextBeat + this.o.heartbeatIntervalMs, Date.now() + this.o.heartbeatIntervalMs / 2);
    } catch (err) {
      n.failures++;
      if (!this.stopping) this.warn('lease renewal failed', { node: n.name, err: (err as Error).message });
      n.nextBeat = Date.now() + Math.min(this.o.heartbeatIntervalMs, 200 * 2 ** (n.failures - 1));
    }
    this.scheduleBeat(n);
  }

  private adoptPodCidr(node: Node): void {
    const n = this.nodes.get(node.metadata?.name ?? '');
    const cidr = node.spec?.podCIDR;
    // Pods started on the old range keep their IPs (and the pool they came from).
    if (n && cidr && n.pool.cidr !== cidr) n.pool = new IpPool(cidr);
  }

  private claimExisting(p: Pod): void {
    const n = this.nodes.get(p.spec?.nodeName ?? '');
    const ip = p.status?.podIP;
    if (!n || !ip || p.spec?.hostNetwork) return;
    const pool = n.pool.contains(ip) ? n.pool : new IpPool(fallbackPodCidr(n.index));
    if (!pool.claim(ip)) return;
    this.pods.set(keyOf(p), { uid: p.metadata!.uid!, firstSeen: Date.now(), ip, pool });
  }

  /** Keeps the node's status posted: at once when it disagrees with ours, else every report interval. */
  private async syncNode(name: string): Promise<void> {
    const n = this.nodes.get(name);
    const node = this.nodeInformer?.get(name);
    if (!n) return;
    if (!node) {
      if (!n.gone) this.log.warn({ node: name }, 'fake node was deleted; no longer heartbeating it');
      n.gone = true;
      return;
    }
    n.gone = false;
    this.adoptPodCidr(node);
    const now = Date.now();
    const wanted = kubeletConditions({ ready: true }, now, node.status?.conditions);
    // Per-node periods between 90% and 100% of the interval drift the nodes apart, so
    // status reports of nodes registered together do not stay in one burst.
    const period = this.o.statusReportIntervalMs * (0.9 + 0.1 * ((n.index * 0.618) % 1));
    const due = readyHeartbeat(node.status?.conditions) + period;
    if (!conditionsDiffer(node.status?.conditions, wanted) && now < due) {
      this.nodeQueue.addAfter(name, due - now);
      return;
    }
    const status = nodeStatus(this.describe(n), { ready: true }, now, node.status);
    try {
      await this.limiter.run(() => this.client.resource<Node>('nodes').updateStatus({ ...node, status }));
    } catch (err) {
      if (isCode(err, 404)) return;
      throw err;
    }
  }

  /** Plays kubelet for one pod: start it after the delay, finish its deletion, free its IP. */
  private async syncPod(key: string): Promise<void> {
    const pod = this.podInformer?.get(key);
    let t = this.pods.get(key);
    const n = pod ? this.nodes.get(pod.spec?.nodeName ?? '') : undefined;
    if (t && (!pod || !n || t.uid !== pod.metadata?.uid)) {
      if (t.ip) t.pool?.release(t.ip);
      this.pods.delete(key);
      t = undefined;
    }
    if (!pod || !n) return;
    const now = Date.now();
    if (!t) this.pods.set(key, (t = { uid: pod.metadata!.uid!, firstSeen: now }));
    const [ns, name] = [pod.metadata!.namespace!, pod.metadata!.name!];
    if (pod.metadata?.deletionTimestamp) {
      t.deleteSeen ??= now;
      const due = t.deleteSeen + this.o.podDeleteDelayMs;
      if (now < due) return this.podQueue.addAfter(key, due - now);
      try {
        await this.limiter.run(() => this.client.pods.delete(ns, name, { gracePeriodSeconds: 0, preconditions: { uid: t!.uid } }));
      } catch (err) {
        // Gone already, or a new pod took the name: nothing of ours to finish.
        if (!isCode(err, 404, 409)) throw err;
      }
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || isRunning(pod)) return;
    const due = t.firstSeen + this.o.podStartDelayMs;
    if (now < due) return this.podQueue.addAfter(key, due - now);
    const hostIP = fakeNodeIp(n.index);
    let podIP = pod.spec?.hostNetwork ? hostIP : (t.ip ?? pod.status?.podIP);
    if (!podIP) {
      podIP = n.pool.allocate();
      if (!podIP) throw new Error(`no free pod IP in ${n.pool.cidr} on node ${n.name}`);
      t.ip = podIP;
      t.pool = n.pool;
    }
    const status = runningPodStatus(pod, { podIP, hostIP, now });
    try {
      await this.limiter.run(() => this.client.pods.updateStatus({ ...pod, status }));
    } catch (err) {
      if (isCode(err, 404)) return;
      throw err;
    }
  }

  /** Deletes the nodes, the pods bound to them and their Leases (removeOnStop). */
  private async removeAll(client: Client): Promise<void> {
    const started = Date.now();
    const nodes = client.resource('nodes');
    const mineNodes = [...this.nodes.values()].filter((n) => n.registered);
    if (!mineNodes.length) return;
    await mapLimit(mineNodes.map((n) => n.name), this.o.maxInFlight, async (name) => {
      await nodes.delete(undefined, name).catch((err) => {
        if (!isCode(err, 404)) throw err;
      });
    });
    // One list, not one per node: the field selector cannot say "any of these nodes".
    const bound = await client.pods.list(undefined, { fieldSelector: 'spec.nodeName!=' });
    const mine = bound.items.filter((p: Pod) => this.nodes.has(p.spec?.nodeName ?? ''));
    await mapLimit(mine, this.o.maxInFlight, async (p: Pod) => {
      await client.pods.delete(p.metadata!.namespace, p.metadata!.name!, { gracePeriodSeconds: 0 }).catch((err) => {
        if (!isCode(err, 404)) throw err;
      });
    });
    await mapLimit(mineNodes, this.o.maxInFlight, (n) => n.lease.remove());
    this.log.info({ nodes: mineNodes.length, pods: mine.length, ms: Date.now() - started }, 'fake nodes removed');
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
