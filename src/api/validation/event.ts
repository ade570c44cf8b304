/**
 * core/v1 Events. Old-style events (no reportingController) are checked as Kubernetes
 * checks legacy clients: only that the event lives in its object's namespace.
 */
import type { Event } from 'kubernetes-types/core/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { isQualifiedName } from './formats.js';
import { invalidEach, nonEmptyString } from './helpers.js';
import { validateObjectMeta } from './object-meta.js';

const TYPES = ['Normal', 'Warning'];
const MAX_FIELD = 128;
const MAX_NOTE = 1024;

export function validateEvent(ev: Event): FieldError[] {
  const errs = validateObjectMeta(ev.metadata, { namespaced: true, nameRule: 'subdomain' });
  const ns = ev.metadata?.namespace ?? '';
  const objNs = ev.involvedObject?.namespace ?? '';
  // Events about cluster-scoped objects (nodes) live in "default".
  const ok = objNs === '' ? ns === '' || ns === 'default' : ns === objNs;
  if (!ok) errs.push(fe.invalid('involvedObject.namespace', objNs, 'does not match event.namespace'));
  if (!ev.reportingComponent) return errs;

  // New-style events carry enough structure for events.k8s.io readers.
  errs.push(...invalidEach('reportingController', ev.reportingComponent, isQualifiedName(ev.reportingComponent)));
  if (!nonEmptyString(ev.reportingInstance)) errs.push(fe.required('reportingInstance'));
  else if (ev.reportingInstance.length > MAX_FIELD) errs.push(fe.tooLong('reportingInstance', MAX_FIELD));
  if (!nonEmptyString(ev.action)) errs.push(fe.required('action'));
  else if (ev.action.length > MAX_FIELD) errs.push(fe.tooLong('action', MAX_FIELD));
  if (!nonEmptyString(ev.reason)) errs.push(fe.required('reason'));
  else if (ev.reason.length > MAX_FIELD) errs.push(fe.tooLong('reason', MAX_FIELD));
  if (!ev.type || !TYPES.includes(ev.type)) errs.push(fe.notSupported('type', ev.type ?? '', TYPES));
  if (typeof ev.message === 'string' && ev.message.length > MAX_NOTE) errs.push(fe.tooLong('message', MAX_NOTE));
  return errs;
}
