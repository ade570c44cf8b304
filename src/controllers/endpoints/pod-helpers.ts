/**
 * What the Endpoints and EndpointSlice controllers both need to know about pods behind a
 * Service: whether a pod counts, which address and port it offers, and which Services
 * select it. Pure functions over API objects.
 */
import type { ObjectReference, Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { selectorFromSet } from '../../machinery/labels.js';

export const isPodReady = (pod: Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Succeeded or Failed: the pod will never serve again. */
export const isPodTerminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/**
 * Whether a pod belongs in a Service's endpoints at all: it needs an IP, must not have
 * finished, and — unless terminating pods are wanted — must not be terminating.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

const isIPv6 = (ip: string) => ip.includes(':');

/** The pod's IP of the given family, or undefined if it has none (a single-stack pod). */
export function podIP(pod: Pod, family: 'IPv4' | 'IPv6'): string | undefined {
  const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)].filter((ip): ip is string => Boolean(ip));
  return ips.find((ip) => isIPv6(ip) === (family === 'IPv6'));
}

/** The address family the Service's endpoints use: its primary IP family, IPv4 by default. */
export const serviceFamily = (svc: Service): 'IPv4' | 'IPv6' => (svc.spec?.ipFamilies?.[0] === 'IPv6' ? 'IPv6' : 'IPv4');

/**
 * The container port a service port reaches on this pod: a numeric targetPort as is, a
 * named one looked up among the pod's container ports (same protocol); undefined when the
 * pod has no such port, which leaves the pod out for that port.
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** A pod gets a DNS hostname under a headless Service when its subdomain names that Service. */
export const shouldSetHostname = (pod: Pod, svc: Service): boolean =>
  Boolean(pod.spec?.hostname) && pod.spec?.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace;

export const podRef = (pod: Pod): ObjectReference => ({
  kind: 'Pod',
  namespace: pod.metadata?.namespace,
  name: pod.metadata?.name,
  uid: pod.metadata?.uid,
});

/**
 * Services with a selector select pods; a missing or empty selector selects none here
 * (an empty map cannot be told from an absent one once it has been through JSON).
 */
export const hasSelector = (svc: Service): boolean => Object.keys(svc.spec?.selector ?? {}).length > 0;

export const selects = (svc: Service, pod: Pod): boolean =>
  hasSelector(svc) && svc.metadata?.namespace === pod.metadata?.namespace && selectorFromSet(svc.spec!.selector!).matches(pod.metadata?.labels);

/**
 * The parts of a pod that endpoints are made of. Pods change often (status heartbeats,
 * annotations); only a change here is worth a resync of the Services selecting them.
 */
export function endpointFingerprint(pod: Pod): string {
  return JSON.stringify([
    pod.metadata?.labels ?? {},
    pod.metadata?.deletionTimestamp ?? '',
    pod.status?.podIP ?? '',
    pod.status?.podIPs ?? [],
    pod.status?.phase ?? '',
    isPodReady(pod),
    pod.spec?.nodeName ?? '',
    pod.spec?.hostname ?? '',
    pod.spec?.subdomain ?? '',
    (pod.spec?.containers ?? []).map((c) => c.ports ?? []),
  ]);
}

/**
 * Index name and function: objects by namespace. The pod and Service informers are shared,
 * and Informer ignores a second indexer under a taken name, so the name is ours alone.
 */
export const NAMESPACE_INDEX = 'endpoints/namespace';
export const byNamespace = (o: { metadata?: { namespace?: string } }): string[] => [o.metadata?.namespace ?? ''];

/** Service keys (`ns/name`) of the Services whose selector matches the pod. */
export function servicesSelecting(services: readonly Service[], pod: Pod): string[] {
  return services.filter((s) => selects(s, pod)).map((s) => `${s.metadata!.namespace}/${s.metadata!.name}`);
}

/** Splits a `namespace/name` queue key. */
export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}
