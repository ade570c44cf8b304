/**
 * Pods: create rules, the narrow set of spec changes an update may make, and the status
 * subresource. A running pod's spec is fixed because the agent has already acted on it;
 * only images (rolled in place), a shorter deadline and extra tolerations can change.
 */
import type { Container, Pod, PodSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { inclusiveRange, IP_MSG, isIP, isQualifiedName } from './formats.js';
import { arr, deepEqual, idx, immutable, invalidEach, isInt, isObj, type Obj } from './helpers.js';
import { validateObjectMeta } from './object-meta.js';
import { validatePodSpec } from './pod-spec.js';

const MAX_INT32 = 2147483647;

export const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

export function validatePod(pod: Pod): FieldError[] {
  const errs = validateObjectMeta(pod.metadata, { namespaced: true, nameRule: 'subdomain' });
  errs.push(...validatePodSpec(pod.spec, 'spec', { isPod: true }));
  return errs;
}

/** Create-only rules: ephemeral containers arrive later, through their own subresource. */
export const validatePodCreate = (pod: Pod): FieldError[] =>
  arr(pod.spec?.ephemeralContainers).length > 0 ? [fe.forbidden('spec.ephemeralContainers', 'cannot be set on create')] : [];

/** Container lists may keep their length and change only images. */
function containerUpdates(next: readonly Container[], prev: readonly Container[], path: string): { errs: FieldError[]; stop: boolean } {
  if (next.length !== prev.length) return { errs: [fe.forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  next.forEach((c, i) => {
    const image = c?.image;
    if (!image) errs.push(fe.required(`${idx(path, i)}.image`));
    else if (image.trim() !== image) errs.push(fe.invalid(`${idx(path, i)}.image`, image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

/** Every old toleration must survive; only its tolerationSeconds may change. */
function onlyAddedTolerations(next: readonly Toleration[], prev: readonly Toleration[], path: string): FieldError[] {
  for (const old of prev) {
    const kept = next.some((t) => deepEqual({ ...old, tolerationSeconds: undefined }, { ...t, tolerationSeconds: undefined }));
    if (!kept) return [fe.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return [];
}

function activeDeadlineUpdate(next: PodSpec, prev: PodSpec): FieldError[] {
  const path = 'spec.activeDeadlineSeconds';
  const n = next.activeDeadlineSeconds;
  const o = prev.activeDeadlineSeconds;
  if (n !== undefined && n !== null) {
    if (!isInt(n) || n < 0 || n > MAX_INT32) return [fe.invalid(path, n, inclusiveRange(0, MAX_INT32))];
    if (isInt(o) && o < n) return [fe.invalid(path, n, 'must be less than or equal to previous value')];
  } else if (o !== undefined && o !== null) {
    return [fe.invalid(path, n ?? null, 'must not update from a positive integer to nil value')];
  }
  return [];
}

/** The update-only rules; validateUpdate adds the create rules and metadata rules. */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const next: PodSpec = isObj(pod.spec) ? pod.spec : ({} as PodSpec);
  const prev: PodSpec = isObj(old.spec) ? old.spec : ({} as PodSpec);
  const errs: FieldError[] = [];
  for (const list of ['containers', 'initContainers'] as const) {
    const r = containerUpdates(arr(next[list]), arr(prev[list]), `spec.${list}`);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  errs.push(...activeDeadlineUpdate(next, prev));
  errs.push(...onlyAddedTolerations(arr(next.tolerations), arr(prev.tolerations), 'spec.tolerations'));
  if (deepEqual(next, prev)) return errs;

  // Copy the changeable fields from the old spec; whatever still differs is forbidden.
  const munged: Obj = structuredClone(next);
  for (const list of ['containers', 'initContainers'] as const) {
    if (Array.isArray(munged[list])) {
      munged[list] = munged[list].map((c: Obj, i: number) => ({ ...c, image: prev[list]?.[i]?.image }));
    }
  }
  munged.activeDeadlineSeconds = prev.activeDeadlineSeconds;
  munged.tolerations = prev.tolerations;
  const oldGrace = prev.terminationGracePeriodSeconds;
  if (isInt(oldGrace) && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  if (!deepEqual(munged, prev)) {
    errs.push(fe.forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}`));
  }
  return errs;
}

const SYSTEM_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized', 'ContainersReady', 'PodReadyToStartContainers', 'DisruptionTarget']);

function ipList(ips: readonly Obj[] | undefined, single: string | undefined, path: string, singlePath: string): FieldError[] {
  const errs: FieldError[] = [];
  if (single && !isIP(single)) errs.push(fe.invalid(singlePath, single, IP_MSG));
  const list = arr(ips);
  list.forEach((entry, i) => {
    if (typeof entry?.ip !== 'string' || !isIP(entry.ip)) errs.push(fe.invalid(idx(path, i), entry?.ip, IP_MSG));
  });
  if (list.length > 0 && single && list[0]?.ip !== single) errs.push(fe.invalid(idx(path, 0), list[0]?.ip, `must match ${singlePath}`));
  return errs;
}

/** Status writes come from the agent and the scheduler's binding; keep them well-formed. */
export function validatePodStatusUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const status = isObj(pod.status) ? pod.status : {};
  if (pod.spec?.nodeName !== old.spec?.nodeName) errs.push(fe.forbidden('status.nodeName', 'may not be changed directly'));
  errs.push(...ipList(status.podIPs, status.podIP, 'status.podIPs', 'status.podIP'));
  errs.push(...ipList(status.hostIPs, status.hostIP, 'status.hostIPs', 'status.hostIP'));
  arr(status.conditions).forEach((c, i) => {
    if (typeof c?.type !== 'string' || SYSTEM_CONDITIONS.has(c.type)) return;
    errs.push(...invalidEach(`status.conditions[${i}].type`, c.type, isQualifiedName(c.type)));
  });
  if (old.status?.qosClass && status.qosClass) errs.push(...immutable('status.qosClass', status.qosClass, old.status.qosClass));
  return errs;
}
