/**
 * networking.k8s.io/v1 Ingress and IngressClass: hosts, typed paths, and backends that
 * name a Service port (by number or name) or another resource.
 */
import type { HTTPIngressPath, Ingress, IngressBackend, IngressClass } from 'kubernetes-types/networking/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import {
  isDNS1035Label,
  isDNS1123Subdomain,
  isDomainPrefixedPath,
  isIP,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
} from './formats.js';
import { arr, idx, immutable, invalidEach, isObj, nonEmptyString, type Obj } from './helpers.js';
import { validateObjectMeta } from './object-meta.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
// Sequences a proxy might normalise differently from the Ingress controller.
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

function validateHost(host: string, path: string): FieldError[] {
  if (isIP(host)) return [fe.invalid(path, host, 'must be a DNS name, not an IP address')];
  return invalidEach(path, host, host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host));
}

function validateBackend(b: IngressBackend | undefined, path: string): FieldError[] {
  if (!isObj(b)) return [fe.invalid(path, '', 'resource or service backend is required')];
  const hasService = isObj(b.service);
  const hasResource = isObj(b.resource);
  if (hasService && hasResource) return [fe.invalid(path, '', 'cannot set both resource and service backends')];
  if (hasResource) {
    const r = b.resource as Obj;
    const errs: FieldError[] = [];
    if (!nonEmptyString(r.kind)) errs.push(fe.required(`${path}.resource.kind`));
    if (!nonEmptyString(r.name)) errs.push(fe.required(`${path}.resource.name`));
    if (r.apiGroup) errs.push(...invalidEach(`${path}.resource.apiGroup`, r.apiGroup, isDNS1123Subdomain(String(r.apiGroup))));
    return errs;
  }
  if (!hasService) return [fe.invalid(path, '', 'resource or service backend is required')];
  const svc = b.service as Obj;
  const sp = `${path}.service`;
  const errs: FieldError[] = [];
  if (!nonEmptyString(svc.name)) errs.push(fe.required(`${sp}.name`));
  else errs.push(...invalidEach(`${sp}.name`, svc.name, isDNS1035Label(svc.name)));
  const port: Obj = isObj(svc.port) ? svc.port : {};
  const hasName = nonEmptyString(port.name);
  const hasNumber = port.number !== undefined && port.number !== null && port.number !== 0;
  if (hasName && hasNumber) errs.push(fe.invalid(`${sp}.port`, '', 'cannot set both port name & port number'));
  else if (hasName) errs.push(...invalidEach(`${sp}.port.name`, port.name, isValidPortName(port.name)));
  else if (hasNumber) errs.push(...invalidEach(`${sp}.port.number`, port.number, isValidPortNum(port.number)));
  else errs.push(fe.required(`${sp}.port`, 'port name or number is required'));
  return errs;
}

function validatePath(p: HTTPIngressPath, path: string): FieldError[] {
  if (!isObj(p)) return [fe.invalid(path, p, 'must be an ingress path')];
  const errs: FieldError[] = [];
  const value = typeof p.path === 'string' ? p.path : '';
  if (!p.pathType) {
    errs.push(fe.required(`${path}.pathType`, 'pathType must be specified'));
  } else if (!PATH_TYPES.includes(p.pathType)) {
    errs.push(fe.notSupported(`${path}.pathType`, p.pathType, PATH_TYPES));
  } else if (p.pathType === 'ImplementationSpecific') {
    if (value && !value.startsWith('/')) errs.push(fe.invalid(`${path}.path`, value, 'must be an absolute path'));
  } else {
    if (!value.startsWith('/')) errs.push(fe.invalid(`${path}.path`, value, 'must be an absolute path'));
    for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(fe.invalid(`${path}.path`, value, `must not contain '${seq}'`));
    for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) errs.push(fe.invalid(`${path}.path`, value, `cannot end with '${suf}'`));
  }
  errs.push(...validateBackend(p.backend, `${path}.backend`));
  return errs;
}

export function validateIngress(ing: Ingress): FieldError[] {
  const errs = validateObjectMeta(ing.metadata, { namespaced: true, nameRule: 'subdomain' });
  const spec: Obj = isObj(ing.spec) ? ing.spec : {};
  const rules = arr(spec.rules as Obj[]);
  if (rules.length === 0 && !spec.defaultBackend) {
    errs.push(fe.invalid('spec.rules', spec.rules ?? [], 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((rule, i) => {
    const rp = idx('spec.rules', i);
    if (rule?.host) errs.push(...validateHost(String(rule.host), `${rp}.host`));
    if (rule?.http === undefined || rule?.http === null) return;
    const paths = arr(rule.http.paths as HTTPIngressPath[]);
    if (paths.length === 0) errs.push(fe.required(`${rp}.http.paths`));
    paths.forEach((p, j) => errs.push(...validatePath(p, idx(`${rp}.http.paths`, j))));
  });
  arr(spec.tls as Obj[]).forEach((tls, i) => {
    const tp = idx('spec.tls', i);
    arr(tls?.hosts as string[]).forEach((h, j) => errs.push(...validateHost(String(h), idx(`${tp}.hosts`, j))));
    if (tls?.secretName) errs.push(...invalidEach(`${tp}.secretName`, tls.secretName, isDNS1123Subdomain(String(tls.secretName))));
  });
  if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) {
    errs.push(...invalidEach('spec.ingressClassName', spec.ingressClassName, isDNS1123Subdomain(String(spec.ingressClassName))));
    if (ing.metadata?.annotations?.[CLASS_ANNOTATION] !== undefined) {
      errs.push(
        fe.invalid(`metadata.annotations[${CLASS_ANNOTATION}]`, ing.metadata.annotations[CLASS_ANNOTATION], 'can not be set when the class field is also set'),
      );
    }
  }
  return errs;
}

export function validateIngressClass(ic: IngressClass): FieldError[] {
  const errs = validateObjectMeta(ic.metadata, { namespaced: false, nameRule: 'subdomain' });
  const spec: Obj = isObj(ic.spec) ? ic.spec : {};
  if (!nonEmptyString(spec.controller)) errs.push(fe.required('spec.controller'));
  else if (spec.controller.length > 250) errs.push(fe.tooLong('spec.controller', 250));
  else errs.push(...invalidEach('spec.controller', spec.controller, isDomainPrefixedPath(spec.controller)));
  const params = spec.parameters;
  if (params !== undefined && params !== null) {
    const pp = 'spec.parameters';
    if (!nonEmptyString(params.kind)) errs.push(fe.required(`${pp}.kind`));
    if (!nonEmptyString(params.name)) errs.push(fe.required(`${pp}.name`));
    if (params.apiGroup) errs.push(...invalidEach(`${pp}.apiGroup`, params.apiGroup, isDNS1123Subdomain(String(params.apiGroup))));
    switch (params.scope) {
      case 'Cluster':
        if (params.namespace) errs.push(fe.forbidden(`${pp}.namespace`, "`parameters.scope` is set to 'Cluster'"));
        break;
      case 'Namespace':
        if (!params.namespace) errs.push(fe.required(`${pp}.namespace`, "`parameters.scope` is set to 'Namespace'"));
        break;
      default:
        errs.push(params.scope ? fe.notSupported(`${pp}.scope`, params.scope, ['Cluster', 'Namespace']) : fe.required(`${pp}.scope`));
    }
  }
  return errs;
}

export const validateIngressClassUpdate = (ic: IngressClass, old: IngressClass): FieldError[] =>
  immutable('spec.controller', ic.spec?.controller, old.spec?.controller);
