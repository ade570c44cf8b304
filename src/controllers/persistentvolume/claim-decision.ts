/**
 * What the PV controller should do about one claim, decided from current state alone
 * (pv_controller.go's syncUnboundClaim and syncBoundClaim, without the writes). Event
 * reasons and messages are Kubernetes' own, because users search for them.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import {
  ANN_BIND_COMPLETED,
  ANN_SELECTED_NODE,
  LOCAL_PATH_PROVISIONER,
  accessModesSatisfied,
  findMatchingVolume,
  isVolumeBoundToClaim,
  isWaitForFirstConsumer,
  requestedStorage,
  storageClassOf,
  volumeStorage,
} from '../../machinery/persistent-volumes.js';
import { compareQuantities } from '../../machinery/quantity.js';

export interface ClaimEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type ClaimDecision =
  /** Bind (or finish binding) the claim and this volume; idempotent. */
  | { kind: 'bind'; volume: PersistentVolume }
  /** Stay Pending, saying why when there is something to say. */
  | { kind: 'pending'; event?: ClaimEvent }
  /** Ask orch's provisioner for a volume; `pickNode` when the controller must choose where (Immediate). */
  | { kind: 'provision'; pickNode: boolean }
  /** The claim was bound and its volume is gone or belongs to another claim. */
  | { kind: 'lost'; event: ClaimEvent }
  /** Bound to a volume the cache does not hold: confirm with the API before calling it lost. */
  | { kind: 'volumeMissing'; volumeName: string };

export interface ClaimContext {
  volumes: readonly PersistentVolume[];
  volume(name: string): PersistentVolume | undefined;
  /** The claim's class, undefined when it names one that does not exist. */
  storageClass: StorageClass | undefined;
}

export const NO_CLASS_MESSAGE = 'no persistent volumes available for this claim and no storage class is set';
export const WAIT_FOR_FIRST_CONSUMER_MESSAGE = 'waiting for first consumer to be created before binding';

export const externalProvisioningMessage = (provisioner: string): string =>
  `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`;

const warning = (reason: string, message: string): ClaimEvent => ({ type: 'Warning', reason, message });

/** Why a volume named by the claim cannot serve it (checkVolumeSatisfyClaim), or undefined if it can. */
export function volumeMismatch(pv: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  const requested = requestedStorage(claim);
  const size = volumeStorage(pv);
  if (!requested || !size || compareQuantities(size, requested) < 0) return 'requested PV is too small';
  if (storageClassOf(pv) !== storageClassOf(claim)) return 'storageClassName does not match';
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return 'incompatible volumeMode';
  if (!accessModesSatisfied(claim.spec?.accessModes, pv.spec?.accessModes)) return 'incompatible accessMode';
  return undefined;
}

export function decideClaim(claim: PersistentVolumeClaim, ctx: ClaimContext): ClaimDecision {
  const volumeName = claim.spec?.volumeName ?? '';
  // Bound is what the annotation says: a bound claim that lost its volume name is Lost, not new.
  if (claim.metadata?.annotations?.[ANN_BIND_COMPLETED] !== undefined) return decideBound(claim, volumeName, ctx);
  if (volumeName) return decidePreBound(claim, volumeName, ctx);

  const className = storageClassOf(claim);
  const sc = ctx.storageClass;
  const delayBinding = isWaitForFirstConsumer(sc);
  const match = findMatchingVolume(claim, ctx.volumes, { delayBinding });
  if (match) return { kind: 'bind', volume: match };
  if (className === '') return { kind: 'pending', event: warning('FailedBinding', NO_CLASS_MESSAGE) };
  if (!sc) return { kind: 'pending', event: warning('ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`) };
  const selectedNode = claim.metadata?.annotations?.[ANN_SELECTED_NODE];
  if (delayBinding && !selectedNode) return { kind: 'pending', event: { type: 'Normal', reason: 'WaitForFirstConsumer', message: WAIT_FOR_FIRST_CONSUMER_MESSAGE } };
  if (sc.provisioner !== LOCAL_PATH_PROVISIONER) {
    return {
      kind: 'pending',
      event: warning(
        'ProvisioningFailed',
        `storage class "${className}" uses provisioner "${sc.provisioner}", which orch does not have (orch provisions with "${LOCAL_PATH_PROVISIONER}"); create a matching PersistentVolume or use another class`,
      ),
    };
  }
  return { kind: 'provision', pickNode: !delayBinding };
}

/** The user named a volume (or a bind is half done): take it if it is free and fits. */
function decidePreBound(claim: PersistentVolumeClaim, volumeName: string, ctx: ClaimContext): ClaimDecision {
  const pv = ctx.volume(volumeName);
  // Kubernetes waits quietly: the volume may be created after the claim.
  if (!pv) return { kind: 'pending' };
  if (isVolumeBoundToClaim(pv, claim)) return { kind: 'bind', volume: pv };
  if (pv.spec?.claimRef) return { kind: 'pending', event: warning('FailedBinding', `volume "${volumeName}" already bound to a different claim.`) };
  const why = volumeMismatch(pv, claim);
  if (why) return { kind: 'pending', event: warning('VolumeMismatch', `Cannot bind to requested volume "${volumeName}": ${why}`) };
  return { kind: 'bind', volume: pv };
}

function decideBound(claim: PersistentVolumeClaim, volumeName: string, ctx: ClaimContext): ClaimDecision {
  if (!volumeName) return { kind: 'lost', event: warning('ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!') };
  const pv = ctx.volume(volumeName);
  if (!pv) return { kind: 'volumeMissing', volumeName };
  // No claimRef: the volume side of the bind was undone (or never written); redo it.
  if (!pv.spec?.claimRef || isVolumeBoundToClaim(pv, claim)) return { kind: 'bind', volume: pv };
  return { kind: 'lost', event: warning('ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly') };
}

export const LOST_VOLUME_EVENT: ClaimEvent = warning('ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
