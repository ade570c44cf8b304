/**
 * From Services and EndpointSlices to what the rules are made of: one entry per service port
 * with its addresses and the endpoints traffic may go to. Pure, sorted, deterministic.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { cidrContains, ipToInt } from '../machinery/cidr.js';
import { isLoopback, type ResolvedRulesConfig } from './config.js';

export interface ProxyState {
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
}

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface EndpointInfo {
  ip: string;
  port: number;
  /** `ip:port` */
  addr: string;
}

export interface ServicePortInfo {
  /** `namespace/name:portName`, or `namespace/name` for an unnamed port (kube-proxy's ServicePortName). */
  key: string;
  namespace: string;
  name: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  /** Set only when inside the configured node-port range and the protocol has a node-port hook. */
  nodePort: number | undefined;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** ClientIP affinity timeout, when sessionAffinity is ClientIP. */
  affinitySeconds: number | undefined;
  /** Ready endpoints, or serving-and-terminating ones when none is ready; sorted. */
  endpoints: EndpointInfo[];
}

export interface SkippedService {
  key: string;
  reason: string;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Services carrying this label are handled by another proxy (kube-proxy honours it too). */
export const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';
const DEFAULT_AFFINITY_SECONDS = 10800;

const PROTOCOLS: Record<string, Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/** A unicast IPv4 address traffic can be sent to (not loopback, unspecified, multicast or broadcast). */
function usableIp(ip: unknown): ip is string {
  if (typeof ip !== 'string') return false;
  const n = ipToInt(ip);
  if (n === undefined) return false;
  const first = n >>> 24;
  return first !== 0 && first !== 127 && first < 224;
}

const byIp = (a: string, b: string) => ipToInt(a)! - ipToInt(b)!;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Slices grouped by `namespace/service`. */
export function slicesByService(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc || s.addressType !== 'IPv4') continue;
    const k = `${s.metadata?.namespace ?? ''}/${svc}`;
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(s);
  }
  return out;
}

/**
 * The slice port a service port maps to. Slices name their ports after the Service's ports
 * (the controller resolves named targetPorts into numbers there); a hand-written slice that
 * names the port after the targetPort instead is accepted too.
 */
function slicePortFor(sp: ServicePort, ports: readonly EndpointPort[] | undefined): EndpointPort | undefined {
  const proto = sp.protocol ?? 'TCP';
  const candidates = (ports ?? []).filter((p) => (p.protocol ?? 'TCP') === proto && typeof p.port === 'number');
  const byName = candidates.find((p) => (p.name ?? '') === (sp.name ?? ''));
  if (byName) return byName;
  if (typeof sp.targetPort === 'string') return candidates.find((p) => p.name === sp.targetPort);
  return undefined;
}

function endpointsFor(sp: ServicePort, slices: readonly EndpointSlice[]): EndpointInfo[] {
  const ready = new Map<string, EndpointInfo>();
  const fallback = new Map<string, EndpointInfo>();
  for (const slice of slices) {
    const p = slicePortFor(sp, slice.ports);
    if (!p || !p.port || p.port < 1 || p.port > 65535) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!usableIp(ip)) continue;
      const c = ep.conditions ?? {};
      // As in Kubernetes: unset ready means ready; unset serving means whatever ready says.
      const isReady = c.ready ?? true;
      const serving = c.serving ?? isReady;
      const info = { ip, port: p.port, addr: `${ip}:${p.port}` };
      if (isReady && !c.terminating) ready.set(info.addr, info);
      else if (serving && c.terminating) fallback.set(info.addr, info);
    }
  }
  // Terminating-but-serving endpoints take traffic only when nothing is ready, so a rolling
  // restart of the last pod does not refuse connections while its successor starts.
  const chosen = ready.size > 0 ? ready : fallback;
  return [...chosen.values()]
    .map((e) => ({ e, n: ipToInt(e.ip)! }))
    .sort((a, b) => a.n - b.n || a.e.port - b.e.port)
    .map((x) => x.e);
}

/**
 * LoadBalancer addresses: unicast ones, and a loopback one only when it is one of this
 * node's addresses (ServiceLB hands out node addresses; a one-machine node's is 127.0.0.1).
 */
