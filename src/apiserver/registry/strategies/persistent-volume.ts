/**
 * PersistentVolumes and claims at admission, as Kubernetes' StorageObjectInUseProtection
 * and DefaultStorageClass plugins: every new claim and volume carries its protection
 * finalizer (so neither goes while in use), and a claim that names no class gets the
 * default one.
 */
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { ANN_BETA_STORAGE_CLASS, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, defaultClassName } from '../../../machinery/persistent-volumes.js';
import type { Strategy } from '../strategy.js';

function addFinalizer(obj: any, finalizer: string): void {
  const list: string[] = (obj.metadata.finalizers ??= []);
  if (!list.includes(finalizer)) list.push(finalizer);
}

export function persistentVolumeStrategy(base: Strategy): Strategy {
  return {
    ...base,
    prepareForCreate(pv) {
      base.prepareForCreate(pv);
      addFinalizer(pv, PV_PROTECTION_FINALIZER);
    },
  };
}

/** `storageClasses` reads the current classes (the StorageClass registry's cache). */
export function persistentVolumeClaimStrategy(base: Strategy, storageClasses: () => StorageClass[]): Strategy {
  return {
    ...base,
    prepareForCreate(pvc) {
      base.prepareForCreate(pvc);
      addFinalizer(pvc, PVC_PROTECTION_FINALIZER);
      // Only an absent class is defaulted: "" asks explicitly for a volume of no class.
      const spec = pvc.spec;
      if (spec && typeof spec === 'object' && spec.storageClassName == null && pvc.metadata.annotations?.[ANN_BETA_STORAGE_CLASS] === undefined) {
        const name = defaultClassName(storageClasses());
        if (name !== undefined) spec.storageClassName = name;
      }
    },
  };
}
