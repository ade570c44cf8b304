/**
 * The routing table: a pure function of the Ingresses, Services, EndpointSlices and TLS
 * Secrets in the cache. The controller rebuilds it on every relevant change and swaps it
 * in whole; a request in flight keeps the backend it was given, so a swap never disturbs it.
 *
 * Precedence, as networking.k8s.io/v1 describes it and where it leaves a choice:
 *  - hosts: an exact host before a wildcard one ("*.example.com" covers one label), and
 *    both before rules without a host; a request whose host's rules have no matching path
 *    falls through to the next of these, then to a default backend;
 *  - paths within a host: the longest path, Exact before Prefix on a tie, then the older
 *    Ingress (creationTimestamp, then namespace/name), so the same rule in two Ingresses
 *    resolves the same way on every rebuild;
 *  - default backend: that of the oldest Ingress with rules for the request's host, else
 *    that of the oldest Ingress with one; else the proxy answers 404.
 */
import type { Secret, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';
import { servesIngress, type ClassFilter } from './ingress-class.js';
import { compilePath, comparePaths, matchesPath, normalizeHost, wildcardKey, type CompiledPath } from './paths.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface Endpoint {
  address: string;
  port: number;
  /** "10.244.0.5:8080" or "[fd00::5]:8080": names the upstream connection pool. */
  key: string;
}

export interface Backend {
  /** "namespace/service:port". */
  id: string;
  namespace: string;
  service: string;
  port: string | number;
  /** Ready endpoints, in a stable order (round-robin resumes in place across rebuilds). */
  endpoints: Endpoint[];
  /** Why this backend can never be served (answered with 503), e.g. its Service is missing. */
  unavailable?: string;
}

export interface PathRoute extends CompiledPath {
  backend: Backend;
  /** The Ingress ("namespace/name") the rule came from. */
  ingress: string;
}

export interface HostRoutes {
  /** In precedence order: the first that matches wins. */
  paths: PathRoute[];
  defaultBackend?: Backend;
}

export interface TlsEntry {
  /** The Secret, "namespace/name". */
  secret: string;
  resourceVersion: string;
  certPem: string;
  keyPem: string;
  /** The Ingresses naming this secret for the host, oldest first. */
  ingresses: string[];
}

/** A configuration error, reported as a Warning Event on the Ingress. */
export interface Problem {
  ingress: string;
  reason: 'ServiceNotFound' | 'SecretNotFound' | 'InvalidBackend' | 'InvalidSecret';
  message: string;
}

export interface RouteTable {
  exact: Map<string, HostRoutes>;
  /** By wildcard key: "*.example.com" is kept under ".example.com". */
  wildcard: Map<string, HostRoutes>;
  catchAll?: HostRoutes;
  defaultBackend?: Backend;
  /** Certificates by SNI name: "foo.example.com", or "*.example.com" for a wildcard. */
  tls: Map<string, TlsEntry>;
  /** The Ingresses this table serves ("namespace/name"). */
  served: Set<string>;
  problems: Problem[];
  /** What the table was built from, so changes to anything else need no rebuild. */
  references: { services: Set<string>; secrets: Set<string> };
  /** Every endpoint key in the table: upstream pools of others may be closed. */
  endpointKeys: Set<string>;
  /** Every backend id in the table. */
  backendIds: Set<string>;
}

export const emptyRouteTable = (): RouteTable => ({
  exact: new Map(),
  wildcard: new Map(),
  tls: new Map(),
  served: new Set(),
  problems: [],
  references: { services: new Set(), secrets: new Set() },
  endpointKeys: new Set(),
  backendIds: new Set(),
});

const keyOf = (o: { metadata?: { namespace?: string; name?: string } }): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

