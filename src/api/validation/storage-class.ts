/**
 * storage.k8s.io/v1 StorageClass. Everything that decides how volumes are made is fixed
 * at creation: changing it would make existing and new volumes of one class differ.
 */
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { isQualifiedName } from './formats.js';
import { deepEqual, entries, immutable, invalidEach, isObj, nonEmptyString } from './helpers.js';
import { validateObjectMeta } from './object-meta.js';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

export function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs = validateObjectMeta(sc.metadata, { namespaced: false, nameRule: 'subdomain' });
  if (!nonEmptyString(sc.provisioner)) errs.push(fe.required('provisioner'));
  else if (sc.provisioner.length > 253) errs.push(fe.tooLong('provisioner', 253));
  else errs.push(...invalidEach('provisioner', sc.provisioner, isQualifiedName(sc.provisioner.toLowerCase())));
  const params = entries(sc.parameters);
  if (sc.parameters !== undefined && sc.parameters !== null && !isObj(sc.parameters)) {
    errs.push(fe.invalid('parameters', sc.parameters, 'must be a map of strings'));
  }
  let size = 0;
  for (const [k, v] of params) {
    if (k.length === 0) errs.push(fe.invalid('parameters', sc.parameters, 'field can not be empty.'));
    size += k.length + String(v).length;
  }
  if (params.length > MAX_PARAMETERS) errs.push(fe.invalid('parameters', params.length, `must have at most ${MAX_PARAMETERS} parameters`));
  if (size > MAX_PARAMETERS_SIZE) errs.push(fe.tooLong('parameters', MAX_PARAMETERS_SIZE));
  if (sc.reclaimPolicy !== undefined && !RECLAIM_POLICIES.includes(sc.reclaimPolicy)) {
    errs.push(fe.notSupported('reclaimPolicy', sc.reclaimPolicy, RECLAIM_POLICIES));
  }
  if (!sc.volumeBindingMode) errs.push(fe.required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(sc.volumeBindingMode)) errs.push(fe.notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING_MODES));
  return errs;
}

export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!deepEqual(sc.parameters, old.parameters)) errs.push(fe.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(fe.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(fe.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...immutable('volumeBindingMode', sc.volumeBindingMode, old.volumeBindingMode));
  return errs;
}
