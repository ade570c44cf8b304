/**
 * PodSpec and PodTemplateSpec: everything a pod's spec must satisfy wherever it appears
 * (a Pod, or the template of a Deployment or ReplicaSet).
 */
import type { PodSpec, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import {
  inclusiveRange,
  IP_MSG,
  isDNS1123Label,
  isDNS1123Subdomain,
  isIP,
  isLabelValue,
  isQualifiedName,
} from './formats.js';
import { arr, idx, invalidEach, isInt, isObj, nonEmptyString, type Obj } from './helpers.js';
import { validateAnnotations, validateLabels } from './object-meta.js';
import { validateContainers } from './container.js';
import { validateVolumes } from './volumes.js';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const NODE_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
const MAX_INT32 = 2147483647;

export interface PodSpecOptions {
  /** A Pod, rather than a template: host ports must be filled in by now. */
  isPod: boolean;
}

function enumField(v: unknown, allowed: readonly string[], path: string): FieldError[] {
  if (!v) return [fe.required(path)];
  return typeof v === 'string' && allowed.includes(v) ? [] : [fe.notSupported(path, v, allowed)];
}

function subdomainField(v: unknown, path: string): FieldError[] {
  if (v === undefined || v === null || v === '') return [];
  return typeof v === 'string' ? invalidEach(path, v, isDNS1123Subdomain(v)) : [fe.invalid(path, v, 'must be a string')];
}

function labelField(v: unknown, path: string): FieldError[] {
  if (v === undefined || v === null || v === '') return [];
  return typeof v === 'string' ? invalidEach(path, v, isDNS1123Label(v)) : [fe.invalid(path, v, 'must be a string')];
}

export function validateTolerations(tolerations: readonly Toleration[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(tolerations).forEach((t, i) => {
    const p = idx(path, i);
    if (!isObj(t)) {
      errs.push(fe.invalid(p, t, 'must be a toleration'));
      return;
    }
    if (t.key) errs.push(...invalidEach(`${p}.key`, t.key, isQualifiedName(t.key)));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(fe.invalid(`${p}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(fe.invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator ?? '') {
      case '':
      case 'Equal':
        errs.push(...invalidEach(`${p}.value`, t.value, isLabelValue(String(t.value ?? ''))));
        break;
      case 'Exists':
        if (t.value) errs.push(fe.invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(fe.notSupported(`${p}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !TAINT_EFFECTS.includes(t.effect)) errs.push(fe.notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
  });
  return errs;
}

function validateNodeSelectorTerms(terms: readonly Obj[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  terms.forEach((term, i) => {
    for (const list of ['matchExpressions', 'matchFields']) {
      arr(term?.[list] as Obj[]).forEach((req, j) => {
        const p = `${idx(path, i)}.${list}[${j}]`;
        const values = arr(req?.values as string[]);
        if (list === 'matchExpressions') errs.push(...invalidEach(`${p}.key`, req?.key, isQualifiedName(String(req?.key ?? ''))));
        switch (req?.operator) {
          case 'In':
          case 'NotIn':
            if (values.length === 0) errs.push(fe.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
            break;
          case 'Exists':
          case 'DoesNotExist':
            if (values.length > 0) errs.push(fe.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
            break;
          case 'Gt':
          case 'Lt':
            if (values.length !== 1 || !/^-?\d+$/.test(values[0])) {
              errs.push(fe.required(`${p}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
            }
            break;
          default:
            errs.push(fe.notSupported(`${p}.operator`, req?.operator, NODE_SELECTOR_OPERATORS));
        }
      });
    }
  });
  return errs;
}

/** Node affinity is checked in depth because the scheduler evaluates it; pod (anti-)affinity only for shape. */
function validateAffinity(affinity: Obj | undefined, path: string): FieldError[] {
  if (affinity === undefined || affinity === null) return [];
  const required = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const errs: FieldError[] = [];
  if (required !== undefined && required !== null) {
    const p = `${path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
    const terms = arr(required?.nodeSelectorTerms as Obj[]);
    if (terms.length === 0) errs.push(fe.required(p, 'must have at least one node selector term'));
    errs.push(...validateNodeSelectorTerms(terms, p));
  }
  const preferred = arr(affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution as Obj[]);
  preferred.forEach((pref, i) => {
    const p = idx(`${path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution`, i);
    if (!isInt(pref?.weight) || pref.weight < 1 || pref.weight > 100) {
      errs.push(fe.invalid(`${p}.weight`, pref?.weight, inclusiveRange(1, 100)));
    }
    errs.push(...validateNodeSelectorTerms([pref?.preference ?? {}], `${p}.preference`));
  });
  return errs;
}

function validateDNSConfig(spec: PodSpec, path: string): FieldError[] {
  const cfg = spec.dnsConfig;
  const p = `${path}.dnsConfig`;
  if (spec.dnsPolicy === 'None') {
    if (!isObj(cfg)) return [fe.required(p, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (arr(cfg.nameservers).length === 0) {
      return [fe.required(`${p}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
    }
  }
  if (!isObj(cfg)) return [];
  const errs: FieldError[] = [];
  const nameservers = arr(cfg.nameservers);
  if (nameservers.length > 3) errs.push(fe.invalid(`${p}.nameservers`, nameservers, 'must not have more than 3 nameservers'));
  nameservers.forEach((ns, i) => {
    if (typeof ns !== 'string' || !isIP(ns)) errs.push(fe.invalid(idx(`${p}.nameservers`, i), ns, IP_MSG));
  });
  const searches = arr(cfg.searches);
  if (searches.length > 32) errs.push(fe.invalid(`${p}.searches`, searches, 'must not have more than 32 search paths'));
  searches.forEach((s, i) => {
    const v = String(s).replace(/\.$/, '');
    errs.push(...invalidEach(idx(`${p}.searches`, i), v, isDNS1123Subdomain(v)));
  });
  arr(cfg.options).forEach((o, i) => {
    if (!nonEmptyString(o?.name)) errs.push(fe.required(idx(`${p}.options`, i), 'must not be empty'));
  });
  return errs;
}

function validateHostAliases(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(spec.hostAliases).forEach((ha, i) => {
    const p = idx(`${path}.hostAliases`, i);
    if (typeof ha?.ip !== 'string' || !isIP(ha.ip)) errs.push(fe.invalid(`${p}.ip`, ha?.ip, IP_MSG));
    arr(ha?.hostnames).forEach((h, j) => errs.push(...invalidEach(idx(`${p}.hostnames`, j), h, isDNS1123Subdomain(String(h)))));
  });
  return errs;
}

/** With host networking a container port is a host port, so they must agree. */
function validateHostNetworkPorts(spec: PodSpec, path: string, opts: PodSpecOptions): FieldError[] {
  if (spec.hostNetwork !== true) return [];
  const errs: FieldError[] = [];
  arr(spec.containers).forEach((c, i) => {
    arr(c?.ports).forEach((port, j) => {
      const hp = port?.hostPort ?? 0;
      if ((opts.isPod || hp !== 0) && hp !== port?.containerPort) {
        errs.push(fe.invalid(`${idx(`${path}.containers`, i)}.ports[${j}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errs;
}

export function validatePodSpec(spec: PodSpec | undefined, path: string, opts: PodSpecOptions): FieldError[] {
  if (!isObj(spec)) return [fe.required(`${path}.containers`)];
  const vols = validateVolumes(spec.volumes, `${path}.volumes`);
  const errs: FieldError[] = [...vols.errs];
  errs.push(...validateContainers(spec.containers, spec.initContainers, vols.names, path));
  errs.push(...enumField(spec.restartPolicy, RESTART_POLICIES, `${path}.restartPolicy`));
  errs.push(...enumField(spec.dnsPolicy, DNS_POLICIES, `${path}.dnsPolicy`));
  errs.push(...validateDNSConfig(spec, path));
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  errs.push(...subdomainField(spec.serviceAccountName, `${path}.serviceAccountName`));
  errs.push(...subdomainField(spec.nodeName, `${path}.nodeName`));
  errs.push(...subdomainField(spec.priorityClassName, `${path}.priorityClassName`));
  errs.push(...subdomainField(spec.runtimeClassName, `${path}.runtimeClassName`));
  errs.push(...labelField(spec.hostname, `${path}.hostname`));
  errs.push(...labelField(spec.subdomain, `${path}.subdomain`));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const v = spec.activeDeadlineSeconds;
    if (!isInt(v) || v < 1 || v > MAX_INT32) errs.push(fe.invalid(`${path}.activeDeadlineSeconds`, v, inclusiveRange(1, MAX_INT32)));
  }
  if (spec.preemptionPolicy !== undefined && !['PreemptLowerPriority', 'Never'].includes(spec.preemptionPolicy)) {
    errs.push(fe.notSupported(`${path}.preemptionPolicy`, spec.preemptionPolicy, ['PreemptLowerPriority', 'Never']));
  }
  arr(spec.imagePullSecrets).forEach((s, i) => {
    if (!nonEmptyString(s?.name)) errs.push(fe.required(`${idx(`${path}.imagePullSecrets`, i)}.name`));
  });
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  errs.push(...validateAffinity(spec.affinity, `${path}.affinity`));
  errs.push(...validateHostAliases(spec, path));
  errs.push(...validateHostNetworkPorts(spec, path, opts));
  return errs;
}

export function validatePodTemplateSpec(tpl: PodTemplateSpec | undefined, path: string): FieldError[] {
  if (!isObj(tpl)) return [fe.required(path)];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(tpl.metadata?.labels, `${path}.metadata.labels`));
  errs.push(...validateAnnotations(tpl.metadata?.annotations, `${path}.metadata.annotations`));
  errs.push(...validatePodSpec(tpl.spec, `${path}.spec`, { isPod: false }));
  if (arr(tpl.spec?.ephemeralContainers).length > 0) {
    errs.push(fe.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}
