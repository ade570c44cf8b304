/** PersistentVolume, PersistentVolumeClaim and StorageClass defaults. */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { isObj, setIfUnset } from './util.js';

/** kubernetes-types marks status read-only (clients don't write it); the server does. */
function setStatusPhase(obj: { status?: { phase?: string } }, phase: string): void {
  const o = obj as { status?: { phase?: string } | null };
  if (!isObj(o.status)) o.status = {};
  setIfUnset(o.status as { phase?: string }, 'phase', phase);
}

/**
 * Retain is the default for volumes an administrator made by hand; provisioners set
 * their class's policy explicitly on the volumes they make.
 */
export function defaultPersistentVolume(pv: PersistentVolume): void {
  if (isObj(pv.spec)) {
    setIfUnset(pv.spec, 'persistentVolumeReclaimPolicy', 'Retain');
    setIfUnset(pv.spec, 'volumeMode', 'Filesystem');
    if (isObj(pv.spec.hostPath)) setIfUnset(pv.spec.hostPath, 'type', '');
  }
  setStatusPhase(pv, 'Pending');
}

export function defaultPersistentVolumeClaim(pvc: PersistentVolumeClaim): void {
  if (isObj(pvc.spec)) setIfUnset(pvc.spec, 'volumeMode', 'Filesystem');
  setStatusPhase(pvc, 'Pending');
}

export function defaultStorageClass(sc: StorageClass): void {
  setIfUnset(sc, 'reclaimPolicy', 'Delete');
  setIfUnset(sc, 'volumeBindingMode', 'Immediate');
}
