/**
 * Scaling without rolling (Kubernetes' dc.scale): when spec.replicas changes, or while
 * paused. One active ReplicaSet takes the whole count; a saturated new one means the old
 * ones go to 0; otherwise, mid-rollout, every active ReplicaSet grows or shrinks in
 * proportion to its size so that the rollout's shape is kept.
 */
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { SyncContext } from './sync-context.js';
import { bySizeNewer, bySizeOlder, filterActive, findActiveOrLatest, isSaturated, proportion, specReplicaCount, specReplicas } from './replica-sets.js';
import { isRollingUpdate, maxSurge, replicasOf } from './rolling-params.js';

export async function scale(s: SyncContext, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const d = s.d;
  const want = replicasOf(d);
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) {
    if (specReplicas(only) !== want) await s.scaleReplicaSetAndRecordEvent(only, want);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) await s.scaleReplicaSetAndRecordEvent(old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const sizes = proportionalSizes(want, maxSurge(d), filterActive([...oldRSs, newRS]), (rs, toAdd, added) => proportion(rs, d, toAdd, added));
  for (const { rs, size, operation } of sizes) await s.scaleReplicaSet(rs, size, operation);
}

export interface PlannedSize {
  rs: ReplicaSet;
  size: number;
  operation: 'up' | 'down' | '';
}

/**
 * The new size of each active ReplicaSet when the Deployment's allowed total
 * (replicas + surge) differs from what they add up to. Each gets its proportion; the
 * rounding leftover goes to the first in order (the largest: the newest when adding, the
 * oldest when removing).
 */
export function proportionalSizes(
  replicas: number,
  surge: number,
  active: ReplicaSet[],
  share: (rs: ReplicaSet, toAdd: number, added: number) => number,
): PlannedSize[] {
  const allowed = replicas > 0 ? replicas + surge : 0;
  const toAdd = allowed - specReplicaCount(active);
  const operation = toAdd > 0 ? 'up' : toAdd < 0 ? 'down' : '';
  const ordered = [...active].sort(toAdd > 0 ? bySizeNewer : bySizeOlder);
  let added = 0;
  const sizes = ordered.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    const p = share(rs, toAdd, added);
    added += p;
    return specReplicas(rs) + p;
  });
  if (toAdd !== 0 && ordered.length) sizes[0] = Math.max(0, sizes[0] + (toAdd - added));
  return ordered.map((rs, i) => ({ rs, size: sizes[i], operation }));
}
