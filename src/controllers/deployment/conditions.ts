/** Deployment conditions (Kubernetes' deployment util): reasons and how a condition is set. */
import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1.js';

export const REASON = {
  /** Progressing: a new ReplicaSet was created. */
  newRSCreated: 'NewReplicaSetCreated',
  /** Progressing: an existing ReplicaSet matches the template. */
  foundNewRS: 'FoundNewReplicaSet',
  /** Progressing: the rollout made progress. */
  rsUpdated: 'ReplicaSetUpdated',
  /** Progressing: the new ReplicaSet is fully available: the rollout is complete. */
  newRSAvailable: 'NewReplicaSetAvailable',
  /** Progressing=False: no progress within progressDeadlineSeconds. */
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  failedRSCreate: 'ReplicaSetCreateError',
  minimumAvailable: 'MinimumReplicasAvailable',
  minimumUnavailable: 'MinimumReplicasUnavailable',
} as const;

export const nowRfc3339 = (now = Date.now()) => new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, now = Date.now()): DeploymentCondition {
  const t = nowRfc3339(now);
  return { type, status, reason, message, lastUpdateTime: t, lastTransitionTime: t };
}

/**
 * Sets a condition on a status copy. Same status and reason: nothing changes (not even
 * lastUpdateTime). Same status, new reason: the transition time is kept.
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  if (cur && cur.status === cond.status) cond = { ...cond, lastTransitionTime: cur.lastTransitionTime };
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), cond];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (!status.conditions.length) delete status.conditions;
}
