/**
 * Endpoints (core/v1) and EndpointSlices (discovery.k8s.io/v1): the addresses and ports
 * the proxy and DNS turn into routes and records.
 */
import type { EndpointSubset, Endpoints } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { IP_MSG, isDNS1123Label, isDNS1123Subdomain, isIP, isIPv4, isQualifiedName, isValidPortNum } from './formats.js';
import { arr, idx, immutable, invalidEach, isObj, nonEmptyString, type Obj } from './helpers.js';
import { validateObjectMeta } from './object-meta.js';
import { isIPv6 } from 'node:net';
import { validateProtocol } from './container.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const MAX_ENDPOINTS = 1000;
const MAX_PORTS = 100;
const MAX_ADDRESSES = 100;

const tooMany = (field: string, actual: number, max: number): FieldError => ({
  type: 'FieldValueTooMany',
  field,
  value: actual,
  detail: `must have at most ${max} items`,
});

function optionalName(v: unknown, path: string, check: (s: string) => string[]): FieldError[] {
  return nonEmptyString(v) ? invalidEach(path, v, check(v)) : [];
}

function subset(ss: EndpointSubset, path: string): FieldError[] {
  if (!isObj(ss)) return [fe.invalid(path, ss, 'must be an endpoint subset')];
  const errs: FieldError[] = [];
  if (arr(ss.addresses).length === 0 && arr(ss.notReadyAddresses).length === 0) {
    errs.push(fe.required(path, 'must specify `addresses` or `notReadyAddresses`'));
  }
  for (const list of ['addresses', 'notReadyAddresses'] as const) {
    arr(ss[list]).forEach((a, i) => {
      const p = idx(`${path}.${list}`, i);
      if (typeof a?.ip !== 'string' || !isIP(a.ip)) errs.push(fe.invalid(`${p}.ip`, a?.ip, IP_MSG));
      errs.push(...optionalName(a?.hostname, `${p}.hostname`, isDNS1123Label));
      errs.push(...optionalName(a?.nodeName, `${p}.nodeName`, isDNS1123Subdomain));
    });
  }
  const ports = arr(ss.ports);
  ports.forEach((port, i) => {
    const p = idx(`${path}.ports`, i);
    if (ports.length > 1 && !port?.name) errs.push(fe.required(`${p}.name`));
    else errs.push(...optionalName(port?.name, `${p}.name`, isDNS1123Label));
    errs.push(...invalidEach(`${p}.port`, port?.port, isValidPortNum(port?.port)));
    errs.push(...validateProtocol(port?.protocol, `${p}.protocol`));
  });
  return errs;
}

export function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs = validateObjectMeta(ep.metadata, { namespaced: true, nameRule: 'subdomain' });
  arr(ep.subsets).forEach((ss, i) => errs.push(...subset(ss, idx('subsets', i))));
  return errs;
}

function sliceAddress(type: string | undefined, addr: unknown, path: string): FieldError[] {
  const v = typeof addr === 'string' ? addr : '';
  switch (type) {
    case 'IPv4':
      return isIPv4(v) ? [] : [fe.invalid(path, addr, 'must be a valid IPv4 address')];
    case 'IPv6':
      return isIPv6(v) ? [] : [fe.invalid(path, addr, 'must be a valid IPv6 address')];
    case 'FQDN':
      return invalidEach(path, addr, isDNS1123Subdomain(v));
    default:
      return [];
  }
}

export function validateEndpointSlice(es: EndpointSlice): FieldError[] {
  const errs = validateObjectMeta(es.metadata, { namespaced: true, nameRule: 'subdomain' });
  const type = es.addressType;
  if (!type) errs.push(fe.required('addressType'));
  else if (!ADDRESS_TYPES.includes(type)) errs.push(fe.notSupported('addressType', type, ADDRESS_TYPES));
  const endpoints = arr(es.endpoints);
  if (endpoints.length > MAX_ENDPOINTS) errs.push(tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  endpoints.forEach((ep, i) => {
    const p = idx('endpoints', i);
    const addrs = arr(ep?.addresses);
    if (addrs.length === 0) errs.push(fe.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > MAX_ADDRESSES) errs.push(tooMany(`${p}.addresses`, addrs.length, MAX_ADDRESSES));
    addrs.forEach((a, j) => errs.push(...sliceAddress(type, a, idx(`${p}.addresses`, j))));
    errs.push(...optionalName(ep?.nodeName, `${p}.nodeName`, isDNS1123Subdomain));
    errs.push(...optionalName(ep?.hostname, `${p}.hostname`, isDNS1123Label));
  });
  const ports = arr(es.ports);
  if (ports.length > MAX_PORTS) errs.push(tooMany('ports', ports.length, MAX_PORTS));
  const names = new Set<string>();
  ports.forEach((port: Obj, i) => {
    const p = idx('ports', i);
    const name = port?.name ?? '';
    if (name) errs.push(...invalidEach(`${p}.name`, name, isDNS1123Label(String(name))));
    if (names.has(name)) errs.push(fe.duplicate(`${p}.name`, name));
    names.add(name);
    if (port?.port !== undefined && port?.port !== null) errs.push(...invalidEach(`${p}.port`, port.port, isValidPortNum(port.port)));
    errs.push(...validateProtocol(port?.protocol, `${p}.protocol`));
    if (port?.appProtocol) errs.push(...invalidEach(`${p}.appProtocol`, port.appProtocol, isQualifiedName(String(port.appProtocol))));
  });
  return errs;
}

export const validateEndpointSliceUpdate = (es: EndpointSlice, old: EndpointSlice): FieldError[] =>
  immutable('addressType', es.addressType, old.addressType);
