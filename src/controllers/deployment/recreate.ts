/**
 * The Recreate strategy (Kubernetes' rolloutRecreate): scale every old ReplicaSet to 0,
 * wait until none of their pods exist, then create (or scale up) the new one. Old and new
 * pods never run together.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { SyncContext } from './sync-context.js';
import { cleanupOldReplicaSets } from './cleanup.js';
import { actualReplicaCount, filterActive } from './replica-sets.js';
import { replicasOf } from './rolling-params.js';
import { deploymentComplete } from './status.js';

/** `podsOf` returns the cached pods a ReplicaSet (by uid) controls. */
export async function rolloutRecreate(s: SyncContext, podsOf: (rsUid: string) => Pod[]): Promise<void> {
  let { newRS, oldRSs } = await s.replicaSetsAndSyncRevision(false);
  let allRSs: (ReplicaSet | undefined)[] = [...oldRSs, newRS];

  let scaledDown = false;
  for (const rs of filterActive(oldRSs)) if (await s.scaleReplicaSetAndRecordEvent(rs, 0)) scaledDown = true;
  if (scaledDown) return s.syncRolloutStatus(allRSs, newRS);

  if (oldPodsRunning(oldRSs, podsOf)) return s.syncRolloutStatus(allRSs, newRS);

  if (!newRS) {
    ({ newRS, oldRSs } = await s.replicaSetsAndSyncRevision(true));
    allRSs = [...oldRSs, newRS];
  }
  await s.scaleReplicaSetAndRecordEvent(newRS!, replicasOf(s.d));
  if (deploymentComplete(s.d, s.d.status)) await cleanupOldReplicaSets(s, oldRSs);
  return s.syncRolloutStatus(allRSs, newRS);
}

/**
 * Old pods may still run: an old ReplicaSet reports pods, has not yet reported on its
 * latest spec, or the pod cache holds one of its pods that has not finished.
 */
export function oldPodsRunning(oldRSs: readonly ReplicaSet[], podsOf: (rsUid: string) => Pod[]): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const rs of oldRSs) {
    if ((rs.status?.observedGeneration ?? 0) < (rs.metadata?.generation ?? 0)) return true;
    for (const p of podsOf(rs.metadata!.uid!)) {
      const phase = p.status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed') return true;
    }
  }
  return false;
}
