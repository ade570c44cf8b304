/**
 * What a Service's EndpointSlices should contain: its pods as endpoints, grouped by the
 * ports they serve, plus the metadata every slice of the Service carries.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { findPort, isPodReady, podIP, podRef, serviceFamily, shouldPodBeInEndpoints, shouldSetHostname } from '../endpoints/pod-helpers.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export interface DesiredGroup {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function normPort(p: EndpointPort): EndpointPort {
  const out: EndpointPort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
  if (p.appProtocol) out.appProtocol = p.appProtocol;
  return out;
}

/** Sorted, defaulted ports: slices with equal port lists have equal keys. */
export function normPorts(ports: readonly EndpointPort[] | undefined): EndpointPort[] {
  const key = (p: EndpointPort) => `${p.name}/${p.port}/${p.protocol}/${p.appProtocol ?? ''}`;
  return (ports ?? []).map(normPort).sort((a, b) => cmp(key(a), key(b)));
}

export const portsKey = (ports: readonly EndpointPort[] | undefined): string => JSON.stringify(normPorts(ports));

/** An endpoint is identified by the pod it stands for (or its address, when it has no pod). */
export const endpointKey = (ep: Endpoint): string => ep.targetRef?.uid ?? ep.addresses?.[0] ?? '';

/** The fields this controller writes, in a fixed order, so that equal endpoints compare equal as JSON. */
export function normEndpoint(ep: Endpoint): Endpoint {
  const c = ep.conditions ?? {};
  const out: Endpoint = {
    addresses: [...(ep.addresses ?? [])],
    conditions: { ready: c.ready ?? false, serving: c.serving ?? false, terminating: c.terminating ?? false },
  };
  if (ep.hostname) out.hostname = ep.hostname;
  if (ep.nodeName) out.nodeName = ep.nodeName;
  if (ep.zone) out.zone = ep.zone;
  if (ep.targetRef) {
    // resourceVersion is left out: it would make every pod status write rewrite the slice.
    const r = ep.targetRef;
    out.targetRef = { kind: r.kind, namespace: r.namespace, name: r.name, uid: r.uid };
  }
  return out;
}

export const sameEndpoint = (a: Endpoint, b: Endpoint): boolean => JSON.stringify(normEndpoint(a)) === JSON.stringify(normEndpoint(b));

export function podToEndpoint(pod: Pod, svc: Service, ip: string): Endpoint {
  const podReady = isPodReady(pod);
  const terminating = Boolean(pod.metadata?.deletionTimestamp);
  const publishAll = svc.spec?.publishNotReadyAddresses === true;
  // A terminating pod is never "ready" unless the Service publishes everything; "serving"
  // still says whether it answers, so proxies can fall back to it while it drains.
  const ready = publishAll || (podReady && !terminating);
  const ep: Endpoint = { addresses: [ip], conditions: { ready, serving: podReady, terminating }, targetRef: podRef(pod) };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname;
  return normEndpoint(ep);
}

/** The Service's pods as endpoints, keyed by the port list (portsKey) each pod serves. */
export function desiredGroups(svc: Service, pods: readonly Pod[]): Map<string, DesiredGroup> {
  const family = serviceFamily(svc);
  const groups = new Map<string, DesiredGroup>();
  for (const pod of pods) {
    // Terminating pods stay in slices, marked terminating; only the Endpoints API drops them.
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = podIP(pod, family);
    if (!ip) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const n = findPort(pod, sp);
      if (n !== undefined) ports.push({ name: sp.name ?? '', port: n, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    const norm = normPorts(ports);
    const key = JSON.stringify(norm);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: norm, endpoints: [] }));
    g.endpoints.push(podToEndpoint(pod, svc, ip));
  }
  for (const g of groups.values()) g.endpoints.sort((a, b) => cmp(endpointKey(a), endpointKey(b)));
  return groups;
}

/** The Service's labels (minus the ones this controller owns), plus service-name and managed-by. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  delete labels[HEADLESS_LABEL];
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata!.name!;
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

export const serviceOwnerRef = (svc: Service): OwnerReference => ({
  apiVersion: 'v1',
  kind: 'Service',
  name: svc.metadata!.name!,
  uid: svc.metadata!.uid!,
  controller: true,
  blockOwnerDeletion: true,
});

export const ownedBy = (slice: EndpointSlice, svc: Service): boolean =>
  (slice.metadata?.ownerReferences ?? []).some((r) => r.uid === svc.metadata?.uid);

export function newSlice(svc: Service, ports: EndpointPort[], endpoints: Endpoint[]): EndpointSlice {
  return {
    metadata: {
      generateName: `${svc.metadata!.name}-`,
      namespace: svc.metadata!.namespace,
      labels: sliceLabels(svc),
      ownerReferences: [serviceOwnerRef(svc)],
    },
    addressType: serviceFamily(svc),
    endpoints,
    ports,
  };
}
