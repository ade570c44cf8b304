/**
 * One sync of one Deployment: working copies of the Deployment and its ReplicaSets, and
 * the writes every rollout step shares (scaling a ReplicaSet, finding or creating the new
 * one, writing status). Each write puts the object the API server returned back into the
 * working copy, so later steps of the same sync decide from what was written.
 */
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { ApiError } from '../../machinery/errors.js';
import { isControlledBy, newControllerRef } from '../shared/controller-ref.js';
import type { NewestCache } from '../shared/newest-cache.js';
import {
  REVISION,
  maxRevision,
  replicasAnnotationsNeedUpdate,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './annotations.js';
import { REASON, getCondition, newCondition, removeCondition, setCondition } from './conditions.js';
import { findNewReplicaSet, newRSNewReplicas, specReplicas } from './replica-sets.js';
import { maxSurge, replicasOf } from './rolling-params.js';
import { calculateStatus, deploymentComplete, deploymentProgressing, deploymentTimedOut, hasProgressDeadline, statusEqual } from './status.js';
import { POD_TEMPLATE_HASH, equalIgnoreHash, templateHash } from './template.js';

export interface SyncDeps {
  deployments: ResourceClient<Deployment>;
  replicaSets: ResourceClient<ReplicaSet>;
  writtenReplicaSets: NewestCache<ReplicaSet>;
  writtenDeployments: NewestCache<Deployment>;
  event(d: Deployment, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Sync this Deployment again after ms. */
  requeueAfter(ms: number): void;
  now(): number;
}

export interface ReplicaSets {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

export class SyncContext {
  constructor(
    readonly deps: SyncDeps,
    /** A copy of the Deployment, updated by our writes. */
    readonly d: Deployment,
    /** Copies of the ReplicaSets the Deployment owns, updated by our writes. */
    readonly rsList: ReplicaSet[],
  ) {}

  get name(): string {
    return this.d.metadata!.name!;
  }

  private get ns(): string {
    return this.d.metadata!.namespace!;
  }

  // ---- ReplicaSets ---------------------------------------------------------------------

  /** Writes a changed copy of `rs` and puts the result into `rs` itself. */
  private async updateReplicaSet(rs: ReplicaSet, changed: ReplicaSet): Promise<void> {
    const updated = await this.deps.replicaSets.update(changed);
    this.deps.writtenReplicaSets.written(updated);
    replaceContents(rs, updated);
  }

  /**
   * Sets a ReplicaSet's size and its desired/max replica annotations. True if the size
   * changed (a ScalingReplicaSet event is recorded).
   */
  async scaleReplicaSet(rs: ReplicaSet, size: number, operation: 'up' | 'down' | ''): Promise<boolean> {
    const want = replicasOf(this.d);
    const max = want + maxSurge(this.d);
    const sizeChanged = specReplicas(rs) !== size;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, want, max)) return false;
    const from = specReplicas(rs);
    const copy = structuredClone(rs);
    copy.spec!.replicas = size;
    setReplicasAnnotations(copy, want, max);
    await this.updateReplicaSet(rs, copy);
    if (sizeChanged) {
      const op = operation ? `${operation} ` : '';
      this.deps.event(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${op}replica set ${rs.metadata!.name} from ${from} to ${size}`);
    }
    return sizeChanged;
  }

  /** Scales to `size` if it differs; true if it did. */
  scaleReplicaSetAndRecordEvent(rs: ReplicaSet, size: number): Promise<boolean> {
    if (specReplicas(rs) === size) return Promise.resolve(false);
    return this.scaleReplicaSet(rs, size, specReplicas(rs) < size ? 'up' : 'down');
  }

  /**
   * Splits the ReplicaSets into the new one (the Deployment's template) and the old ones,
   * bringing the new one's revision to the top and mirroring it on the Deployment. With
   * `create`, makes the new ReplicaSet if there is none.
   */
  async replicaSetsAndSyncRevision(create: boolean): Promise<ReplicaSets> {
    const existing = findNewReplicaSet(this.d, this.rsList);
    const oldRSs = this.rsList.filter((rs) => rs !== existing);
    const newRS = await this.newReplicaSet(existing, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async newReplicaSet(existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const revision = maxRevision(oldRSs) + 1;
    if (existing) {
      const copy = structuredClone(existing);
      let changed = setNewReplicaSetAnnotations(d, copy, revision, true, maxSurge(d));
      const minReady = d.spec?.minReadySeconds ?? 0;
      if ((copy.spec?.minReadySeconds ?? 0) !== minReady) {
        copy.spec!.minReadySeconds = minReady;
        changed = true;
      }
      if (changed) await this.updateReplicaSet(existing, copy);
      const metaChanged = setDeploymentRevision(d, existing.metadata?.annotations?.[REVISION]);
      let status: DeploymentStatus | undefined;
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        // Progress was not tracked before (a deadline was just set): start from now.
        status = structuredClone(d.status ?? {});
        setCondition(status, newCondition('Progressing', 'True', REASON.foundNewRS, `Found new replica set "${existing.metadata!.name}"`, this.deps.now()));
      }
      await this.writeDeployment(metaChanged, status);
      return existing;
    }
    if (!create) return undefined;

    const hash = templateHash(d.spec!.template, d.status?.collisionCount);
    const template = structuredClone(d.spec!.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata!.name}-${hash}`,
        namespace: this.ns,
        labels: { ...template.metadata.labels },
        annotations: {},
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec!.replicas = replicas;
    setNewReplicaSetAnnotations(d, rs, revision, false, maxSurge(d));

    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.deps.replicaSets.create(this.ns, rs);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.code === 409 && err.reason === 'AlreadyExists') {
        // Ours, not yet in the cache? Otherwise a different template hashed to this name.
        const found = await this.deps.replicaSets.get(this.ns, rs.metadata!.name!);
        if (!isControlledBy(found, d.metadata?.uid) || !equalIgnoreHash(found.spec?.template, d.spec?.template)) {
          const status = structuredClone(d.status ?? {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.writeDeployment(false, status);
          throw err;
        }
        created = found;
        alreadyExisted = true;
      } else {
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setCondition(status, newCondition('Progressing', 'False', REASON.failedRSCreate, `Failed to create new replica set "${rs.metadata!.name}": ${err.message}`, this.deps.now()));
          await this.writeDeployment(false, status);
        }
        throw err;
      }
    }
    this.deps.writtenReplicaSets.written(created);
    this.rsList.push(created);
    if (!alreadyExisted && replicas > 0) {
      this.deps.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata!.name} from 0 to ${replicas}`);
    }
    const metaChanged = setDeploymentRevision(d, String(revision));
    let status: DeploymentStatus | undefined;
    if (!alreadyExisted && hasProgressDeadline(d)) {
      status = structuredClone(d.status ?? {});
      setCondition(status, newCondition('Progressing', 'True', REASON.newRSCreated, `Created new replica set "${created.metadata!.name}"`, this.deps.now()));
    }
    await this.writeDeployment(metaChanged, status);
    return created;
  }

  // ---- the Deployment --------------------------------------------------------------------

  /**
   * Writes the Deployment's metadata (the revision annotation: a status write may not
   * change annotations) and/or a new status, keeping the working copy current.
   */
  async writeDeployment(metadataChanged: boolean, status?: DeploymentStatus): Promise<void> {
    const d = this.d;
    if (metadataChanged) {
      const updated = await this.deps.deployments.update(d);
      this.deps.writtenDeployments.written(updated);
      d.metadata = updated.metadata;
      // The main resource ignores status: keep ours (the server's is the same or older).
    }
    if (status) {
      const updated = await this.deps.deployments.updateStatus({ ...d, status });
      this.deps.writtenDeployments.written(updated);
      d.metadata = updated.metadata;
      d.status = updated.status;
    }
  }

  /** Status from the ReplicaSets, without judging progress (scaling, pausing, deletion). */
  async syncDeploymentStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(this.d, allRSs, newRS, this.deps.now());
    if (!statusEqual(this.d.status, status)) await this.writeDeployment(false, status);
  }

  /** Status from the ReplicaSets, with the Progressing condition a rollout maintains. */
  async syncRolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const d = this.d;
    const now = this.deps.now();
    const next = calculateStatus(d, allRSs, newRS, now);
    if (!hasProgressDeadline(d)) removeCondition(next, 'Progressing');
    const cur = getCondition(d.status, 'Progressing');
    const complete = next.replicas === next.updatedReplicas && cur?.reason === REASON.newRSAvailable;
    if (hasProgressDeadline(d) && !complete) {
      const rsName = newRS ? `ReplicaSet "${newRS.metadata!.name}"` : `Deployment "${d.metadata!.name}"`;
      if (deploymentComplete(d, next)) {
        setCondition(next, newCondition('Progressing', 'True', REASON.newRSAvailable, `${rsName} has successfully progressed.`, now));
      } else if (deploymentProgressing(d, next)) {
        // Progress refreshes lastUpdateTime (the deadline counts from it); setCondition
        // alone would keep the old condition since status and reason are unchanged.
        const cond = newCondition('Progressing', 'True', REASON.rsUpdated, `${rsName} is progressing.`, now);
        if (cur) {
          if (cur.status === 'True') cond.lastTransitionTime = cur.lastTransitionTime;
          removeCondition(next, 'Progressing');
        }
        setCondition(next, cond);
      } else if (deploymentTimedOut(d, next, now)) {
        setCondition(next, newCondition('Progressing', 'False', REASON.timedOut, `${rsName} has timed out progressing.`, now));
      }
    }
    const failure = replicaFailure(allRSs, newRS);
    if (failure) setCondition(next, { ...failure, lastUpdateTime: failure.lastTransitionTime });
    else removeCondition(next, 'ReplicaFailure');

    if (statusEqual(d.status, next)) {
      this.requeueStuck(next);
      return;
    }
    await this.writeDeployment(false, next);
  }

  /** A rollout without progress gets no events: come back when its deadline passes. */
  private requeueStuck(next: DeploymentStatus): void {
    const d = this.d;
    const cur = getCondition(d.status, 'Progressing');
    if (!hasProgressDeadline(d) || !cur) return;
    if (deploymentComplete(d, next) || cur.reason === REASON.timedOut) return;
    const after = Date.parse(cur.lastUpdateTime ?? '') + d.spec!.progressDeadlineSeconds! * 1000 - this.deps.now();
    if (Number.isNaN(after)) return;
    // A little after the deadline: condition times are whole seconds, and the check is strict.
    this.deps.requeueAfter(Math.max(0, after) + (after < 1000 ? 100 : 1000));
  }
}

/** The first ReplicaFailure condition among the ReplicaSets, the new one first. */
function replicaFailure(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined) {
  const order = newRS ? [newRS, ...allRSs.filter((rs) => rs !== newRS)] : allRSs;
  for (const rs of order) {
    const c = rs?.status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    if (c) return { type: 'ReplicaFailure', status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime };
  }
  return undefined;
}

/** Makes `target` hold `src`'s fields, so every list holding `target` sees the write. */
function replaceContents<T extends object>(target: T, src: T): void {
  for (const k of Object.keys(target)) delete (target as any)[k];
  Object.assign(target, src);
}
