/**
 * The Endpoints a Service should have, computed from the Service and the pods it selects,
 * in one canonical form (sorted, no empty fields) so that "unchanged" is a string compare.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { findPort, isPodReady, podIP, podRef, serviceFamily, shouldPodBeInEndpoints, shouldSetHostname } from './pod-helpers.js';

/** Marks Endpoints this controller writes, so it never deletes hand-made ones it did not see a Service for. */
export const MANAGED_BY_LABEL = 'endpoints.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpoint-controller';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export function endpointPort(sp: ServicePort, port: number): EndpointPort {
  const p: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
  if (sp.name) p.name = sp.name;
  if (sp.appProtocol) p.appProtocol = sp.appProtocol;
  return p;
}

/** The subsets for a Service with a selector, given the pods that selector matches. */
export function desiredSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  // publishNotReadyAddresses: every pod with an IP is published as ready, even terminating ones.
  const tolerate = svc.spec?.publishNotReadyAddresses === true;
  const family = serviceFamily(svc);
  const svcPorts = svc.spec?.ports ?? [];
  // A headless Service may have no ports; its pods are still published, for DNS.
  const portless = svc.spec?.clusterIP === 'None' && svcPorts.length === 0;
  const subsets: EndpointSubset[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerate)) continue;
    const ip = podIP(pod, family);
    if (!ip) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svcPorts) {
      const n = findPort(pod, sp);
      if (n !== undefined) ports.push(endpointPort(sp, n));
    }
    if (!ports.length && !portless) continue;
    const addr: EndpointAddress = { ip, targetRef: podRef(pod) };
    if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
    if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec!.hostname;
    const ready = tolerate || isPodReady(pod);
    subsets.push(ready ? { addresses: [addr], ports } : { notReadyAddresses: [addr], ports });
  }
  return normalizeSubsets(subsets);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function normAddress(a: EndpointAddress): EndpointAddress {
  const out: EndpointAddress = { ip: a.ip };
  if (a.hostname) out.hostname = a.hostname;
  if (a.nodeName) out.nodeName = a.nodeName;
  if (a.targetRef) {
    // resourceVersion is left out: a pod's every status write would otherwise rewrite its Service's Endpoints.
    const r = a.targetRef;
    out.targetRef = { kind: r.kind, namespace: r.namespace, name: r.name, uid: r.uid };
    for (const k of Object.keys(out.targetRef) as (keyof typeof out.targetRef)[]) if (out.targetRef[k] === undefined) delete out.targetRef[k];
  }
  return out;
}

function normPort(p: EndpointPort): EndpointPort {
  const out: EndpointPort = { port: p.port, protocol: p.protocol ?? 'TCP' };
  if (p.name) out.name = p.name;
  if (p.appProtocol) out.appProtocol = p.appProtocol;
  return out;
}

const addressKey = (a: EndpointAddress) => `${a.ip}/${a.targetRef?.uid ?? ''}`;
const portKey = (p: EndpointPort) => `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}`;

/**
 * Canonical subsets: subsets with the same port list merged, every list sorted, empty
 * lists and fields left out. desiredSubsets gives one subset per pod, so merging by port
 * list is the grouping of addresses by the ports they serve.
 */
export function normalizeSubsets(subsets: readonly EndpointSubset[] | undefined): EndpointSubset[] {
  const groups = new Map<string, { ports: EndpointPort[]; ready: Map<string, EndpointAddress>; notReady: Map<string, EndpointAddress> }>();
  for (const s of subsets ?? []) {
    const ports = (s.ports ?? []).map(normPort).sort((a, b) => cmp(portKey(a), portKey(b)));
    const key = ports.map(portKey).join(',');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: new Map(), notReady: new Map() }));
    for (const a of s.addresses ?? []) g.ready.set(addressKey(a), normAddress(a));
    for (const a of s.notReadyAddresses ?? []) g.notReady.set(addressKey(a), normAddress(a));
  }
  const out: { key: string; subset: EndpointSubset }[] = [];
  for (const [key, g] of groups) {
    // An address both ready and not ready (a duplicate from a hand edit) counts as ready.
    for (const k of g.ready.keys()) g.notReady.delete(k);
    if (!g.ready.size && !g.notReady.size) continue;
    const subset: EndpointSubset = {};
    const sorted = (m: Map<string, EndpointAddress>) => [...m].sort((a, b) => cmp(a[0], b[0])).map(([, a]) => a);
    if (g.ready.size) subset.addresses = sorted(g.ready);
    if (g.notReady.size) subset.notReadyAddresses = sorted(g.notReady);
    if (g.ports.length) subset.ports = g.ports;
    out.push({ key, subset });
  }
  return out.sort((a, b) => cmp(a.key, b.key)).map((x) => x.subset);
}

/** The labels the Endpoints of a Service carry: the Service's own, plus the controller's. */
export function desiredLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  delete labels[HEADLESS_LABEL];
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  labels[MANAGED_BY_LABEL] = MANAGED_BY;
  return labels;
}

const sortedEntries = (m: Record<string, string> | undefined) => JSON.stringify(Object.entries(m ?? {}).sort((a, b) => cmp(a[0], b[0])));

/** True when the stored Endpoints already say what the Service wants. */
export function endpointsUpToDate(current: Endpoints, subsets: EndpointSubset[], labels: Record<string, string>): boolean {
  return (
    JSON.stringify(normalizeSubsets(current.subsets)) === JSON.stringify(subsets) && sortedEntries(current.metadata?.labels) === sortedEntries(labels)
  );
}