function olderFirst(a: Ingress, b: Ingress): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = keyOf(a);
  const kb = keyOf(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

interface Resolved {
  backend: Backend;
  problem?: Omit<Problem, 'ingress'>;
}

/** Builds the routing table. Never throws: bad configuration becomes `problems`. */
export function buildRoutes(
  ingresses: readonly Ingress[],
  services: readonly Service[],
  slices: readonly EndpointSlice[],
  secrets: readonly Secret[],
  classFilter: ClassFilter,
): RouteTable {
  const table = emptyRouteTable();
  const serviceByKey = new Map(services.map((s) => [keyOf(s), s]));
  const secretByKey = new Map(secrets.map((s) => [keyOf(s), s]));
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const k = `${s.metadata?.namespace ?? ''}/${svc}`;
    let list = slicesByService.get(k);
    if (!list) slicesByService.set(k, (list = []));
    list.push(s);
  }
  const resolved = new Map<string, Resolved>();

  const backendFor = (ingKey: string, ns: string, ib: IngressBackend | undefined, problems: Map<string, Problem>): Backend => {
    const r = resolveBackend(ns, ib, serviceByKey, slicesByService, resolved, table);
    if (r.problem) {
      const p = { ingress: ingKey, ...r.problem };
      problems.set(`${p.reason}/${p.message}`, p);
    }
    return r.backend;
  };

  const hostRoutes = (host: string): HostRoutes => {
    let map: Map<string, HostRoutes>;
    let k: string;
    if (!host) {
      return (table.catchAll ??= { paths: [] });
    } else if (host.startsWith('*.')) {
      map = table.wildcard;
      k = host.slice(1);
    } else {
      map = table.exact;
      k = host;
    }
    let hr = map.get(k);
    if (!hr) map.set(k, (hr = { paths: [] }));
    return hr;
  };

  const ours = ingresses.filter((i) => servesIngress(classFilter, i)).sort(olderFirst);
  for (const ing of ours) {
    const ingKey = keyOf(ing);
    const ns = ing.metadata?.namespace ?? '';
    const problems = new Map<string, Problem>();
    table.served.add(ingKey);
    const spec = ing.spec ?? {};
    const defaultBackend = spec.defaultBackend ? backendFor(ingKey, ns, spec.defaultBackend, problems) : undefined;
    if (defaultBackend) table.defaultBackend ??= defaultBackend;
    const ruleHosts: string[] = [];
    for (const rule of spec.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase();
      if (host) ruleHosts.push(host);
      const hr = hostRoutes(host);
      if (host && defaultBackend) hr.defaultBackend ??= defaultBackend;
      for (const p of rule.http?.paths ?? []) {
        const backend = backendFor(ingKey, ns, p.backend, problems);
        hr.paths.push({ ...compilePath(p.pathType, p.path), backend, ingress: ingKey });
      }
    }
    for (const tls of spec.tls ?? []) {
      // Without hosts, a certificate covers every host of the Ingress's rules.
      const hosts = tls.hosts?.length ? tls.hosts.map((h) => h.toLowerCase()) : ruleHosts;
      // Without a secret, the hosts get the controller's default certificate.
      if (!tls.secretName) continue;
      const secretKey = `${ns}/${tls.secretName}`;
      table.references.secrets.add(secretKey);
      const secret = secretByKey.get(secretKey);
      const pem = secret && tlsPem(secret);
      if (!secret) {
        problems.set(`SecretNotFound/${secretKey}`, {
          ingress: ingKey,
          reason: 'SecretNotFound',
          message: `TLS Secret ${secretKey} (type kubernetes.io/tls) not found; serving the default certificate for ${hosts.join(', ') || 'its hosts'}`,
        });
        continue;
      }
      if (!pem) {
        problems.set(`InvalidSecret/${secretKey}`, {
          ingress: ingKey,
          reason: 'InvalidSecret',
          message: `TLS Secret ${secretKey} has no tls.crt and tls.key; serving the default certificate`,
        });
        continue;
      }
      for (const h of hosts) {
        const cur = table.tls.get(h);
        if (!cur) table.tls.set(h, { secret: secretKey, resourceVersion: secret.metadata?.resourceVersion ?? '', ...pem, ingresses: [ingKey] });
        else if (cur.secret === secretKey && !cur.ingresses.includes(ingKey)) cur.ingresses.push(ingKey);
      }
    }
    table.problems.push(...problems.values());
  }

  // Ingresses were visited oldest first and the sort is stable: equal paths stay in age order.
  const sortHost = (hr: HostRoutes) => hr.paths.sort(comparePaths);
  for (const hr of table.exact.values()) sortHost(hr);
  for (const hr of table.wildcard.values()) sortHost(hr);
  if (table.catchAll) sortHost(table.catchAll);
  return table;
}

function tlsPem(secret: Secret): { certPem: string; keyPem: string } | undefined {
  const crt = secret.data?.['tls.crt'];
  const key = secret.data?.['tls.key'];
  if (!crt || !key) return undefined;
  return { certPem: Buffer.from(crt, 'base64').toString('utf8'), keyPem: Buffer.from(key, 'base64').toString('utf8') };
}

