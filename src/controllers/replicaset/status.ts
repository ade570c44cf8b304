/** A ReplicaSet's status, computed from the pods it owns (Kubernetes' calculateStatus). */
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodAvailable, isPodReady } from '../shared/pod-status.js';

const nowRfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * `pods` are the active pods the ReplicaSet controls. `manageError` is the creation or
 * deletion failure of this sync, surfaced as the ReplicaFailure condition.
 */
export function calculateStatus(rs: ReplicaSet, pods: readonly Pod[], now: number, manageError?: { create: boolean; message: string }): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    const labels = p.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, now)) available++;
    }
  }
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation ?? 0,
  };
  let conditions = (rs.status?.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
  const failure = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  if (manageError) {
    const reason = manageError.create ? 'FailedCreate' : 'FailedDelete';
    const cond: ReplicaSetCondition =
      failure?.status === 'True' && failure.reason === reason && failure.message === manageError.message
        ? failure
        : { type: 'ReplicaFailure', status: 'True', reason, message: manageError.message, lastTransitionTime: nowRfc3339() };
    conditions = [...conditions, cond];
  } else if (failure && failure.status !== 'True') {
    conditions = [...conditions, failure];
  }
  if (conditions.length) status.conditions = conditions;
  return status;
}

const FIELDS = ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'] as const;

export function statusEqual(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  for (const f of FIELDS) if ((a?.[f] ?? 0) !== (b[f] ?? 0)) return false;
  return JSON.stringify(a?.conditions ?? []) === JSON.stringify(b.conditions ?? []);
}
