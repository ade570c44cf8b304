/**
 * The ReplicaSet controller: keeps `spec.replicas` active pods matching a ReplicaSet's
 * selector, owned by it, and reports what it sees in `status`. Kubernetes'
 * pkg/controller/replicaset, in its shape: pod and ReplicaSet events only enqueue
 * keys; sync() reads the shared caches and converges.
 */
import type { ReplicaSet, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { EventRecorder } from '../../client/events.js';
import { keyOf, type Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import { ApiError } from '../../machinery/errors.js';
import { labelSelectorFromObject, type Selector } from '../../machinery/labels.js';
import type { Logger } from '../../machinery/log.js';
import type { Controller, ControllerContext } from '../types.js';
import { claim } from '../shared/claim.js';
import { mapLimit, slowStartBatch } from '../shared/concurrency.js';
import { controllerRefOf } from '../shared/controller-ref.js';
import { EventThrottle } from '../shared/event-throttle.js';
import { Expectations } from '../shared/expectations.js';
import { SoonestTimers } from '../shared/soonest-timers.js';
import { BY_CONTROLLER_UID, BY_NAMESPACE, ORPHANS_BY_NAMESPACE, workloadIndexers } from '../shared/indexes.js';
import { isPodActive, isPodReady, msUntilAvailable } from '../shared/pod-status.js';
import { podFromTemplate } from './pod-from-template.js';
import { podsToDelete } from './pods-to-delete.js';
import { calculateStatus, statusEqual } from './status.js';

export interface ReplicaSetControllerOptions {
  workers?: number;
  /** Most pods created or deleted by one sync (Kubernetes' burstReplicas). */
  burstReplicas?: number;
  /** Most pod creations or deletions in flight at once for one ReplicaSet. */
  maxInFlight?: number;
}

const RS_REF = { apiVersion: 'apps/v1', kind: 'ReplicaSet' } as const;

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';
  readonly queue = new WorkQueue();
  readonly expectations = new Expectations();
  private readonly rsInformer: Informer<ReplicaSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly replicaSets: ResourceClient<ReplicaSet>;
  private readonly pods: ResourceClient<Pod>;
  private readonly recorder: EventRecorder;
  private readonly throttle = new EventThrottle();
  private readonly later = new SoonestTimers((key) => this.queue.add(key));
  private readonly log: Logger;
  private readonly workers: number;
  private readonly burst: number;
  private readonly maxInFlight: number;

  constructor(ctx: ControllerContext, opts: ReplicaSetControllerOptions = {}) {
    this.workers = opts.workers ?? ctx.config.workers;
    this.burst = opts.burstReplicas ?? 500;
    this.maxInFlight = opts.maxInFlight ?? 50;
    this.log = ctx.log.child({ component: 'replicaset-controller' });
    this.recorder = ctx.recorder('replicaset-controller');
    this.replicaSets = ctx.client.resource<ReplicaSet>('replicasets', 'apps');
    this.pods = ctx.client.resource<Pod>('pods');
    this.rsInformer = ctx.informers.informer<ReplicaSet>('replicasets', 'apps', workloadIndexers);
    this.podInformer = ctx.informers.informer<Pod>('pods', '', workloadIndexers);

    this.rsInformer.on({
      add: (rs) => this.queue.add(keyOf(rs)),
      update: (old, cur) => {
        if (old.metadata?.resourceVersion !== cur.metadata?.resourceVersion) this.queue.add(keyOf(cur));
      },
      delete: (rs) => {
        this.expectations.delete(keyOf(rs));
        this.queue.add(keyOf(rs));
      },
    });
    this.podInformer.on({
      add: (pod) => this.podAdded(pod),
      update: (old, cur) => this.podUpdated(old, cur),
      delete: (pod) => this.podDeleted(pod),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    try {
      await runWorkers(this.queue, this.workers, (key) => this.sync(key), signal, (key, err) =>
        this.log.warn({ rs: key, err: (err as Error).message }, 'sync failed; retrying'),
      );
    } finally {
      this.later.stop();
    }
  }

  // ---- event handlers: find the ReplicaSet(s) concerned and enqueue ----------------------

  private podAdded(pod: Pod): void {
    // A pod already terminating when we first see it (after a restart) is not one of our
    // creations: count it as a deletion instead.
    if (pod.metadata?.deletionTimestamp) return this.podDeleted(pod);
    const ref = controllerRefOf(pod);
    if (ref) {
      const rs = this.resolve(pod.metadata?.namespace, ref);
      if (!rs) return;
      const key = keyOf(rs);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    for (const rs of this.matchingReplicaSets(pod)) this.queue.add(keyOf(rs));
  }

  private podUpdated(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelsChanged = !sameLabels(old.metadata?.labels, cur.metadata?.labels);
    if (cur.metadata?.deletionTimestamp) {
      // Graceful deletion: replace the pod now rather than when the node finishes with it.
      this.podDeleted(cur);
      if (labelsChanged) this.podDeleted(old);
      return;
    }
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid;
    if (refChanged && oldRef) {
      const rs = this.resolve(old.metadata?.namespace, oldRef);
      if (rs) this.queue.add(keyOf(rs));
    }
    if (curRef) {
      const rs = this.resolve(cur.metadata?.namespace, curRef);
      if (rs) this.queue.add(keyOf(rs));
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.matchingReplicaSets(cur)) this.queue.add(keyOf(rs));
  }

  private podDeleted(pod: Pod): void {
    const ref = controllerRefOf(pod);
    if (!ref) return;
    const rs = this.resolve(pod.metadata?.namespace, ref);
    if (!rs) return;
    const key = keyOf(rs);
    this.expectations.deletionObserved(key, keyOf(pod));
    this.queue.add(key);
  }

  /** The cached ReplicaSet a controller reference names, if it is still that object. */
  private resolve(ns: string | undefined, ref: OwnerReference): ReplicaSet | undefined {
    if (ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.rsInformer.get(`${ns}/${ref.name}`);
    return rs?.metadata?.uid === ref.uid ? rs : undefined;
  }

  private matchingReplicaSets(pod: Pod): ReplicaSet[] {
    const labels = pod.metadata?.labels;
    if (!labels) return [];
    return this.rsInformer.byIndex(BY_NAMESPACE, pod.metadata?.namespace ?? '').filter((rs) => selectorOf(rs)?.matches(labels));
  }

  // ---- sync ----------------------------------------------------------------------------

  async sync(key: string): Promise<void> {
    const rs = this.rsInformer.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const selector = selectorOf(rs);
    if (!selector) {
      // Validation should make this impossible; retrying would not help.
      this.log.error({ rs: key }, 'replica set has an invalid selector');
      return;
    }
    const ns = rs.metadata!.namespace!;
    const candidates = [...this.podInformer.byIndex(BY_CONTROLLER_UID, rs.metadata!.uid!), ...this.podInformer.byIndex(ORPHANS_BY_NAMESPACE, ns)].filter(isPodActive);
    const pods = await claim({
      owner: rs,
      ownerApiVersion: RS_REF.apiVersion,
      ownerKind: RS_REF.kind,
      selector,
      candidates,
      client: this.pods,
      canAdopt: () => this.recheckOwner(rs),
    });

    let manageError: unknown;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, pods);
      } catch (err) {
        manageError = err;
      }
    }

    const now = Date.now();
    const want = rs.spec?.replicas ?? 1;
    const status = calculateStatus(
      rs,
      pods,
      now,
      manageError ? { create: pods.length < want, message: (manageError as Error).message } : undefined,
    );
    if (!statusEqual(rs.status, status)) await this.writeStatus(rs, status);

    // Ready pods become available minReadySeconds later without any event: look again then.
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.availableReplicas !== status.readyReplicas) {
      let soonest = Infinity;
      for (const p of pods) {
        if (!isPodReady(p)) continue;
        const ms = msUntilAvailable(p, minReady, now);
        if (ms !== undefined && ms > 0) soonest = Math.min(soonest, ms);
      }
      // RFC 3339 times have whole seconds: allow for the truncation.
      this.later.schedule(key, Number.isFinite(soonest) ? soonest + 1000 : 1000);
    }
    if (manageError) throw manageError;
  }

  /** Creates or deletes pods so that `pods` (the claimed active pods) reaches spec.replicas. */
  private async manageReplicas(key: string, rs: ReplicaSet, pods: Pod[]): Promise<void> {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) await this.createPods(key, rs, Math.min(-diff, this.burst));
    else if (diff > 0) await this.deletePods(key, rs, pods, Math.min(diff, this.burst));
  }

  private async createPods(key: string, rs: ReplicaSet, count: number): Promise<void> {
    // Expect them all before the first create: its watch event may arrive before it returns.
    this.expectations.expectCreations(key, count);
    const pod = podFromTemplate(rs);
    const ns = rs.metadata!.namespace!;
    const result = await slowStartBatch(count, 1, this.maxInFlight, async () => {
      try {
        const created = await this.pods.create(ns, pod);
        this.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
      } catch (err) {
        // This creation will never be observed.
        this.expectations.creationObserved(key);
        this.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    });
    for (let i = 0; i < result.skipped; i++) this.expectations.creationObserved(key);
    if (result.errors.length) throw result.errors[0];
  }

  private async deletePods(key: string, rs: ReplicaSet, pods: Pod[], count: number): Promise<void> {
    const victims = podsToDelete(pods, this.relatedPods(rs, pods), count);
    this.expectations.expectDeletions(key, victims.map(keyOf));
    const results = await mapLimit(victims, this.maxInFlight, async (p) => {
      try {
        await this.pods.delete(p.metadata!.namespace, p.metadata!.name!, { preconditions: { uid: p.metadata!.uid } });
        this.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata!.name}`);
      } catch (err) {
        this.expectations.deletionObserved(key, keyOf(p));
        if (err instanceof ApiError && err.code === 404) return;
        this.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
        throw err;
      }
    });
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /**
   * Active pods of every ReplicaSet with the same controller as `rs` (the Deployment's
   * other revisions): scale-down prefers nodes where they are doubled up.
   */
  private relatedPods(rs: ReplicaSet, own: Pod[]): Pod[] {
    const owner = controllerRefOf(rs);
    if (!owner) return own;
    const out: Pod[] = [];
    for (const sibling of this.rsInformer.byIndex(BY_CONTROLLER_UID, owner.uid)) {
      if (sibling.metadata?.uid === rs.metadata?.uid) out.push(...own);
      else out.push(...this.podInformer.byIndex(BY_CONTROLLER_UID, sibling.metadata!.uid!).filter(isPodActive));
    }
    return out;
  }

  /** Adoption is only safe if the ReplicaSet in the cache is still the live, undeleted one. */
  private async recheckOwner(rs: ReplicaSet): Promise<void> {
    const fresh = await this.replicaSets.get(rs.metadata!.namespace, rs.metadata!.name!);
    if (fresh.metadata?.uid !== rs.metadata?.uid) throw new Error(`original ReplicaSet ${keyOf(rs)} is gone: got uid ${fresh.metadata?.uid}, wanted ${rs.metadata?.uid}`);
    if (fresh.metadata?.deletionTimestamp) throw new Error(`ReplicaSet ${keyOf(rs)} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }

  /**
   * Status is derived and this controller is its only writer (one sync per key at a time),
   * so a merge patch without a resourceVersion is safe and cannot lose a race against a
   * scale from the Deployment controller; observedGeneration says which spec it describes.
   */
  private async writeStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<void> {
    try {
      await this.replicaSets.patch(rs.metadata!.namespace, rs.metadata!.name!, { status: { ...status, conditions: status.conditions ?? null } }, 'merge', 'status');
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  }

  private event(rs: ReplicaSet, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (!this.throttle.allow(`${rs.metadata?.uid}/${reason}`)) return;
    this.recorder.event({ ...RS_REF, metadata: rs.metadata }, type, reason, message);
  }
}

const selectors = new WeakMap<object, Selector | null>();

/** The parsed selector of a cached ReplicaSet (cached objects are immutable, so memoized). */
function selectorOf(rs: ReplicaSet): Selector | undefined {
  let s = selectors.get(rs);
  if (s === undefined) {
    try {
      s = labelSelectorFromObject(rs.spec?.selector);
    } catch {
      s = null;
    }
    selectors.set(rs, s);
  }
  return s ?? undefined;
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => a![k] === b?.[k]);
}
