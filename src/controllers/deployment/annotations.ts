/**
 * The annotations a Deployment and its ReplicaSets carry (Kubernetes' deployment util):
 * the revision that `kubectl rollout history/undo` reads, the replica counts proportional
 * scaling reads, and the annotations copied from the Deployment (change-cause).
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const CHANGE_CAUSE = 'kubernetes.io/change-cause';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const ROLLBACK_TO = 'deprecated.deployment.rollback.to';

/** Never copied from a Deployment to its ReplicaSets: they describe one object only. */
const NOT_COPIED = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO]);

/** Longest revision-history annotation kept. */
const MAX_HISTORY_CHARS = 2000;

/** The revision of a ReplicaSet (0 when absent or unreadable). */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } } | undefined): number {
  const v = obj?.metadata?.annotations?.[REVISION];
  if (!v || !/^\d+$/.test(v)) return 0;
  return Number(v);
}

export function maxRevision(rss: readonly ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) max = Math.max(max, revisionOf(rs));
  return max;
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

export const desiredReplicasOf = (rs: ReplicaSet) => intAnnotation(rs, DESIRED_REPLICAS);
export const maxReplicasOf = (rs: ReplicaSet) => intAnnotation(rs, MAX_REPLICAS);

/** Copies the Deployment's own annotations onto a ReplicaSet; true if anything changed. */
function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const ann = (rs.metadata!.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (NOT_COPIED.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * Annotates the Deployment's new ReplicaSet (mutating `rs`, a copy): copied annotations, a
 * revision raised to `revision` (a rollback's old ReplicaSet moves to the top), and for a
 * ReplicaSet about to be created the replica counts. True if anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, revision: number, exists: boolean, maxSurge: number): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const ann = rs.metadata!.annotations!;
  const old = ann[REVISION];
  const oldNum = revisionOf(rs);
  if (old === undefined || oldNum < revision) {
    ann[REVISION] = String(revision);
    changed = true;
    if (old) {
      // Remember the revisions this ReplicaSet has had (a rolled-back template's history).
      const history = ann[REVISION_HISTORY] ? ann[REVISION_HISTORY].split(',') : [];
      history.push(old);
      while (history.join(',').length > MAX_HISTORY_CHARS && history.length > 1) history.shift();
      ann[REVISION_HISTORY] = history.join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, d.spec?.replicas ?? 1, (d.spec?.replicas ?? 1) + maxSurge)) changed = true;
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = rs.metadata?.annotations ?? {};
  return ann[DESIRED_REPLICAS] !== String(desired) || ann[MAX_REPLICAS] !== String(max);
}

/** Records the Deployment's replicas and replicas+surge on a ReplicaSet copy; true if changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  if (!replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
  const ann = (rs.metadata!.annotations ??= {});
  ann[DESIRED_REPLICAS] = String(desired);
  ann[MAX_REPLICAS] = String(max);
  return true;
}

/** Mirrors a revision on a Deployment copy; true if it changed. */
export function setDeploymentRevision(d: Deployment, revision: string | undefined): boolean {
  if (!revision) return false;
  const ann = (d.metadata!.annotations ??= {});
  if (ann[REVISION] === revision) return false;
  ann[REVISION] = revision;
  return true;
}
