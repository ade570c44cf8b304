/**
 * What the node-local provisioner does with a claim or a PV, decided from the objects alone
 * (no I/O), so every rule is unit-tested: which claims this node provisions, the PV it
 * creates for one, which PVs it reclaims.
 */
import path from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { storageClassOf } from '../../machinery/persistent-volumes.js';
import { parseQuantity, value } from '../../machinery/quantity.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  HOSTNAME_LABEL,
  imagePathFor,
  isOwnedVolumeDir,
  PARAM_ENFORCE_SIZE,
  PROVISIONER,
  pvNameFor,
  volumeDirName,
} from './names.js';

/** A filesystem image smaller than this cannot hold ext4's own structures. */
export const MIN_IMAGE_BYTES = 1024 * 1024;

/** Access modes a node-local directory can honour: all its users are on this node. */
const ACCESS_MODES = new Set(['ReadWriteOnce', 'ReadWriteOncePod', 'ReadOnlyMany']);

export interface ProvisionPlan {
  pvName: string;
  /** The volume's directory (the mount point of its image when size is enforced). */
  dir: string;
  /** Present when the class enforces the size: the image file and its exact size. */
  image?: { path: string; sizeBytes: number };
  pv: PersistentVolume;
}

export type ClaimDecision =
  /** Not this node's business (another provisioner or node, already bound, going away). */
  | { kind: 'ignore' }
  /** This node's claim, but it cannot be provisioned as asked: a ProvisioningFailed event. */
  | { kind: 'fail'; message: string }
  | { kind: 'provision'; plan: ProvisionPlan };

const annotations = (o: { metadata?: { annotations?: Record<string, string> } }) => o.metadata?.annotations ?? {};

/** True when the claim waits for this provisioner on this node. */
export function isClaimForNode(claim: PersistentVolumeClaim, nodeName: string): boolean {
  const a = annotations(claim);
  const provisioner = a[ANN_STORAGE_PROVISIONER] ?? a[ANN_BETA_STORAGE_PROVISIONER];
  if (provisioner !== PROVISIONER || a[ANN_SELECTED_NODE] !== nodeName) return false;
  if (claim.metadata?.deletionTimestamp) return false;
  // Bound, or being bound to a volume somebody chose: nothing to make.
  if (claim.spec?.volumeName) return false;
  return (claim.status?.phase ?? 'Pending') === 'Pending';
}

/**
 * A deleted claim whose data this node may have made but whose PV never came (deleted
 * between the two): the directory to remove, once the caller has checked no PV exists.
 * Only claims that were never bound: a bound claim's data goes through its PV's reclaim policy.
 */
export function orphanDirOf(claim: PersistentVolumeClaim, nodeName: string, storageDir: string): string | undefined {
  const a = annotations(claim);
  if ((a[ANN_STORAGE_PROVISIONER] ?? a[ANN_BETA_STORAGE_PROVISIONER]) !== PROVISIONER || a[ANN_SELECTED_NODE] !== nodeName) return undefined;
  if (claim.spec?.volumeName || !claim.metadata?.uid) return undefined;
  const dir = path.join(storageDir, volumeDirName(claim));
  return isOwnedVolumeDir(storageDir, dir) ? dir : undefined;
}

/**
 * Decides what to do with a claim. `cls` is its StorageClass (undefined: not found), looked
 * up by the caller only for claims this node provisions.
 */
