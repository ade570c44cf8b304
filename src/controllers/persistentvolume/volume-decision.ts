/**
 * What the PV controller should do about one volume (pv_controller.go's syncVolume and
 * reclaimVolume, without the writes): which phase it belongs in given its claim, and what
 * its reclaim policy asks for once the claim is gone.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { ANN_BOUND_BY_CONTROLLER, ANN_PROVISIONED_BY } from '../../machinery/persistent-volumes.js';

export type VolumePhase = 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';

export type VolumeDecision =
  | { kind: 'none' }
  /** Write this phase (clearing any reason and message). */
  | { kind: 'phase'; phase: VolumePhase }
  /** Failed, with the reason and message Kubernetes gives; also an event on the volume. */
  | { kind: 'fail'; reason: string; message: string }
  /** The claim side decides: enqueue the claim. */
  | { kind: 'syncClaim' }
  /** The controller bound this volume to a claim that took another: free it again. */
  | { kind: 'unbind' };

/** `claim` is the claim the volume's claimRef names, undefined if it no longer exists (or has another uid). */
export function decideVolume(pv: PersistentVolume, claim: PersistentVolumeClaim | undefined): VolumeDecision {
  const ref = pv.spec?.claimRef;
  const phase = pv.status?.phase;
  const toPhase = (p: VolumePhase): VolumeDecision => (phase === p ? { kind: 'none' } : { kind: 'phase', phase: p });
  if (!ref) return toPhase('Available');
  // Reserved for a claim by name (by an administrator): free until that claim binds it.
  if (!ref.uid) return claim ? { kind: 'syncClaim' } : toPhase('Available');
  if (!claim) return reclaim(pv);
  const volumeName = claim.spec?.volumeName ?? '';
  if (!volumeName) {
    // Pre-bound by the scheduler or made by the provisioner for this claim: the claim's
    // sync completes the bind. Until then the volume is not free for anyone else.
    return { kind: 'syncClaim' };
  }
  if (volumeName === pv.metadata?.name) return toPhase('Bound');
  // The claim is bound to another volume. If we reserved this one, undo that; an
  // administrator's reservation is theirs to change.
  if (pv.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER] !== undefined) return { kind: 'unbind' };
  return toPhase('Available');
}

/** The claim is gone: Released, then what the reclaim policy says. */
export function reclaim(pv: PersistentVolume): VolumeDecision {
  const phase = pv.status?.phase;
  if (phase === 'Failed') return { kind: 'none' };
  const name = pv.metadata?.name ?? '';
  switch (pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain') {
    case 'Retain':
      return phase === 'Released' ? { kind: 'none' } : { kind: 'phase', phase: 'Released' };
    case 'Recycle':
      // Recycling (rm -rf of the volume by a helper pod) was deprecated in Kubernetes and orch does not implement it.
      return { kind: 'fail', reason: 'VolumeFailedRecycle', message: `Recycle reclaim policy is not supported by orch; volume "${name}" must be cleaned up and deleted by hand` };
    case 'Delete':
      // orch's node provisioner (or whichever made the volume) removes the data and then
      // the PV object itself; a volume nobody provisioned has nobody to delete it.
      if (pv.metadata?.annotations?.[ANN_PROVISIONED_BY]) return phase === 'Released' ? { kind: 'none' } : { kind: 'phase', phase: 'Released' };
      return { kind: 'fail', reason: 'VolumeFailedDelete', message: `error getting deleter volume plugin for volume "${name}": no deletable volume plugin matched` };
    default:
      return { kind: 'none' };
  }
}