function resolveBackend(
  ns: string,
  ib: IngressBackend | undefined,
  services: Map<string, Service>,
  slicesByService: Map<string, EndpointSlice[]>,
  cache: Map<string, Resolved>,
  table: RouteTable,
): Resolved {
  const svcName = ib?.service?.name ?? '';
  const port = ib?.service?.port?.name || ib?.service?.port?.number || '';
  const id = `${ns}/${svcName}:${port}`;
  const hit = cache.get(id);
  if (hit) return hit;
  const r = resolveUncached(id, ns, svcName, port, ib, services, slicesByService, table);
  cache.set(id, r);
  table.backendIds.add(id);
  for (const ep of r.backend.endpoints) table.endpointKeys.add(ep.key);
  return r;
}

function resolveUncached(
  id: string,
  ns: string,
  svcName: string,
  port: string | number,
  ib: IngressBackend | undefined,
  services: Map<string, Service>,
  slicesByService: Map<string, EndpointSlice[]>,
  table: RouteTable,
): Resolved {
  const backend: Backend = { id, namespace: ns, service: svcName, port, endpoints: [] };
  const fail = (reason: Problem['reason'], message: string): Resolved => ({ backend: { ...backend, unavailable: message }, problem: { reason, message } });
  if (ib?.resource) return fail('InvalidBackend', `resource backend ${ib.resource.kind}/${ib.resource.name} is not supported; only service backends are`);
  if (!svcName || !port) return fail('InvalidBackend', 'backend names no service port');
  const svcKey = `${ns}/${svcName}`;
  table.references.services.add(svcKey);
  const svc = services.get(svcKey);
  if (!svc) return fail('ServiceNotFound', `Service ${svcKey} not found`);
  if (svc.spec?.type === 'ExternalName') return fail('InvalidBackend', `Service ${svcKey} is of type ExternalName, which is not supported as a backend`);
  const svcPort: ServicePort | undefined = (svc.spec?.ports ?? []).find((p) => (typeof port === 'number' ? p.port === port : p.name === port));
  if (!svcPort) return fail('InvalidBackend', `Service ${svcKey} has no port ${typeof port === 'number' ? port : JSON.stringify(port)}`);
  if ((svcPort.protocol ?? 'TCP') !== 'TCP') return fail('InvalidBackend', `port ${port} of Service ${svcKey} is ${svcPort.protocol}, not TCP`);
  // Slices name their ports after the Service's ports ('' for the one unnamed port).
  const portName = svcPort.name ?? '';
  const seen = new Set<string>();
  for (const slice of slicesByService.get(svcKey) ?? []) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const sp = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === 'TCP');
    if (!sp?.port) continue;
    for (const ep of slice.endpoints ?? []) {
      // An unset ready condition means ready (discovery.k8s.io/v1); terminating ones are not.
      if (ep.conditions?.ready === false) continue;
      const address = ep.addresses?.[0];
      if (!address) continue;
      const key = address.includes(':') ? `[${address}]:${sp.port}` : `${address}:${sp.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      backend.endpoints.push({ address, port: sp.port, key });
    }
  }
  backend.endpoints.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { backend };
}

/**
 * The backend for a request: its host's rules, then wildcard, then host-less rules; then
 * a default backend. undefined: nothing matches (404).
 */
export function lookupRoute(table: RouteTable, rawHost: string | undefined, path: string): Backend | undefined {
  const host = normalizeHost(rawHost);
  const exact = host ? table.exact.get(host) : undefined;
  const wk = host ? wildcardKey(host) : undefined;
  const wild = wk ? table.wildcard.get(wk) : undefined;
  return (
    firstMatch(exact, path) ??
    firstMatch(wild, path) ??
    firstMatch(table.catchAll, path) ??
    exact?.defaultBackend ??
    wild?.defaultBackend ??
    table.defaultBackend
  );
}

function firstMatch(hr: HostRoutes | undefined, path: string): Backend | undefined {
  if (!hr) return undefined;
  for (const r of hr.paths) if (matchesPath(r, path)) return r.backend;
  return undefined;
}

/** The certificate for an SNI name: exact, then wildcard; undefined for the default one. */
export function lookupTls(table: RouteTable, servername: string | undefined): TlsEntry | undefined {
  const host = normalizeHost(servername);
  if (!host) return undefined;
  const exact = table.tls.get(host);
  if (exact) return exact;
  const wk = wildcardKey(host);
  return wk ? table.tls.get(`*${wk}`) : undefined;
}
