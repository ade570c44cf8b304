/**
 * PersistentVolumes and PersistentVolumeClaims. A PV's source is fixed once created (its
 * data lives there); a claim's spec is fixed except for growing its storage request and
 * the binder filling in volumeName.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { isDNS1123Subdomain } from './formats.js';
import { arr, deepEqual, entries, immutable, invalidEach, isObj, key, nonEmptyString, type Obj } from './helpers.js';
import { validateLabelSelector } from './label-selector.js';
import { validateObjectMeta } from './object-meta.js';
import { compareQuantity, parseQuantity, QUANTITY_FORMAT_MSG, signOf } from './quantity.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const PV_PHASES = ['Pending', 'Available', 'Bound', 'Released', 'Failed'];
const PVC_PHASES = ['Pending', 'Bound', 'Lost'];

export const PV_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'glusterfs',
  'nfs',
  'rbd',
  'iscsi',
  'cinder',
  'cephfs',
  'fc',
  'flocker',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'local',
  'storageos',
  'csi',
] as const;

function accessModes(modes: unknown, path: string, requiredDetail?: string): FieldError[] {
  const list = arr(modes as string[]);
  if (list.length === 0) return [fe.required(path, requiredDetail)];
  const errs: FieldError[] = [];
  for (const m of list) if (!ACCESS_MODES.includes(m)) errs.push(fe.notSupported(path, m, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.length > 1) {
    errs.push(fe.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  }
  return errs;
}

function positiveQuantity(v: unknown, path: string): FieldError[] {
  const q = parseQuantity(v);
  if (!q) return [fe.invalid(path, v, QUANTITY_FORMAT_MSG)];
  return signOf(q) > 0 ? [] : [fe.invalid(path, v, 'must be greater than zero')];
}

function enumIfSet(v: unknown, allowed: readonly string[], path: string): FieldError[] {
  if (v === undefined || v === null || v === '') return [];
  return typeof v === 'string' && allowed.includes(v) ? [] : [fe.notSupported(path, v, allowed)];
}

function className(v: unknown, path: string): FieldError[] {
  return nonEmptyString(v) ? invalidEach(path, v, isDNS1123Subdomain(v)) : [];
}

export function validatePersistentVolume(pv: PersistentVolume): FieldError[] {
  const errs = validateObjectMeta(pv.metadata, { namespaced: false, nameRule: 'subdomain' });
  const spec: Obj = isObj(pv.spec) ? pv.spec : {};
  errs.push(...accessModes(spec.accessModes, 'spec.accessModes'));
  const capacity = entries(spec.capacity);
  if (capacity.length === 0) errs.push(fe.required('spec.capacity'));
  if (!isObj(spec.capacity) || !Object.hasOwn(spec.capacity, 'storage') || capacity.length > 1) {
    errs.push(fe.notSupported('spec.capacity', spec.capacity ?? {}, ['storage']));
  }
  for (const [r, q] of capacity) errs.push(...positiveQuantity(q, key('spec.capacity', r)));
  errs.push(...enumIfSet(spec.persistentVolumeReclaimPolicy, RECLAIM_POLICIES, 'spec.persistentVolumeReclaimPolicy'));
  errs.push(...enumIfSet(spec.volumeMode, VOLUME_MODES, 'spec.volumeMode'));
  errs.push(...className(spec.storageClassName, 'spec.storageClassName'));
  const sources = PV_SOURCES.filter((s) => isObj(spec[s]));
  if (sources.length === 0) errs.push(fe.required('spec', 'must specify a volume type'));
  for (const extra of sources.slice(1)) errs.push(fe.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath && !nonEmptyString(spec.hostPath.path)) errs.push(fe.required('spec.hostPath.path'));
  if (spec.local) {
    if (!nonEmptyString(spec.local.path)) errs.push(fe.required('spec.local.path'));
    // A local volume exists on one node; without affinity the scheduler cannot know which.
    if (!isObj(spec.nodeAffinity)) errs.push(fe.required('metadata.annotations', 'Local volume requires node affinity'));
  }
  if (spec.nfs) {
    if (!nonEmptyString(spec.nfs.server)) errs.push(fe.required('spec.nfs.server'));
    if (!nonEmptyString(spec.nfs.path)) errs.push(fe.required('spec.nfs.path'));
  }
  if (spec.csi && !nonEmptyString(spec.csi.driver)) errs.push(fe.required('spec.csi.driver'));
  return errs;
}

export function validatePersistentVolumeUpdate(pv: PersistentVolume, old: PersistentVolume): FieldError[] {
  const pick = (spec: Obj | undefined): Obj => Object.fromEntries(PV_SOURCES.map((s) => [s, spec?.[s]]));
  const errs: FieldError[] = [];
  if (!deepEqual(pick(pv.spec), pick(old.spec))) {
    errs.push(fe.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  }
  errs.push(...immutable('spec.volumeMode', pv.spec?.volumeMode, old.spec?.volumeMode));
  if (old.spec?.nodeAffinity) errs.push(...immutable('spec.nodeAffinity', pv.spec?.nodeAffinity, old.spec.nodeAffinity));
  return errs;
}

export const validatePersistentVolumeStatus = (pv: PersistentVolume): FieldError[] =>
  enumIfSet(pv.status?.phase, PV_PHASES, 'status.phase');

export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldError[] {
  const errs = validateObjectMeta(pvc.metadata, { namespaced: true, nameRule: 'subdomain' });
  const spec: Obj = isObj(pvc.spec) ? pvc.spec : {};
  errs.push(...accessModes(spec.accessModes, 'spec.accessModes', 'at least 1 access mode is required'));
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const storage = spec.resources?.requests?.storage;
  if (storage === undefined || storage === null) errs.push(fe.required('spec.resources[storage]'));
  else errs.push(...positiveQuantity(storage, 'spec.resources[storage]'));
  errs.push(...className(spec.storageClassName, 'spec.storageClassName'));
  errs.push(...enumIfSet(spec.volumeMode, VOLUME_MODES, 'spec.volumeMode'));
  if (spec.dataSource && !nonEmptyString(spec.dataSource.name)) errs.push(fe.required('spec.dataSource.name'));
  return errs;
}

export function validatePersistentVolumeClaimUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const next: Obj = structuredClone(isObj(pvc.spec) ? pvc.spec : {});
  const prev: Obj = isObj(old.spec) ? old.spec : {};
  const errs: FieldError[] = [];
  const newSize = parseQuantity(next.resources?.requests?.storage);
  const oldSize = parseQuantity(prev.resources?.requests?.storage);
  if (newSize && oldSize && compareQuantity(newSize, oldSize) < 0) {
    errs.push(fe.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  // Compare what remains once the changeable parts are copied from the old spec.
  if (isObj(next.resources)) next.resources = { ...next.resources, requests: prev.resources?.requests };
  if (!prev.volumeName) next.volumeName = prev.volumeName;
  // An unbound claim made without a class may be given one (the default, retroactively).
  if (prev.storageClassName == null && !prev.volumeName) {
    if (prev.storageClassName === undefined) delete next.storageClassName;
    else next.storageClassName = prev.storageClassName;
  }
  if (!deepEqual(next, prev)) {
    errs.push(fe.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  return errs;
}

export const validatePersistentVolumeClaimStatus = (pvc: PersistentVolumeClaim): FieldError[] =>
  enumIfSet(pvc.status?.phase, PVC_PHASES, 'status.phase');
