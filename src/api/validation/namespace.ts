/** Namespaces: a DNS label name, finalizers, and a phase that follows deletion. */
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { arr } from './helpers.js';
import { validateFinalizerName, validateObjectMeta } from './object-meta.js';

export function validateNamespace(ns: Namespace): FieldError[] {
  const errs = validateObjectMeta(ns.metadata, { namespaced: false, nameRule: 'label' });
  for (const f of arr(ns.spec?.finalizers)) errs.push(...validateFinalizerName(f, 'spec.finalizers'));
  return errs;
}

/** The namespace controller moves a deleted namespace to Terminating, never the reverse. */
export function validateNamespaceStatus(ns: Namespace): FieldError[] {
  const phase = ns.status?.phase;
  if (ns.metadata?.deletionTimestamp) {
    return phase === 'Terminating' ? [] : [fe.invalid('status.phase', phase ?? '', "may only be 'Terminating' if `deletionTimestamp` is not empty")];
  }
  return phase === 'Active' ? [] : [fe.invalid('status.phase', phase ?? '', "may only be 'Active' if `deletionTimestamp` is empty")];
}
