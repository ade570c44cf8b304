/**
 * What the EndpointSlice mirroring controller wants for one hand-made Endpoints object:
 * one IPv4 EndpointSlice per subset, so that a Service without a selector reaches its
 * manual endpoints through everything that reads slices (the service proxy, DNS, the
 * ingress) — Kubernetes' endpointslicemirroring controller. Pure.
 */
import type { Endpoints, EndpointAddress, Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isIPv4 } from 'node:net';
import { hasSelector } from '../endpoints/pod-helpers.js';

export const MIRROR_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Set to "true" on an Endpoints object that must not be mirrored. */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';

/** Whether the Endpoints of this Service are the user's to mirror (not the endpoints controller's). */
export function shouldMirror(svc: Service | undefined, ep: Endpoints | undefined): boolean {
  if (!svc || !ep || svc.metadata?.deletionTimestamp || ep.metadata?.deletionTimestamp) return false;
  if (svc.spec?.type === 'ExternalName' || hasSelector(svc)) return false;
  return ep.metadata?.labels?.[SKIP_MIRROR_LABEL] !== 'true';
}

export const mirrorSliceName = (service: string, subset: number) => `${service}-mirror-${subset}`;

function endpoint(a: EndpointAddress, ready: boolean): Endpoint {
  return {
    addresses: [a.ip],
    conditions: { ready, serving: ready, terminating: false },
    ...(a.hostname ? { hostname: a.hostname } : {}),
    ...(a.nodeName ? { nodeName: a.nodeName } : {}),
    ...(a.targetRef ? { targetRef: a.targetRef } : {}),
  };
}

/** The mirrored slices of one Endpoints object, named `<service>-mirror-<subset>`. */
export function mirrorSlices(ep: Endpoints): EndpointSlice[] {
  const ns = ep.metadata!.namespace!;
  const name = ep.metadata!.name!;
  const out: EndpointSlice[] = [];
  (ep.subsets ?? []).forEach((subset, i) => {
    // IPv6 addresses would need a slice of their own type; orch's network is IPv4.
    const endpoints = [
      ...(subset.addresses ?? []).filter((a) => isIPv4(a.ip)).map((a) => endpoint(a, true)),
      ...(subset.notReadyAddresses ?? []).filter((a) => isIPv4(a.ip)).map((a) => endpoint(a, false)),
    ];
    if (!endpoints.length) return;
    out.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: mirrorSliceName(name, i),
        namespace: ns,
        labels: { [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MIRROR_CONTROLLER_NAME },
        // Deleting the Endpoints takes its mirrors along (garbage collector).
        ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name, uid: ep.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      endpoints,
      ports: (subset.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
    });
  });
  return out;
}

/** Whether an existing mirror already says what the desired one does. */
export function sameMirror(have: EndpointSlice, want: EndpointSlice): boolean {
  const key = (s: EndpointSlice) => JSON.stringify([s.addressType, s.endpoints ?? [], s.ports ?? [], s.metadata?.labels ?? {}, (s.metadata?.ownerReferences ?? []).map((r) => r.uid)]);
  return key(have) === key(want);
}
