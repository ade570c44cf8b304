/** PersistentVolumes and PersistentVolumeClaims: size, access modes, binding and class. */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { age } from './age.js';
import { accessModes } from './format.js';
import { ageColumn, column, nameColumn, wide, type Printer } from './types.js';

// The pre-GA way to name a class; where present it still wins over spec.storageClassName.
const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

type WithClass = { metadata?: { annotations?: Record<string, string> }; spec?: { storageClassName?: string } };

export const storageClassOf = (obj: WithClass): string =>
  obj.metadata?.annotations?.[BETA_STORAGE_CLASS] ?? obj.spec?.storageClassName ?? '';

// A missing quantity prints as a zero quantity does.
const quantity = (q: string | undefined): string => (q === undefined || q === '' ? '0' : q);

export const persistentVolumePrinter = {
  columns: [
    nameColumn,
    column('Capacity', 'The storage capacity of the volume.'),
    column('Access Modes', 'How the volume can be mounted: RWO, ROX, RWX, RWOP.'),
    column('Reclaim Policy', 'What happens to the volume when its claim is released.'),
    column('Status', 'The phase of the volume: Available, Bound, Released or Failed.'),
    column('Claim', 'The claim bound to the volume, as namespace/name.'),
    column('StorageClass', 'The storage class the volume belongs to.'),
    column('VolumeAttributesClass', 'The volume attributes class of the volume.'),
    column('Reason', 'Why the volume is in its phase, when that needs saying.'),
    ageColumn,
    wide('VolumeMode', 'Filesystem or Block.'),
  ],
  row(pv, now) {
    const claim = pv.spec?.claimRef ? `${pv.spec.claimRef.namespace ?? ''}/${pv.spec.claimRef.name ?? ''}` : '';
    return [
      pv.metadata?.name ?? '',
      quantity(pv.spec?.capacity?.storage),
      accessModes(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '',
      pv.metadata?.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? ''),
      claim,
      storageClassOf(pv),
      pv.spec?.volumeAttributesClassName ?? '<unset>',
      pv.status?.reason ?? '',
      age(pv, now),
      pv.spec?.volumeMode ?? '<unset>',
    ];
  },
} satisfies Printer<PersistentVolume>;

export const persistentVolumeClaimPrinter = {
  columns: [
    nameColumn,
    column('Status', 'The phase of the claim: Pending, Bound or Lost.'),
    column('Volume', 'The volume bound to the claim.'),
    column('Capacity', 'The capacity of the bound volume.'),
    column('Access Modes', 'How the bound volume can be mounted: RWO, ROX, RWX, RWOP.'),
    column('StorageClass', 'The storage class the claim asks for.'),
    column('VolumeAttributesClass', 'The volume attributes class the claim asks for.'),
    ageColumn,
    wide('VolumeMode', 'Filesystem or Block.'),
  ],
  row(pvc, now) {
    // Capacity and modes are the bound volume's, so they stay blank until the claim is bound.
    const bound = !!pvc.spec?.volumeName;
    return [
      pvc.metadata?.name ?? '',
      pvc.metadata?.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? ''),
      pvc.spec?.volumeName ?? '',
      bound ? quantity(pvc.status?.capacity?.storage) : '',
      bound ? accessModes(pvc.status?.accessModes) : '',
      storageClassOf(pvc),
      pvc.spec?.volumeAttributesClassName ?? '<unset>',
      age(pvc, now),
      pvc.spec?.volumeMode ?? '<unset>',
    ];
  },
} satisfies Printer<PersistentVolumeClaim>;
