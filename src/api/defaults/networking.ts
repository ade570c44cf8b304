/** Endpoints, EndpointSlice and IngressClass defaults. Ingress has none: pathType is required. */
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { IngressClass } from 'kubernetes-types/networking/v1.js';
import { each, isObj, setIfUnset } from './util.js';

export function defaultEndpoints(ep: Endpoints): void {
  each(ep.subsets, (ss) => each(ss.ports, (p) => setIfUnset(p, 'protocol', 'TCP')));
}

export function defaultEndpointSlice(es: EndpointSlice): void {
  each(es.ports, (p) => {
    setIfUnset(p, 'protocol', 'TCP');
    if (p.name === undefined || p.name === null) p.name = '';
  });
}

export function defaultIngressClass(ic: IngressClass): void {
  if (isObj(ic.spec) && isObj(ic.spec.parameters)) setIfUnset(ic.spec.parameters, 'scope', 'Cluster');
}
