/**
 * Old ReplicaSets beyond spec.revisionHistoryLimit are deleted, lowest revision first, but
 * only those that are fully scaled down and whose controller has seen that (no pods).
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { ApiError } from '../../machinery/errors.js';
import { revisionOf } from './annotations.js';
import { byCreation, specReplicas } from './replica-sets.js';
import type { SyncContext } from './sync-context.js';

export function replicaSetsToCleanUp(d: Deployment, oldRSs: readonly ReplicaSet[]): ReplicaSet[] {
  const limit = d.spec?.revisionHistoryLimit;
  if (limit === undefined || limit === null) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
  const excess = alive.length - limit;
  if (excess <= 0) return [];
  const byRevision = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  return byRevision
    .slice(0, excess)
    .filter(
      (rs) =>
        (rs.status?.replicas ?? 0) === 0 &&
        specReplicas(rs) === 0 &&
        (rs.metadata?.generation ?? 0) <= (rs.status?.observedGeneration ?? 0),
    );
}

export async function cleanupOldReplicaSets(s: SyncContext, oldRSs: readonly ReplicaSet[]): Promise<void> {
  for (const rs of replicaSetsToCleanUp(s.d, oldRSs)) {
    try {
      await s.deps.replicaSets.delete(rs.metadata!.namespace, rs.metadata!.name!, {
        propagationPolicy: 'Background',
        preconditions: { uid: rs.metadata!.uid },
      });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
}
