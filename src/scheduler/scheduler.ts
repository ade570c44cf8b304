/**
 * The scheduler: places pods with no node on a node, through the pods/binding subresource.
 *
 * One loop pops a pod, runs the framework against the cache synchronously, assumes the pod
 * on the chosen node and starts its binding without waiting for it: up to `parallelism`
 * bindings are in flight while the next pods are scheduled, which is what lets one
 * event loop keep up with hundreds of pods a second when each binding is an HTTPS round
 * trip. A failed binding forgets the assumed pod and retries it after back-off.
 *
 * Runs only while holding the Lease kube-system/orch-scheduler (unless leader election is
 * off), so two servers never bind the same pods.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { Client } from '../client/client.js';
import type { ClientConfig } from '../client/config.js';
import { InformerFactory } from '../client/informer-factory.js';
import type { Informer } from '../client/informer.js';
import { runWithLeaderElection } from '../client/leader-election.js';
import { ApiError } from '../machinery/errors.js';
import type { Logger } from '../machinery/log.js';
import { SchedulerCache } from './cache/cache.js';
import { DEFAULT_SCHEDULER_NAME, registerEventHandlers, wantsScheduling } from './event-handlers.js';
import { Framework } from './framework/framework.js';
import type { CycleState, PluginHandle } from './framework/types.js';
import { buildPlugins, DEFAULT_PROFILE, type PluginConfig } from './plugins/registry.js';
import { EventRecorder } from '../client/events.js';
import { unschedulableConditionPatch, type FailureReason } from './pod-conditions.js';
import { SchedulingQueue, type QueuedPodInfo, type SchedulingQueueOptions } from './queue/scheduling-queue.js';

export interface SchedulerOptions {
  client: ClientConfig;
  log: Logger;
  /** Pods whose spec.schedulerName is this are ours (default `default-scheduler`). */
  schedulerName?: string;
  /** Hold the Lease kube-system/orch-scheduler while scheduling (default true). */
  leaderElection?: boolean;
  /** Leader election identity (default: hostname + random suffix). */
  identity?: string;
  /** Bindings in flight at once while further pods are scheduled (default 64). */
  parallelism?: number;
  /** kube-scheduler's percentageOfNodesToScore; 0 (default) is adaptive. */
  percentageOfNodesToScore?: number;
  /** Plugins and weights (default: DEFAULT_PROFILE). */
  profile?: readonly PluginConfig[];
  /** Back-off and parking times (defaults 1 s, 10 s, 60 s). */
  queue?: Omit<SchedulingQueueOptions, 'now'>;
}

/** Counters for benchmarks and debugging; timestamps are performance.now() milliseconds. */
export interface SchedulerStats {
  /** Scheduling attempts (framework runs). */
  attempts: number;
  bound: number;
  unschedulable: number;
  errors: number;
  bindFailures: number;
  firstBindAt: number | undefined;
  lastBindAt: number | undefined;
  /** Time spent in the framework (filter + score), summed. */
  algorithmMs: number;
}

interface Term {
  signal: AbortSignal;
  client: Client;
  reportClient: Client;
  pods: Informer<Pod>;
  cache: SchedulerCache;
  queue: SchedulingQueue;
  framework: Framework;
  events: EventRecorder;
}

// How long the loop may run before letting I/O (watch events, binding replies) through.
const SLICE_MS = 10;

export class Scheduler {
  /** Resolves once this instance leads, its caches have synced and it is scheduling. */
  readonly ready: Promise<void>;
  readonly stats: SchedulerStats = { attempts: 0, bound: 0, unschedulable: 0, errors: 0, bindFailures: 0, firstBindAt: undefined, lastBindAt: undefined, algorithmMs: 0 };
  private resolveReady!: () => void;
  private readonly name: string;
  private readonly parallelism: number;
  private readonly log: Logger;
  private inFlight = 0;
  private readonly binds = new Set<Promise<void>>();
  private slotFreed: (() => void) | undefined;

