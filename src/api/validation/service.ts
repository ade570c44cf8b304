/**
 * Services: ports, type-dependent fields and the cluster IP. Allocation (and the IP and
 * node-port ranges, which are server flags) belongs to the API server's allocators; this
 * only checks what the object says is well-formed and consistent.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { CIDR_MSG, IP_MSG, isCIDR, isDNS1123Label, isDNS1123Subdomain, isIP, isIPv4, isQualifiedName, isValidPortNum } from './formats.js';
import { arr, idx, invalidEach, isInt, isObj, type Obj } from './helpers.js';
import { validateObjectMeta, validateLabels } from './object-meta.js';
import { validatePortNumOrName, validateProtocol } from './container.js';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];

const isHeadless = (spec: Obj): boolean => spec.clusterIP === 'None';

/** Reachable from outside the cluster, so externalTrafficPolicy means something. */
export const externallyAccessible = (spec: Obj): boolean =>
  spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && arr(spec.externalIPs).length > 0);

function validatePort(sp: ServicePort, i: number, requireName: boolean, names: Set<string>): FieldError[] {
  const p = idx('spec.ports', i);
  if (!isObj(sp)) return [fe.invalid(p, sp, 'must be a service port')];
  const errs: FieldError[] = [];
  if (requireName && !sp.name) {
    errs.push(fe.required(`${p}.name`));
  } else if (sp.name) {
    errs.push(...invalidEach(`${p}.name`, sp.name, isDNS1123Label(String(sp.name))));
    if (names.has(sp.name)) errs.push(fe.duplicate(`${p}.name`, sp.name));
    names.add(sp.name);
  }
  errs.push(...invalidEach(`${p}.port`, sp.port, isValidPortNum(sp.port)));
  errs.push(...validateProtocol(sp.protocol, `${p}.protocol`));
  errs.push(...validatePortNumOrName(sp.targetPort, `${p}.targetPort`));
  if (sp.appProtocol) errs.push(...invalidEach(`${p}.appProtocol`, sp.appProtocol, isQualifiedName(sp.appProtocol)));
  // The allocator checks the configured node-port range; here only that it is a port.
  if (sp.nodePort) errs.push(...invalidEach(`${p}.nodePort`, sp.nodePort, isValidPortNum(sp.nodePort)));
  return errs;
}

function validatePorts(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const ports = arr(spec.ports as ServicePort[]);
  if (ports.length === 0 && !isHeadless(spec) && spec.type !== 'ExternalName') errs.push(fe.required('spec.ports'));
  const names = new Set<string>();
  const byPort = new Set<string>();
  const byNodePort = new Set<string>();
  ports.forEach((sp, i) => {
    errs.push(...validatePort(sp, i, ports.length > 1, names));
    if (!isObj(sp)) return;
    if (sp.nodePort && spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') {
      errs.push(fe.forbidden(`${idx('spec.ports', i)}.nodePort`, `may not be used when \`type\` is '${spec.type}'`));
    }
    const key = `${sp.protocol}/${sp.port}`;
    if (byPort.has(key)) errs.push(fe.duplicate(idx('spec.ports', i), { port: sp.port, protocol: sp.protocol }));
    byPort.add(key);
    if (sp.nodePort) {
      const nk = `${sp.protocol}/${sp.nodePort}`;
      if (byNodePort.has(nk)) errs.push(fe.duplicate(`${idx('spec.ports', i)}.nodePort`, sp.nodePort));
      byNodePort.add(nk);
    }
  });
  return errs;
}

