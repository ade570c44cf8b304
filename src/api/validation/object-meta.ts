/**
 * ObjectMeta validation (apimachinery api/validation/objectmeta.go plus the core finalizer
 * rule): names, namespace scope, labels, annotations, owner references and finalizers.
 */
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { checkName, isDNS1123Label, isLabelValue, isQualifiedName, type NameRule } from './formats.js';
import { arr, deepEqual, entries, immutable, invalidEach, isObj } from './helpers.js';

export interface ObjectMetaOptions {
  namespaced: boolean;
  nameRule: NameRule;
}

/** 256 KiB: annotations are meant for small tool data, not blobs. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (labels !== undefined && labels !== null && !isObj(labels)) return [fe.invalid(path, labels, 'must be a map of strings')];
  for (const [k, v] of entries(labels)) {
    errs.push(...invalidEach(path, k, isQualifiedName(k)));
    if (typeof v !== 'string') errs.push(fe.invalid(path, v, 'label values must be strings'));
    else errs.push(...invalidEach(path, v, isLabelValue(v)));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of entries(annotations)) {
    // Annotation keys are qualified names regardless of case.
    errs.push(...invalidEach(path, k, isQualifiedName(k.toLowerCase())));
    if (typeof v !== 'string') errs.push(fe.invalid(`${path}[${k}]`, v, 'annotation values must be strings'));
    size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fe.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** Kubernetes reports owner reference problems without an index: `metadata.ownerReferences.uid`. */
export function validateOwnerReferences(refs: readonly OwnerReference[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of arr(refs)) {
    if (!isObj(ref)) {
      errs.push(fe.invalid(path, ref, 'must be an object'));
      continue;
    }
    const version = typeof ref.apiVersion === 'string' ? ref.apiVersion.split('/').pop() : '';
    if (!version) errs.push(fe.invalid(`${path}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(fe.invalid(`${path}.kind`, ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(fe.invalid(`${path}.name`, ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(fe.invalid(`${path}.uid`, ref.uid ?? '', 'must not be empty'));
    if (ref.apiVersion === 'v1' && ref.kind === 'Event') {
      errs.push(fe.invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const name = `${ref.kind}/${ref.name}`;
      if (firstController) {
        errs.push(
          fe.invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${name}`,
          ),
        );
      } else {
        firstController = name;
      }
    }
  }
  return errs;
}

/** A finalizer is a qualified name; unless it is one of Kubernetes' own it must carry a domain. */
export function validateFinalizerName(name: unknown, path: string): FieldError[] {
  if (typeof name !== 'string') return [fe.invalid(path, name, 'must be a string')];
  const errs = invalidEach(path, name, isQualifiedName(name));
  if (errs.length === 0 && !name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
    errs.push(fe.invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

export function validateFinalizers(finalizers: readonly string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = arr(finalizers);
  for (const f of list) errs.push(...validateFinalizerName(f, path));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(fe.invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/** Metadata rules on create (and, via validateUpdate, on every write). */
export function validateObjectMeta(meta: ObjectMeta | undefined, opts: ObjectMetaOptions, path = 'metadata'): FieldError[] {
  if (!isObj(meta)) return [fe.required(`${path}.name`, 'name or generateName is required')];
  const errs: FieldError[] = [];
  const { name, generateName, namespace } = meta;
  if (generateName) {
    if (typeof generateName !== 'string') errs.push(fe.invalid(`${path}.generateName`, generateName, 'must be a string'));
    else errs.push(...invalidEach(`${path}.generateName`, generateName, checkName(opts.nameRule, generateName, true)));
  }
  if (!name) {
    if (!generateName) errs.push(fe.required(`${path}.name`, 'name or generateName is required'));
  } else if (typeof name !== 'string') {
    errs.push(fe.invalid(`${path}.name`, name, 'must be a string'));
  } else {
    errs.push(...invalidEach(`${path}.name`, name, checkName(opts.nameRule, name, false)));
  }
  if (opts.namespaced) {
    if (!namespace) errs.push(fe.required(`${path}.namespace`));
    else if (typeof namespace !== 'string') errs.push(fe.invalid(`${path}.namespace`, namespace, 'must be a string'));
    else errs.push(...invalidEach(`${path}.namespace`, namespace, isDNS1123Label(namespace)));
  } else if (namespace) {
    errs.push(fe.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${path}.finalizers`));
  return errs;
}

/**
 * Metadata rules that compare with the stored object. System fields the server fills
 * (uid, creationTimestamp) are compared only when the request carries them, since the
 * registry copies them from the stored object.
 */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, old: ObjectMeta | undefined, path = 'metadata'): FieldError[] {
  const next = isObj(meta) ? meta : {};
  const prev = isObj(old) ? old : {};
  const errs: FieldError[] = [];
  errs.push(...immutable(`${path}.name`, next.name, prev.name));
  errs.push(...immutable(`${path}.namespace`, next.namespace, prev.namespace));
  if (next.uid) errs.push(...immutable(`${path}.uid`, next.uid, prev.uid));
  if (next.creationTimestamp) errs.push(...immutable(`${path}.creationTimestamp`, next.creationTimestamp, prev.creationTimestamp));
  if (prev.deletionTimestamp) {
    const before = new Set(arr(prev.finalizers));
    const added = arr(next.finalizers).filter((f) => !before.has(f));
    if (added.length > 0) {
      errs.push(
        fe.forbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify([...new Set(added)].sort())}`,
        ),
      );
    }
  }
  if (prev.deletionTimestamp && next.deletionTimestamp && !deepEqual(next.deletionTimestamp, prev.deletionTimestamp)) {
    errs.push(fe.immutable(`${path}.deletionTimestamp`, next.deletionTimestamp));
  }
  return errs;
}