  constructor(private readonly opts: SchedulerOptions) {
    this.ready = new Promise((r) => (this.resolveReady = r));
    this.name = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.parallelism = Math.max(1, opts.parallelism ?? 64);
    this.log = opts.log.child({ component: 'scheduler' });
    // Validate the profile now: a typo should fail at start-up, not at election time.
    buildPlugins(opts.profile ?? DEFAULT_PROFILE);
  }

  async run(signal: AbortSignal): Promise<void> {
    const client = new Client({ ...this.opts.client, userAgent: 'orch-scheduler' });
    // Failure reports (events, conditions) get their own connections: a burst of them
    // after a wave of unschedulable pods must not queue the bindings behind it.
    const reportClient = new Client({ ...this.opts.client, userAgent: 'orch-scheduler' });
    const identity = this.opts.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    try {
      const lead = (s: AbortSignal) => this.lead(client, reportClient, s);
      if (this.opts.leaderElection === false) await lead(signal);
      else await runWithLeaderElection(client, { name: 'orch-scheduler', namespace: 'kube-system', identity, log: this.log }, signal, lead);
    } finally {
      client.close();
      reportClient.close();
    }
  }

  /** One term of leadership: fresh informers, cache and queue, so nothing stale survives a lost lease. */
  private async lead(client: Client, reportClient: Client, signal: AbortSignal): Promise<void> {
    const informers = new InformerFactory(client, this.log.child({ component: 'scheduler-informers' }));
    const pods = informers.informer<Pod>('pods');
    const nodes = informers.informer<Node>('nodes');
    const cache = new SchedulerCache();
    const queue = new SchedulingQueue(this.opts.queue);
    const handle: PluginHandle = { client, lister: (plural, group) => informers.informer(plural, group) };
    const framework = new Framework(buildPlugins(this.opts.profile ?? DEFAULT_PROFILE, handle), { percentageOfNodesToScore: this.opts.percentageOfNodesToScore });
    const events = new EventRecorder(reportClient, this.name, `${this.name}-${hostname()}`, this.log);
    // A claim bound, a volume made or freed, a class added: parked pods may fit now.
    const storage = [informers.informer('persistentvolumeclaims'), informers.informer('persistentvolumes'), informers.informer('storageclasses', 'storage.k8s.io')];
    registerEventHandlers({ pods, nodes, cache, queue, schedulerName: this.name, storage });
    informers.start(signal);
    await untilSyncedOrAborted(informers, signal);
    if (!signal.aborted) {
      queue.run(signal);
      this.log.info({ nodes: cache.nodeCount, pending: queue.lengths.active }, 'scheduler started');
      this.resolveReady();
      await this.loop({ signal, client, reportClient, pods, cache, queue, framework, events });
    }
    await Promise.allSettled([...this.binds]);
    await informers.stopped();
  }

