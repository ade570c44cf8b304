/**
 * The Deployment controller: rolls a Deployment's pod template out through ReplicaSets,
 * one per template, named by the template's hash (Kubernetes' pkg/controller/deployment,
 * and KUBECTL.md §10 for what kubectl relies on). Events only enqueue Deployment keys;
 * sync() reads the shared caches, takes one step and writes status.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { EventRecorder } from '../../client/events.js';
import { keyOf, type Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import { labelSelectorFromObject, type Selector } from '../../machinery/labels.js';
import type { Logger } from '../../machinery/log.js';
import type { Controller, ControllerContext } from '../types.js';
import { claim } from '../shared/claim.js';
import { controllerRefOf } from '../shared/controller-ref.js';
import { BY_CONTROLLER_UID, BY_NAMESPACE, ORPHANS_BY_NAMESPACE, workloadIndexers } from '../shared/indexes.js';
import { NewestCache } from '../shared/newest-cache.js';
import { SoonestTimers } from '../shared/soonest-timers.js';
import { REASON, getCondition, newCondition, setCondition } from './conditions.js';
import { desiredReplicasOf } from './annotations.js';
import { filterActive } from './replica-sets.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import { scale } from './scale.js';
import { cleanupOldReplicaSets } from './cleanup.js';
import { hasProgressDeadline } from './status.js';
import { SyncContext, type SyncDeps } from './sync-context.js';

const DEPLOYMENT_REF = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;

export interface DeploymentControllerOptions {
  workers?: number;
}

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly queue = new WorkQueue();
  private readonly dInformer: Informer<Deployment>;
  private readonly rsInformer: Informer<ReplicaSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly deployments: ResourceClient<Deployment>;
  private readonly replicaSets: ResourceClient<ReplicaSet>;
  private readonly writtenReplicaSets = new NewestCache<ReplicaSet>();
  private readonly writtenDeployments = new NewestCache<Deployment>();
  private readonly later = new SoonestTimers((key) => this.queue.add(key));
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private readonly workers: number;

  constructor(ctx: ControllerContext, opts: DeploymentControllerOptions = {}) {
    this.workers = opts.workers ?? ctx.config.workers;
    this.log = ctx.log.child({ component: 'deployment-controller' });
    this.recorder = ctx.recorder('deployment-controller');
    this.deployments = ctx.client.resource<Deployment>('deployments', 'apps');
    this.replicaSets = ctx.client.resource<ReplicaSet>('replicasets', 'apps');
    this.dInformer = ctx.informers.informer<Deployment>('deployments', 'apps', workloadIndexers);
    this.rsInformer = ctx.informers.informer<ReplicaSet>('replicasets', 'apps', workloadIndexers);
    this.podInformer = ctx.informers.informer<Pod>('pods', '', workloadIndexers);

    this.dInformer.on({
      add: (d) => this.queue.add(keyOf(d)),
      update: (_old, cur) => this.queue.add(keyOf(cur)),
      delete: (d) => {
        this.writtenDeployments.forget(d.metadata?.uid);
        this.queue.add(keyOf(d));
      },
    });
    this.rsInformer.on({
      add: (rs) => this.replicaSetAdded(rs),
      update: (old, cur) => this.replicaSetUpdated(old, cur),
      delete: (rs) => {
        this.writtenReplicaSets.forget(rs.metadata?.uid);
        this.enqueueOwner(rs);
      },
    });
    // Recreate waits for the old pods to be gone: their deletion is what it waits on.
    this.podInformer.on({ delete: (pod) => this.podDeleted(pod) });
  }

  async run(signal: AbortSignal): Promise<void> {
    try {
      await runWorkers(this.queue, this.workers, (key) => this.sync(key), signal, (key, err) =>
        this.log.warn({ deployment: key, err: (err as Error).message }, 'sync failed; retrying'),
      );
    } finally {
      this.later.stop();
    }
  }

  // ---- event handlers ------------------------------------------------------------------

  private replicaSetAdded(rs: ReplicaSet): void {
    if (this.enqueueOwner(rs)) return;
    if (!controllerRefOf(rs)) for (const d of this.matchingDeployments(rs)) this.queue.add(keyOf(d));
  }

  private replicaSetUpdated(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const oldRef = controllerRefOf(old);
    const curRef = controllerRefOf(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) this.enqueueOwner(old);
    if (curRef) {
      this.enqueueOwner(cur);
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.matchingDeployments(cur)) this.queue.add(keyOf(d));
  }

  private podDeleted(pod: Pod): void {
    const rsRef = controllerRefOf(pod);
    if (rsRef?.kind !== 'ReplicaSet') return;
    const rs = this.rsInformer.get(`${pod.metadata?.namespace}/${rsRef.name}`);
    if (!rs || rs.metadata?.uid !== rsRef.uid) return;
    const d = this.resolve(rs.metadata?.namespace, controllerRefOf(rs));
    if (d && d.spec?.strategy?.type === 'Recreate') this.queue.add(keyOf(d));
  }

  /** Enqueues the Deployment controlling `rs`; false if there is none. */
  private enqueueOwner(rs: ReplicaSet): boolean {
    const d = this.resolve(rs.metadata?.namespace, controllerRefOf(rs));
    if (!d) return false;
    this.queue.add(keyOf(d));
    return true;
  }

  private resolve(ns: string | undefined, ref: OwnerReference | undefined): Deployment | undefined {
    if (ref?.kind !== 'Deployment') return undefined;
    const d = this.dInformer.get(`${ns}/${ref.name}`);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  private matchingDeployments(rs: ReplicaSet): Deployment[] {
    const labels = rs.metadata?.labels;
    if (!labels) return [];
    return this.dInformer.byIndex(BY_NAMESPACE, rs.metadata?.namespace ?? '').filter((d) => selectorOf(d)?.matches(labels));
  }

  // ---- sync ----------------------------------------------------------------------------

  async sync(key: string): Promise<void> {
    const cached = this.dInformer.get(key);
    if (!cached) return;
    const d = structuredClone(this.writtenDeployments.newest(cached));
    const deps = this.deps(key);
    const selector = selectorOf(d);
    if (!selector || selector.empty()) {
      // Selecting every pod in the namespace would adopt them all: refuse.
      deps.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await this.deployments.updateStatus({ ...d, status: { ...d.status, observedGeneration: d.metadata?.generation } });
      }
      return;
    }
    const rsList = await this.claimReplicaSets(d, selector);
    const s = new SyncContext(deps, d, rsList);

    if (d.metadata?.deletionTimestamp) {
      // Being deleted: the garbage collector removes the ReplicaSets; only report.
      const { newRS, oldRSs } = await s.replicaSetsAndSyncRevision(false);
      return s.syncDeploymentStatus([...oldRSs, newRS], newRS);
    }
    await this.checkPausedConditions(s);
    if (d.spec?.paused || (await this.isScalingEvent(s))) return this.syncScale(s);
    if (d.spec?.strategy?.type === 'Recreate') return rolloutRecreate(s, (uid) => this.podInformer.byIndex(BY_CONTROLLER_UID, uid));
    return rolloutRolling(s);
  }

  private deps(key: string): SyncDeps {
    return {
      deployments: this.deployments,
      replicaSets: this.replicaSets,
      writtenReplicaSets: this.writtenReplicaSets,
      writtenDeployments: this.writtenDeployments,
      event: (d, type, reason, message) => this.recorder.event({ ...DEPLOYMENT_REF, metadata: d.metadata }, type, reason, message),
      requeueAfter: (ms) => this.later.schedule(key, ms),
      now: Date.now,
    };
  }

  /** The ReplicaSets this Deployment controls, after adopting and releasing by selector. */
  private async claimReplicaSets(d: Deployment, selector: Selector): Promise<ReplicaSet[]> {
    const ns = d.metadata!.namespace!;
    const candidates = [...this.rsInformer.byIndex(BY_CONTROLLER_UID, d.metadata!.uid!), ...this.rsInformer.byIndex(ORPHANS_BY_NAMESPACE, ns)].map((rs) =>
      this.writtenReplicaSets.newest(rs),
    );
    const claimed = await claim({
      owner: d,
      ownerApiVersion: DEPLOYMENT_REF.apiVersion,
      ownerKind: DEPLOYMENT_REF.kind,
      selector,
      candidates,
      client: this.replicaSets,
      canAdopt: async () => {
        const fresh = await this.deployments.get(ns, d.metadata!.name!);
        if (fresh.metadata?.uid !== d.metadata?.uid) throw new Error(`original Deployment ${ns}/${d.metadata!.name} is gone`);
        if (fresh.metadata?.deletionTimestamp) throw new Error(`Deployment ${ns}/${d.metadata!.name} is being deleted`);
      },
    });
    return claimed.map((rs) => structuredClone(rs));
  }

  /**
   * Pausing and resuming show in the Progressing condition (Unknown), unless the rollout
   * has already timed out: that verdict stays until a new rollout.
   */
  private async checkPausedConditions(s: SyncContext): Promise<void> {
    const d = s.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === REASON.timedOut) return;
    const pausedShown = cond?.reason === REASON.paused;
    let next;
    if (d.spec?.paused && !pausedShown) next = newCondition('Progressing', 'Unknown', REASON.paused, 'Deployment is paused');
    else if (!d.spec?.paused && pausedShown) next = newCondition('Progressing', 'Unknown', REASON.resumed, 'Deployment is resumed');
    if (!next) return;
    const status = structuredClone(d.status ?? {});
    setCondition(status, next);
    await s.writeDeployment(false, status);
  }

  /** spec.replicas changed since an active ReplicaSet was last sized for it. */
  private async isScalingEvent(s: SyncContext): Promise<boolean> {
    const { newRS, oldRSs } = await s.replicaSetsAndSyncRevision(false);
    const want = s.d.spec?.replicas ?? 1;
    for (const rs of filterActive([...oldRSs, newRS])) {
      const desired = desiredReplicasOf(rs);
      if (desired !== undefined && desired !== want) return true;
    }
    return false;
  }

  /** Scaling (and, while paused, history cleanup) without rolling anything out. */
  private async syncScale(s: SyncContext): Promise<void> {
    const { newRS, oldRSs } = await s.replicaSetsAndSyncRevision(false);
    await scale(s, newRS, oldRSs);
    if (s.d.spec?.paused) await cleanupOldReplicaSets(s, oldRSs);
    await s.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }
}

const selectors = new WeakMap<object, Selector | null>();

function selectorOf(d: Deployment): Selector | undefined {
  let s = selectors.get(d);
  if (s === undefined) {
    try {
      s = labelSelectorFromObject(d.spec?.selector);
    } catch {
      s = null;
    }
    selectors.set(d, s);
  }
  return s ?? undefined;
}
