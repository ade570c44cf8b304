/**
 * apps/v1 Deployment and ReplicaSet: a non-empty selector that selects the template, a
 * template whose pods restart Always, and a rollout strategy the controller can follow.
 */
import type { Deployment, DeploymentStrategy, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { isValidPercent } from './formats.js';
import { immutable, invalidEach, isInt, isObj, nonNegative } from './helpers.js';
import { isEmptySelector, selectorMatches, validateLabelSelector } from './label-selector.js';
import { validateObjectMeta } from './object-meta.js';
import { validatePodTemplateSpec } from './pod-spec.js';

/** Selector + template rules shared by Deployments and ReplicaSets. */
function selectorAndTemplate(sel: LabelSelector | undefined, tpl: PodTemplateSpec | undefined): FieldError[] {
  const errs: FieldError[] = [];
  let usable = false;
  if (sel === undefined || sel === null) {
    errs.push(fe.required('spec.selector'));
  } else {
    const selErrs = validateLabelSelector(sel, 'spec.selector');
    errs.push(...selErrs);
    if (selErrs.length === 0 && isObj(sel)) {
      if (isEmptySelector(sel)) errs.push(fe.invalid('spec.selector', sel, 'empty selector is invalid for deployment'));
      else usable = true;
    }
  }
  if (usable && isObj(tpl) && sel && !selectorMatches(sel, tpl.metadata?.labels)) {
    errs.push(fe.invalid('spec.template.metadata.labels', tpl.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(tpl, 'spec.template'));
  const restart = tpl?.spec?.restartPolicy;
  if (isObj(tpl) && restart !== undefined && restart !== 'Always') {
    errs.push(fe.notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  }
  if (tpl?.spec?.activeDeadlineSeconds !== undefined && tpl.spec.activeDeadlineSeconds !== null) {
    // Kubernetes names ReplicaSet here for Deployments too: the template is checked as the RS's.
    errs.push(fe.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

/** An IntOrString that must be a non-negative int or a percentage; returns its magnitude. */
function intOrPercent(v: unknown, path: string, errs: FieldError[]): number {
  if (typeof v === 'string') {
    const msgs = isValidPercent(v);
    errs.push(...invalidEach(path, v, msgs));
    return msgs.length === 0 ? Number(v.slice(0, -1)) : 0;
  }
  if (isInt(v)) {
    errs.push(...nonNegative(path, v));
    return v;
  }
  if (v !== undefined && v !== null) errs.push(fe.invalid(path, v, "must be an integer or percentage (e.g '5%')"));
  return 0;
}

function validateStrategy(s: DeploymentStrategy | undefined): FieldError[] {
  const path = 'spec.strategy';
  const errs: FieldError[] = [];
  switch (s?.type) {
    case 'Recreate':
      if (s.rollingUpdate !== undefined && s.rollingUpdate !== null) {
        errs.push(fe.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'"));
      }
      break;
    case 'RollingUpdate': {
      const ru = s.rollingUpdate;
      if (!isObj(ru)) {
        errs.push(fe.required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil'));
        break;
      }
      const rp = `${path}.rollingUpdate`;
      const unavailable = intOrPercent(ru.maxUnavailable, `${rp}.maxUnavailable`, errs);
      const surge = intOrPercent(ru.maxSurge, `${rp}.maxSurge`, errs);
      if (unavailable === 0 && surge === 0) {
        errs.push(fe.invalid(`${rp}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
      if (typeof ru.maxUnavailable === 'string' && unavailable > 100) {
        errs.push(fe.invalid(`${rp}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%'));
      }
      break;
    }
    default:
      errs.push(fe.notSupported(path, s?.type ?? '', ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

export function validateDeployment(d: Deployment): FieldError[] {
  const errs = validateObjectMeta(d.metadata, { namespaced: true, nameRule: 'subdomain' });
  const spec = isObj(d.spec) ? d.spec : ({} as NonNullable<Deployment['spec']>);
  errs.push(...nonNegative('spec.replicas', spec.replicas));
  errs.push(...selectorAndTemplate(spec.selector, spec.template));
  errs.push(...validateStrategy(spec.strategy));
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds !== null) {
    errs.push(...nonNegative('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds));
    if (isInt(spec.progressDeadlineSeconds) && spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(fe.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

/** apps/v1 froze selectors: changing one would orphan the pods it selected. */
export const validateDeploymentUpdate = (d: Deployment, old: Deployment): FieldError[] =>
  immutable('spec.selector', d.spec?.selector, old.spec?.selector);

export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  const errs = validateObjectMeta(rs.metadata, { namespaced: true, nameRule: 'subdomain' });
  const spec = isObj(rs.spec) ? rs.spec : ({} as NonNullable<ReplicaSet['spec']>);
  errs.push(...nonNegative('spec.replicas', spec.replicas));
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(...selectorAndTemplate(spec.selector, spec.template));
  return errs;
}

export const validateReplicaSetUpdate = (rs: ReplicaSet, old: ReplicaSet): FieldError[] =>
  immutable('spec.selector', rs.spec?.selector, old.spec?.selector);

const REPLICA_COUNTS = ['replicas', 'readyReplicas', 'availableReplicas'] as const;

/** Status counts are non-negative and nested: available <= ready <= replicas. */
function replicaStatus(status: Record<string, any> | undefined, extra: readonly string[]): FieldError[] {
  const s = isObj(status) ? status : {};
  const errs: FieldError[] = [];
  for (const f of [...REPLICA_COUNTS, ...extra, 'observedGeneration']) errs.push(...nonNegative(`status.${f}`, s[f]));
  const replicas = isInt(s.replicas) ? s.replicas : 0;
  for (const f of [...extra, 'readyReplicas', 'availableReplicas']) {
    if (isInt(s[f]) && s[f] > replicas) errs.push(fe.invalid(`status.${f}`, s[f], 'cannot be greater than status.replicas'));
  }
  if (isInt(s.availableReplicas) && s.availableReplicas > (isInt(s.readyReplicas) ? s.readyReplicas : 0)) {
    errs.push(fe.invalid('status.availableReplicas', s.availableReplicas, 'cannot be greater than readyReplicas'));
  }
  return errs;
}

export function validateDeploymentStatus(d: Deployment, old: Deployment): FieldError[] {
  const errs = replicaStatus(d.status, ['updatedReplicas']);
  errs.push(...nonNegative('status.unavailableReplicas', d.status?.unavailableReplicas));
  const next = d.status?.collisionCount;
  const prev = old.status?.collisionCount;
  if (isInt(prev) && (!isInt(next) || next < prev)) errs.push(fe.invalid('status.collisionCount', next ?? 0, 'cannot be decremented'));
  return errs;
}

export const validateReplicaSetStatus = (rs: ReplicaSet): FieldError[] => replicaStatus(rs.status, ['fullyLabeledReplicas']);
