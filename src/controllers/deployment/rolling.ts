/**
 * The RollingUpdate strategy (Kubernetes' rolloutRolling): grow the new ReplicaSet while
 * all pods stay within replicas + maxSurge; shrink the old ones while available pods stay
 * at least replicas - maxUnavailable. Each sync takes one step; the events of the step's
 * own writes (and of pods becoming ready) bring the next.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { SyncContext } from './sync-context.js';
import { cleanupOldReplicaSets } from './cleanup.js';
import { availableLowerBound, byCreation, filterActive, newRSNewReplicas, specReplicaCount, specReplicas } from './replica-sets.js';
import { maxUnavailable, replicasOf } from './rolling-params.js';
import { deploymentComplete } from './status.js';

export async function rolloutRolling(s: SyncContext): Promise<void> {
  const { newRS, oldRSs } = await s.replicaSetsAndSyncRevision(true);
  const allRSs = [...oldRSs, newRS!];
  if (await reconcileNewReplicaSet(s, allRSs, newRS!)) return s.syncRolloutStatus(allRSs, newRS);
  if (await reconcileOldReplicaSets(s, allRSs, filterActive(oldRSs), newRS!)) return s.syncRolloutStatus(allRSs, newRS);
  if (deploymentComplete(s.d, s.d.status)) await cleanupOldReplicaSets(s, oldRSs);
  return s.syncRolloutStatus(allRSs, newRS);
}

async function reconcileNewReplicaSet(s: SyncContext, allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const want = replicasOf(s.d);
  if (specReplicas(newRS) === want) return false;
  if (specReplicas(newRS) > want) return s.scaleReplicaSetAndRecordEvent(newRS, want);
  return s.scaleReplicaSetAndRecordEvent(newRS, newRSNewReplicas(s.d, allRSs, newRS));
}

async function reconcileOldReplicaSets(s: SyncContext, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const d = s.d;
  if (specReplicaCount(oldRSs) === 0) return false;
  const budget = oldScaleDownBudget(d, allRSs, newRS);
  if (budget <= 0) return false;
  // Unhealthy old pods first: they block nothing if removed, and would otherwise hold the
  // availability budget hostage forever.
  const plan = planUnhealthyCleanup(oldRSs, budget);
  for (const { rs, size } of plan) await s.scaleReplicaSetAndRecordEvent(rs, size);
  const cleaned = plan.reduce((n, p) => n + p.removed, 0);
  const scaled = planScaleDown(d, allRSs, oldRSs);
  for (const { rs, size } of scaled) await s.scaleReplicaSetAndRecordEvent(rs, size);
  return cleaned + scaled.reduce((n, p) => n + p.removed, 0) > 0;
}

/**
 * How many old pods may go at most: all pods minus the minimum available, minus the new
 * ReplicaSet's pods that are not available yet (they may never be).
 */
export function oldScaleDownBudget(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - availableLowerBound([newRS]);
  return specReplicaCount(allRSs) - minAvailable - newUnavailable;
}

export interface ScaleStep {
  rs: ReplicaSet;
  size: number;
  removed: number;
}

/** Removes old ReplicaSets' unavailable replicas, oldest ReplicaSet first, up to `budget`. */
export function planUnhealthyCleanup(oldRSs: ReplicaSet[], budget: number): ScaleStep[] {
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= budget) break;
    const unhealthy = specReplicas(rs) - availableLowerBound([rs]);
    if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
    const removed = Math.min(budget - total, unhealthy);
    steps.push({ rs, size: specReplicas(rs) - removed, removed });
    total += removed;
  }
  return steps;
}

/**
 * Removes available old replicas, oldest ReplicaSet first, while the available pods of
 * all ReplicaSets stay at least replicas - maxUnavailable. Call after
 * planUnhealthyCleanup's steps are applied.
 */
export function planScaleDown(d: Deployment, allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): ScaleStep[] {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const available = availableLowerBound(allRSs);
  if (available <= minAvailable) return [];
  const budget = available - minAvailable;
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= budget) break;
    if (specReplicas(rs) === 0) continue;
    const removed = Math.min(specReplicas(rs), budget - total);
    steps.push({ rs, size: specReplicas(rs) - removed, removed });
    total += removed;
  }
  return steps;
}