/** clusterIP is "", "None" or an address; clusterIPs, when present, must start with it. */
function validateClusterIPs(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const families = arr(spec.ipFamilies as string[]);
  families.forEach((f, i) => {
    if (!IP_FAMILIES.includes(f)) errs.push(fe.notSupported(idx('spec.ipFamilies', i), f, IP_FAMILIES));
  });
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(fe.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  if (spec.ipFamilyPolicy === 'SingleStack' && families.length > 1) {
    errs.push(fe.invalid('spec.ipFamilies', families, 'when spec.ipFamilyPolicy is SingleStack, ipFamilies must contain a single entry'));
  }
  const ip = spec.clusterIP;
  if (ip !== undefined && ip !== null && ip !== '' && ip !== 'None') {
    if (typeof ip !== 'string' || !isIP(ip)) errs.push(fe.invalid('spec.clusterIP', ip, IP_MSG));
    else if ((families[0] ?? 'IPv4') === 'IPv4' && !isIPv4(ip)) {
      errs.push(fe.invalid('spec.clusterIP', ip, 'expected an IPv4 value as indicated by `ipFamilies[0]`'));
    }
  }
  const ips = arr(spec.clusterIPs as string[]);
  if (ips.length > 2) errs.push(fe.invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  if (ips.length > 0 && ip && ips[0] !== ip) errs.push(fe.invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  ips.slice(1).forEach((v, i) => {
    if (v === 'None' || typeof v !== 'string' || !isIP(v)) errs.push(fe.invalid(idx('spec.clusterIPs', i + 1), v, IP_MSG));
  });
  return errs;
}

function validateTypeFields(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const type = spec.type;
  if (!type) errs.push(fe.required('spec.type'));
  else if (!TYPES.includes(type)) errs.push(fe.notSupported('spec.type', type, TYPES));
  if ((type === 'LoadBalancer' || type === 'NodePort') && isHeadless(spec)) {
    errs.push(fe.invalid('spec.clusterIP', 'None', `may not be set to 'None' for ${type} services`));
  }
  if (type === 'ExternalName') {
    if (spec.clusterIP) errs.push(fe.forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
    if (arr(spec.clusterIPs).length > 0) errs.push(fe.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (arr(spec.ipFamilies).length > 0) errs.push(fe.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy) errs.push(fe.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    // A trailing dot marks the CNAME fully qualified.
    const cname = typeof spec.externalName === 'string' ? spec.externalName.replace(/\.$/, '') : '';
    if (!cname) errs.push(fe.required('spec.externalName'));
    else errs.push(...invalidEach('spec.externalName', cname, isDNS1123Subdomain(cname)));
  }
  if (arr(spec.loadBalancerSourceRanges).length > 0) {
    if (type !== 'LoadBalancer') errs.push(fe.forbidden('spec.loadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    arr(spec.loadBalancerSourceRanges as string[]).forEach((r, i) => {
      if (typeof r !== 'string' || !isCIDR(r.trim())) errs.push(fe.invalid(idx('spec.loadBalancerSourceRanges', i), r, CIDR_MSG));
    });
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && type !== 'LoadBalancer') {
    errs.push(fe.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  return errs;
}

function validateAffinity(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const aff = spec.sessionAffinity;
  if (!aff) errs.push(fe.required('spec.sessionAffinity'));
  else if (!AFFINITIES.includes(aff)) errs.push(fe.notSupported('spec.sessionAffinity', aff, AFFINITIES));
  const cfg = spec.sessionAffinityConfig;
  if (aff === 'ClientIP') {
    const t = cfg?.clientIP?.timeoutSeconds;
    if (!isInt(t) || t <= 0 || t > 86400) {
      errs.push(fe.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t ?? 0, 'must be greater than 0 and less than 86400'));
    }
  } else if (aff === 'None' && cfg !== undefined && cfg !== null) {
    errs.push(fe.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  return errs;
}

function validateTrafficPolicies(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const etp = spec.externalTrafficPolicy;
  if (!externallyAccessible(spec)) {
    if (etp) errs.push(fe.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) {
    errs.push(fe.required('spec.externalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(etp)) {
    errs.push(fe.notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  }
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (spec.type !== 'ExternalName' && spec.type) errs.push(fe.required('spec.internalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(itp)) {
    errs.push(fe.notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  }
  return errs;
}

export function validateService(svc: Service): FieldError[] {
  const errs = validateObjectMeta(svc.metadata, { namespaced: true, nameRule: 'dns1035' });
  const spec: Obj = isObj(svc.spec) ? svc.spec : {};
  errs.push(...validateTypeFields(spec));
  errs.push(...validatePorts(spec));
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  errs.push(...validateAffinity(spec));
  errs.push(...validateClusterIPs(spec));
  arr(spec.externalIPs as string[]).forEach((ip, i) => {
    if (typeof ip !== 'string' || !isIP(ip)) errs.push(fe.invalid(idx('spec.externalIPs', i), ip, IP_MSG));
  });
  errs.push(...validateTrafficPolicies(spec));
  return errs;
}

/**
 * A cluster IP is fixed once allocated, except when the Service becomes or stops being
 * an ExternalName (which has none). The registry must copy the old IP into a PUT that
 * omits it before calling this, as Kubernetes does.
 */
export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const next: Obj = isObj(svc.spec) ? svc.spec : {};
  const prev: Obj = isObj(old.spec) ? old.spec : {};
  if (next.type === 'ExternalName' || prev.type === 'ExternalName' || !prev.clusterIP) return [];
  return (next.clusterIP ?? '') === prev.clusterIP ? [] : [fe.immutable('spec.clusterIP', next.clusterIP ?? '')];
}

function validateLoadBalancerIngress(ingress: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(ingress as Obj[]).forEach((ing, i) => {
    const p = idx(path, i);
    if (ing?.ip && (typeof ing.ip !== 'string' || !isIP(ing.ip))) errs.push(fe.invalid(`${p}.ip`, ing.ip, IP_MSG));
    if (ing?.hostname) {
      errs.push(...invalidEach(`${p}.hostname`, ing.hostname, isDNS1123Subdomain(String(ing.hostname))));
      if (isIP(String(ing.hostname))) errs.push(fe.invalid(`${p}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/** Shared with Ingress, whose status has the same load-balancer shape. */
export const validateLoadBalancerStatus = (status: Obj | undefined): FieldError[] =>
  validateLoadBalancerIngress(status?.loadBalancer?.ingress, 'status.loadBalancer.ingress');