export function decideClaim(claim: PersistentVolumeClaim, cls: StorageClass | undefined, nodeName: string, storageDir: string): ClaimDecision {
  if (!isClaimForNode(claim, nodeName)) return { kind: 'ignore' };
  const className = storageClassOf(claim);
  if (!cls) return { kind: 'fail', message: `storageclass.storage.k8s.io "${className}" not found` };
  if (cls.provisioner !== PROVISIONER) return { kind: 'fail', message: `storageclass "${className}" is provisioned by ${cls.provisioner}, not ${PROVISIONER}` };
  if (claim.spec?.selector) return { kind: 'fail', message: 'claim Selector is not supported' };
  if (claim.spec?.dataSource || claim.spec?.dataSourceRef) return { kind: 'fail', message: `${PROVISIONER} cannot populate a volume from a data source` };
  if ((claim.spec?.volumeMode ?? 'Filesystem') !== 'Filesystem') return { kind: 'fail', message: `${PROVISIONER} only provides volumeMode Filesystem, not ${claim.spec?.volumeMode}` };
  const modes = claim.spec?.accessModes ?? [];
  if (modes.length === 0) return { kind: 'fail', message: 'claim has no accessModes' };
  const bad = modes.filter((m) => !ACCESS_MODES.has(m));
  if (bad.length) return { kind: 'fail', message: `${PROVISIONER} volumes are local to one node and cannot be ${bad.join(', ')}` };
  const requested = claim.spec?.resources?.requests?.storage;
  if (!requested) return { kind: 'fail', message: 'claim requests no storage size (spec.resources.requests.storage)' };
  let bytes: number;
  try {
    bytes = value(parseQuantity(requested));
  } catch (err) {
    return { kind: 'fail', message: `invalid storage request ${JSON.stringify(requested)}: ${(err as Error).message}` };
  }
  const dir = path.join(storageDir, volumeDirName(claim));
  let image: ProvisionPlan['image'];
  if (cls.parameters?.[PARAM_ENFORCE_SIZE] === 'true') {
    if (bytes < MIN_IMAGE_BYTES) return { kind: 'fail', message: `a size-enforced volume needs at least 1Mi, the claim asks for ${requested}` };
    image = { path: imagePathFor(dir), sizeBytes: bytes };
  } else if (cls.parameters?.[PARAM_ENFORCE_SIZE] !== undefined && cls.parameters[PARAM_ENFORCE_SIZE] !== 'false') {
    return { kind: 'fail', message: `storageclass "${className}" has parameter ${PARAM_ENFORCE_SIZE}=${JSON.stringify(cls.parameters[PARAM_ENFORCE_SIZE])}; want "true" or "false"` };
  }
  const pvName = pvNameFor(claim);
  return { kind: 'provision', plan: { pvName, dir, image, pv: buildPersistentVolume(claim, cls, nodeName, dir, requested) } };
}

/** The PV for a provisioned claim: pre-bound to it, pinned to this node. */
export function buildPersistentVolume(claim: PersistentVolumeClaim, cls: StorageClass, nodeName: string, dir: string, capacity: string): PersistentVolume {
  const m = claim.metadata!;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: pvNameFor(claim), annotations: { [ANN_PROVISIONED_BY]: PROVISIONER } },
    spec: {
      capacity: { storage: capacity },
      accessModes: [...(claim.spec?.accessModes ?? [])],
      storageClassName: storageClassOf(claim) || cls.metadata?.name,
      persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
      volumeMode: 'Filesystem',
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: m.namespace, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion },
      local: { path: dir },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [nodeName] }] }] } },
    },
  };
}

/** The node a PV is pinned to by a `kubernetes.io/hostname In [node]` requirement. */
export function pvNode(pv: PersistentVolume): string | undefined {
  for (const term of pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const e of term.matchExpressions ?? []) {
      if (e.key === HOSTNAME_LABEL && e.operator === 'In' && e.values?.length === 1) return e.values[0];
    }
  }
  return undefined;
}

/** True for a volume this provisioner made on this node (whatever its phase). */
export function isOwnPv(pv: PersistentVolume, nodeName: string): boolean {
  return annotations(pv)[ANN_PROVISIONED_BY] === PROVISIONER && pvNode(pv) === nodeName && !!pv.spec?.local?.path;
}

export type PvDecision = { kind: 'ignore' } | { kind: 'fail'; message: string } | { kind: 'delete'; dir: string };

/** Released volumes with reclaim Delete lose their data and their PV; Retain keeps both. */
export function decidePv(pv: PersistentVolume, nodeName: string, storageDir: string): PvDecision {
  if (!isOwnPv(pv, nodeName)) return { kind: 'ignore' };
  if (pv.spec?.persistentVolumeReclaimPolicy !== 'Delete' || pv.status?.phase !== 'Released') return { kind: 'ignore' };
  const dir = pv.spec!.local!.path;
  // A PV object is user-editable: never remove a path the provisioner could not have made.
  if (!isOwnedVolumeDir(storageDir, dir)) return { kind: 'fail', message: `refusing to delete ${dir}: not a volume directory under ${storageDir}` };
  return { kind: 'delete', dir };
}