  private async loop(t: Term): Promise<void> {
    let sliceStart = performance.now();
    for (;;) {
      if (this.inFlight >= this.parallelism) await new Promise<void>((r) => (this.slotFreed = r));
      const q = await t.queue.pop();
      if (!q) return;
      this.scheduleOne(t, q);
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        sliceStart = performance.now();
      }
    }
  }

  private scheduleOne(t: Term, q: QueuedPodInfo): void {
    const key = q.info.key;
    const current = t.pods.get(key);
    // Gone, bound, being deleted, or already assumed by an earlier copy of this entry.
    if (!current || current.metadata?.uid !== q.info.uid || !wantsScheduling(current, this.name) || t.cache.nodeOf(key) !== undefined) {
      t.queue.done(q);
      return;
    }
    const started = performance.now();
    const result = t.framework.schedule(q.info, t.cache.nodeList);
    this.stats.algorithmMs += performance.now() - started;
    this.stats.attempts++;
    switch (result.kind) {
      case 'Scheduled':
        t.cache.assumePod(q.info, result.node.name);
        this.bind(t, q, result.node.name, result.state);
        return;
      case 'Unschedulable':
        this.stats.unschedulable++;
        t.queue.addUnschedulable(q);
        this.log.debug({ pod: key, message: result.message }, 'pod is unschedulable');
        this.reportFailure(t, current, 'Unschedulable', result.message);
        return;
      case 'Error':
        this.stats.errors++;
        t.queue.addBackoff(q);
        this.log.warn({ pod: key, err: result.message }, 'scheduling attempt failed');
        this.reportFailure(t, current, 'SchedulerError', result.message);
        return;
    }
  }

  private bind(t: Term, q: QueuedPodInfo, nodeName: string, state: CycleState): void {
    const pod = q.info.pod;
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    this.inFlight++;
    const body = { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns, uid: q.info.uid }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } };
    const p = this.preBind(t, q, nodeName, state)
      .then(() => t.client.pods.postSub(ns, name, 'binding', body))
      .then(
        () => {
          const now = performance.now();
          this.stats.bound++;
          this.stats.firstBindAt ??= now;
          this.stats.lastBindAt = now;
          t.queue.done(q);
          t.events.event({ kind: 'Pod', apiVersion: 'v1', ...pod }, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata?.namespace}/${pod.metadata?.name} to ${nodeName}`, 'Binding');
        },
        (err: unknown) => this.bindFailed(t, q, nodeName, err),
      )
      .finally(() => {
        this.inFlight--;
        this.binds.delete(p);
        const wake = this.slotFreed;
        this.slotFreed = undefined;
        wake?.();
      });
    this.binds.add(p);
  }

  /** PreBind plugins (volumes) for the chosen node; a failure rejects the binding like an API error would. */
  private async preBind(t: Term, q: QueuedPodInfo, nodeName: string, state: CycleState): Promise<void> {
    if (!t.framework.hasPreBind) return;
    const s = await t.framework.preBind(q.info, nodeName, state, t.signal);
    if (s.code !== 'Success') throw new PreBindError(s.reasons.join(', '));
  }

  private bindFailed(t: Term, q: QueuedPodInfo, nodeName: string, err: unknown): void {
    this.stats.bindFailures++;
    t.cache.forgetPod(q.info.key, q.info.uid);
    if (err instanceof PreBindError) {
      this.log.info({ pod: q.info.key, node: nodeName, err: err.message }, 'pre-binding failed');
      t.queue.addBackoff(q);
      const current = t.pods.get(q.info.key);
      if (current) this.reportFailure(t, current, 'SchedulerError', err.message);
      return;
    }
    const code = err instanceof ApiError ? err.code : 0;
    // Deleted, or bound by someone else, or being deleted: the informer will tell the rest.
    if (code === 404 || code === 409) {
      t.queue.done(q);
      return;
    }
    const message = `Binding rejected: ${(err as Error).message}`;
    this.log.warn({ pod: q.info.key, node: nodeName, err: (err as Error).message }, 'binding failed');
    t.queue.addBackoff(q);
    const current = t.pods.get(q.info.key);
    if (current) this.reportFailure(t, current, 'SchedulerError', message);
  }

  /** A FailedScheduling event and the PodScheduled=False condition (written only when it changes). */
  private reportFailure(t: Term, pod: Pod, reason: FailureReason, message: string): void {
    t.events.event({ kind: 'Pod', apiVersion: 'v1', ...pod }, 'Warning', 'FailedScheduling', message, 'Scheduling');
    const patch = unschedulableConditionPatch(pod, reason, message);
    if (!patch) return;
    t.reportClient.pods.patch(pod.metadata?.namespace, pod.metadata?.name ?? '', patch, 'strategic', 'status').catch((err: unknown) => {
      this.log.debug({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, err: (err as Error).message }, 'pod condition not written');
    });
  }
}

/** A PreBind plugin refused or failed: the pod is retried after back-off. */
class PreBindError extends Error {}

async function untilSyncedOrAborted(informers: InformerFactory, signal: AbortSignal): Promise<void> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((r) => {
    onAbort = () => r();
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([informers.waitForSync(), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