const lbIPs = (svc: Service, cfg: ResolvedRulesConfig): string[] =>
  (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => usableIp(ip) || (typeof ip === 'string' && isLoopback(ip) && cfg.nodeIPs.includes(ip)));

/** The proxied ports of one Service (sorted), or why it is skipped. */
export function servicePortsOf(svc: Service, svcSlices: readonly EndpointSlice[], cfg: ResolvedRulesConfig): { ports: ServicePortInfo[]; skipped: SkippedService[] } {
  const ports: ServicePortInfo[] = [];
  const skipped: SkippedService[] = [];
  const [npLo, npHi] = cfg.nodePortRange;
  const ns = svc.metadata?.namespace ?? '';
  const name = svc.metadata?.name ?? '';
  const spec = svc.spec;
  const id = `${ns}/${name}`;
  if (!spec || spec.type === 'ExternalName') return { ports, skipped };
  const cip = spec.clusterIP;
  if (!cip || cip === 'None') return { ports, skipped }; // headless: DNS answers with pod IPs, no rules
  if (svc.metadata?.labels?.[SERVICE_PROXY_NAME_LABEL] !== undefined) {
    skipped.push({ key: id, reason: `label ${SERVICE_PROXY_NAME_LABEL} hands it to another proxy` });
    return { ports, skipped };
  }
  const n = ipToInt(cip);
  if (n === undefined || !cidrContains(cfg.serviceCidr, n)) {
    skipped.push({ key: id, reason: `clusterIP ${cip} is outside the service CIDR ${cfg.serviceCidr.text}` });
    return { ports, skipped };
  }
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const externalIPs = [...new Set((spec.externalIPs ?? []).filter(usableIp))].sort(byIp);
  const lb = spec.type === 'LoadBalancer' ? [...new Set(lbIPs(svc, cfg))].sort(byIp) : [];
  const affinitySeconds = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : undefined;
  for (const sp of spec.ports ?? []) {
    const protocol = PROTOCOLS[sp.protocol ?? 'TCP'];
    const key = sp.name ? `${id}:${sp.name}` : id;
    if (!protocol) {
      skipped.push({ key, reason: `protocol ${sp.protocol} is not proxied` });
      continue;
    }
    if (!Number.isInteger(sp.port) || sp.port < 1 || sp.port > 65535) continue;
    // SCTP node ports would need a third hook rule per chain; ClusterIP SCTP is served.
    const np = external && sp.nodePort && sp.nodePort >= npLo && sp.nodePort <= npHi && protocol !== 'sctp' ? sp.nodePort : undefined;
    if (external && sp.nodePort && np === undefined) skipped.push({ key, reason: `nodePort ${sp.nodePort}/${protocol} is outside the node-port range ${npLo}-${npHi}` });
    ports.push({
      key,
      namespace: ns,
      name,
      protocol,
      clusterIP: cip,
      port: sp.port,
      nodePort: np,
      externalIPs,
      loadBalancerIPs: lb,
      affinitySeconds,
      endpoints: endpointsFor(sp, svcSlices),
    });
  }
  ports.sort((a, b) => cmp(a.key, b.key) || cmp(a.protocol, b.protocol) || a.port - b.port);
  return { ports, skipped };
}

/** Services in rule order: by namespace/name. */
export const sortedServices = (services: readonly Service[]): Service[] =>
  [...services].sort((a, b) => cmp(a.metadata?.namespace ?? '', b.metadata?.namespace ?? '') || cmp(a.metadata?.name ?? '', b.metadata?.name ?? ''));

export function collectServicePorts(state: ProxyState, cfg: ResolvedRulesConfig): { ports: ServicePortInfo[]; skipped: SkippedService[] } {
  const slices = slicesByService(state.endpointSlices);
  const ports: ServicePortInfo[] = [];
  const skipped: SkippedService[] = [];
  for (const svc of sortedServices(state.services)) {
    const r = servicePortsOf(svc, slices.get(`${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`) ?? [], cfg);
    ports.push(...r.ports);
    skipped.push(...r.skipped);
  }
  return { ports, skipped };
}
