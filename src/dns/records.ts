/**
 * The cluster zone in memory: Services, their ready endpoints (merged from EndpointSlices)
 * and namespaces, kept in maps keyed the way queries ask (namespace -> service, IP ->
 * names), so that answering is a few map lookups whatever the cluster's size. Answers follow
 * CoreDNS's kubernetes plugin (and the Kubernetes DNS specification it implements):
 *
 * - `<svc>.<ns>.svc.<zone>` A/AAAA: the cluster IPs; for a headless Service the ready
 *   endpoint addresses; for an ExternalName Service a CNAME (followed when it points into
 *   the zone).
 * - `<endpoint>.<svc>.<ns>.svc.<zone>`: an endpoint by hostname, or by dashed IP.
 * - `_<port>._<proto>.<svc>.<ns>.svc.<zone>` SRV (and SRV on the Service name for every
 *   port): target the Service name, or each endpoint's name for headless Services, with
 *   addresses in the additional section.
 * - `<a-b-c-d>.<ns>.pod.<zone>`: the IP in the name (`pods insecure`).
 * - PTR for cluster IPs and endpoint addresses.
 * - NXDOMAIN for names that do not exist, NODATA for names that exist without the type
 *   asked; both carry the zone's SOA for negative caching.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { dashedIp, ipFromDashed, labelsInZone, normalizeName, parseClusterName, parseReverseName, type ClusterName } from './names.js';
import { RCODE, TYPE, ipKey, type Answer, type ResourceRecord } from './wire.js';

/** The version of the Kubernetes DNS specification answered at `dns-version.<zone>`. */
export const DNS_SCHEMA_VERSION = '1.1.0';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** CNAME chains inside the zone are followed at most this deep (CoreDNS: 8). */
const MAX_CNAME_DEPTH = 8;

interface PortEntry {
  /** Lower-cased; '' for an unnamed port. */
  name: string;
  /** Lower-cased: tcp, udp, sctp; '' with port -1 for an endpoint that lists no ports. */
  protocol: string;
  /** -1: the endpoint lists no ports (it still has A records, but no SRV). */
  port: number;
}

interface EndpointEntry {
  ip: string;
  v6: boolean;
  /** Its name under the Service: the hostname, or the dashed IP. */
  label: string;
  ports: PortEntry[];
  /** `<label>.<svc>.<ns>.svc.<zone>`, set when merged into a Service. */
  fqdn: string;
}

interface ServiceEntry {
  namespace: string;
  name: string;
  /** `<svc>.<ns>.svc.<zone>` */
  fqdn: string;
  type: 'ClusterIP' | 'Headless' | 'ExternalName';
  ips: string[];
  /** Normalised (lower case, no trailing dot). */
  externalName: string;
  ports: PortEntry[];
  /** Ready endpoint addresses from every slice of the Service, deduplicated. */
  endpoints: EndpointEntry[];
}

/** One answer source before it is shaped into records for the type asked. */
type Item = { ip: string; v6: boolean; port: number; target: string } | { cname: string };

export interface QuestionLike {
  /** The name as asked (case kept): owner of the answer records. */
  name: string;
  /** Its labels, lower-cased. */
  lower: string[];
  type: number;
}

export interface ClusterRecordsOptions {
  /** e.g. cluster.local */
  domain: string;
  ttl: number;
  /** Seconds since the epoch, for the SOA serial (tests pin it). */
  now?: () => number;
}

export class ClusterRecords {
  readonly domain: string;
  private readonly zone: string[];
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly namespaces = new Set<string>();
  /** namespace -> service name -> entry. */
  private readonly services = new Map<string, Map<string, ServiceEntry>>();
  /** `ns/service` -> slice name -> its ready endpoints; kept even while the Service is absent. */
  private readonly slices = new Map<string, Map<string, EndpointEntry[]>>();
  /** ipKey -> `ns/name` of Services with that cluster IP. */
  private readonly serviceByIp = new Map<string, Set<string>>();
  /** ipKey -> endpoint names (`<label>.<svc>.<ns>.svc.<zone>`). */
  private readonly endpointByIp = new Map<string, Set<string>>();
  private serialValue: number;
  /** Bumped on every change: lets a response cache know it is stale. */
  generation = 0;

  constructor(opts: ClusterRecordsOptions) {
    this.domain = normalizeName(opts.domain);
    this.zone = this.domain.split('.');
    this.ttl = opts.ttl;
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    this.serialValue = this.now();
  }

  /** The SOA serial: when the zone last changed (seconds since the epoch, as CoreDNS). */
  get serial(): number {
    return this.serialValue >>> 0;
  }

  private changed(): void {
    this.generation++;
    this.serialValue = this.now();
  }

  // ---- updates (from informers) --------------------------------------------------------------

  setNamespace(name: string): void {
    if (this.namespaces.has(name)) return;
    this.namespaces.add(name);
    this.changed();
  }

  deleteNamespace(name: string): void {
    if (this.namespaces.delete(name)) this.changed();
  }

  setService(svc: Service): void {
    const ns = svc.metadata?.namespace;
    const name = svc.metadata?.name;
    if (!ns || !name) return;
    const spec = svc.spec ?? {};
    const type = spec.type === 'ExternalName' ? 'ExternalName' : spec.clusterIP === 'None' ? 'Headless' : 'ClusterIP';
    const ips = type === 'ClusterIP' ? (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => isIPv4(ip) || isIPv6(ip)) : [];
    const entry: ServiceEntry = {
      namespace: ns,
      name,
      fqdn: `${name}.${ns}.svc.${this.domain}`,
      type,
      ips,
      externalName: type === 'ExternalName' ? normalizeName(spec.externalName ?? '') : '',
      ports: (spec.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port })),
      endpoints: this.mergeSlices(`${ns}/${name}`),
    };
    this.replace(ns, name, entry);
  }

  deleteService(ns: string, name: string): void {
    this.replace(ns, name, undefined);
  }

  setEndpointSlice(slice: EndpointSlice): void {
    const key = sliceServiceKey(slice);
    if (!key) return;
    let bySlice = this.slices.get(key);
    if (!bySlice) this.slices.set(key, (bySlice = new Map()));
    bySlice.set(slice.metadata!.name!, readyEndpoints(slice));
    this.refreshEndpoints(key);
  }

  deleteEndpointSlice(slice: EndpointSlice): void {
    const key = sliceServiceKey(slice);
    const bySlice = key ? this.slices.get(key) : undefined;
    if (!key || !bySlice?.delete(slice.metadata!.name!)) return;
    if (bySlice.size === 0) this.slices.delete(key);
    this.refreshEndpoints(key);
  }

  private refreshEndpoints(key: string): void {
    const [ns, name] = key.split('/');
    const old = this.services.get(ns)?.get(name);
    if (old) this.replace(ns, name, { ...old, endpoints: this.mergeSlices(key) });
    else this.changed();
  }

  private mergeSlices(key: string): EndpointEntry[] {
    const bySlice = this.slices.get(key);
    if (!bySlice) return [];
    const [ns, name] = key.split('/');
    const suffix = `.${name}.${ns}.svc.${this.domain}`;
    // The same address can sit in two slices for a moment while the controller moves it.
    const seen = new Map<string, EndpointEntry>();
    for (const eps of bySlice.values()) {
      for (const ep of eps) {
        const k = `${ep.label}|${ep.ip}`;
        const prev = seen.get(k);
        if (!prev) seen.set(k, { ...ep, ports: [...ep.ports], fqdn: ep.label + suffix });
        else for (const p of ep.ports) if (!prev.ports.some((q) => q.name === p.name && q.protocol === p.protocol && q.port === p.port)) prev.ports.push(p);
      }
    }
    return [...seen.values()];
  }

  private replace(ns: string, name: string, entry: ServiceEntry | undefined): void {
    let byName = this.services.get(ns);
    const old = byName?.get(name);
    if (old) this.unindex(old);
    if (entry) {
      if (!byName) this.services.set(ns, (byName = new Map()));
      byName.set(name, entry);
      this.index(entry);
    } else if (byName) {
      byName.delete(name);
      if (byName.size === 0) this.services.delete(ns);
    }
    this.changed();
  }

  private index(e: ServiceEntry): void {
    const key = `${e.namespace}/${e.name}`;
    for (const ip of e.ips) addTo(this.serviceByIp, ipKey(ip)!, key);
    for (const ep of e.endpoints) addTo(this.endpointByIp, ipKey(ep.ip)!, ep.fqdn);
  }

  private unindex(e: ServiceEntry): void {
    const key = `${e.namespace}/${e.name}`;
    for (const ip of e.ips) removeFrom(this.serviceByIp, ipKey(ip)!, key);
    for (const ep of e.endpoints) removeFrom(this.endpointByIp, ipKey(ep.ip)!, ep.fqdn);
  }

  private namespaceExists(ns: string): boolean {
    // A Service can arrive before its namespace does (separate watches): it proves the namespace.
    return this.namespaces.has(ns) || this.services.has(ns);
  }

  // ---- answers ------------------------------------------------------------------------------

  /** Whether a (lower-cased) name is inside the cluster domain. */
  inZone(lower: string[]): boolean {
    return labelsInZone(lower, this.zone) !== undefined;
  }

  /**
   * The answer for a question in the cluster domain, or for a PTR of an address the
   * cluster knows; undefined means "not ours": forward it.
   */
  resolve(q: QuestionLike): Answer | undefined {
    const rest = labelsInZone(q.lower, this.zone);
    if (rest) return this.resolveInZone(q, parseClusterName(rest), 0);
    if (q.type === TYPE.PTR) {
      const rev = parseReverseName(q.lower);
      const names = rev ? this.reverse(rev.ip) : [];
      if (names.length) return this.ok(names.map((target) => ({ name: q.name, ttl: this.ttl, type: 'PTR', target })));
    }
    return undefined;
  }

  /** The names of an address: a Service's cluster IP wins over endpoint addresses. */
  reverse(ip: string): string[] {
    const k = ipKey(ip);
    if (!k) return [];
    const svc = this.serviceByIp.get(k);
    if (svc?.size) {
      const [ns, name] = [...svc].sort()[0].split('/');
      return [`${name}.${ns}.svc.${this.domain}`];
    }
    return [...(this.endpointByIp.get(k) ?? [])].sort();
  }

  private resolveInZone(q: QuestionLike, parsed: ClusterName, depth: number): Answer {
    switch (parsed.kind) {
      case 'apex':
        if (q.type === TYPE.SOA) return this.ok([this.soa()]);
        if (q.type === TYPE.NS) return this.ok([{ name: q.name, ttl: this.ttl, type: 'NS', target: `ns.dns.${this.domain}` }]);
        return this.nodata();
      case 'dns-version':
        return q.type === TYPE.TXT ? this.ok([{ name: q.name, ttl: 28800, type: 'TXT', text: [DNS_SCHEMA_VERSION] }]) : this.nodata();
      case 'branch':
        return parsed.namespace === undefined || this.namespaceExists(parsed.namespace) ? this.nodata() : this.nxdomain();
      case 'invalid':
        return this.nxdomain();
      case 'pod': {
        if (!this.namespaceExists(parsed.namespace)) return this.nxdomain();
        const ip = ipFromDashed(parsed.pod);
        if (!ip) return this.nxdomain();
        return this.shape(q, [{ ip, v6: ip.includes(':'), port: -1, target: q.name }], depth);
      }
      case 'service': {
        if (!this.namespaceExists(parsed.namespace)) return this.nxdomain();
        const entry = this.services.get(parsed.namespace)?.get(parsed.service);
        if (!entry) return this.nxdomain();
        const items = this.items(entry, parsed);
        return items.length ? this.shape(q, items, depth) : this.nxdomain();
      }
    }
  }

  /** What a Service name stands for, before the query type is considered (CoreDNS findServices). */
  private items(e: ServiceEntry, r: { endpoint?: string; port?: string; protocol?: string }): Item[] {
    const portMatches = (p: PortEntry) => (!r.port || r.port === p.name) && (!r.protocol || r.protocol === p.protocol);
    if (e.type === 'ExternalName') {
      if (r.endpoint || !e.externalName) return [];
      // Validation wants a DNS name, but CoreDNS answers an address given here as an address.
      if (isIPv4(e.externalName) || isIPv6(e.externalName)) return [{ ip: e.externalName, v6: isIPv6(e.externalName), port: -1, target: e.fqdn }];
      return [{ cname: e.externalName }];
    }
    const out: Item[] = [];
    if (e.type === 'Headless' || r.endpoint) {
      for (const ep of e.endpoints) {
        if (r.endpoint && ep.label !== r.endpoint) continue;
        for (const p of ep.ports) if (portMatches(p)) out.push({ ip: ep.ip, v6: ep.v6, port: p.port, target: ep.fqdn });
      }
      return out;
    }
    const target = e.fqdn;
    for (const p of e.ports) {
      if (!portMatches(p)) continue;
      for (const ip of e.ips) out.push({ ip, v6: ip.includes(':'), port: p.port, target });
    }
    return out;
  }

  /** Records of the type asked from the items; none of that type is NODATA. */
  private shape(q: QuestionLike, items: Item[], depth: number): Answer {
    const answers: ResourceRecord[] = [];
    const additionals: ResourceRecord[] = [];
    const ttl = this.ttl;
    const cname = items.find((i): i is { cname: string } => 'cname' in i);
    if (q.type === TYPE.SRV) {
      // CoreDNS: weights split 100 evenly over everything the name stands for.
      const weight = Math.max(1, Math.floor(100 / items.length));
      // One SRV per (target, port), one address record per (target, IP); targets are
      // long-lived strings, so keying on them hashes nothing new per query.
      const seen = new Map<string, { ports: number[]; ips: string[] }>();
      for (const it of items) {
        if ('cname' in it || it.port < 0) continue;
        let t = seen.get(it.target);
        if (!t) seen.set(it.target, (t = { ports: [], ips: [] }));
        if (!t.ports.includes(it.port)) {
          t.ports.push(it.port);
          answers.push({ name: q.name, ttl, type: 'SRV', priority: 0, weight, port: it.port, target: it.target });
        }
        if (!t.ips.includes(it.ip)) {
          t.ips.push(it.ip);
          additionals.push({ name: it.target, ttl, type: it.v6 ? 'AAAA' : 'A', address: it.ip });
        }
      }
    } else if (cname) {
      // A name that is a CNAME is one for every type; follow it while it stays in the zone.
      answers.push({ name: q.name, ttl, type: 'CNAME', target: cname.cname });
      const rest = labelsInZone(cname.cname.split('.'), this.zone);
      if (q.type !== TYPE.CNAME && rest && depth < MAX_CNAME_DEPTH && cname.cname !== normalizeName(q.name)) {
        const next = this.resolveInZone({ name: cname.cname, lower: cname.cname.split('.'), type: q.type }, parseClusterName(rest), depth + 1);
        if (next.rcode === RCODE.NOERROR) answers.push(...next.answers);
      }
    } else if (q.type === TYPE.A || q.type === TYPE.AAAA) {
      const v6 = q.type === TYPE.AAAA;
      const seen = new Set<string>();
      for (const it of items) {
        if ('cname' in it || it.v6 !== v6 || seen.has(it.ip)) continue;
        seen.add(it.ip);
        answers.push({ name: q.name, ttl, type: v6 ? 'AAAA' : 'A', address: it.ip });
      }
    }
    if (!answers.length) return this.nodata();
    return { rcode: RCODE.NOERROR, authoritative: true, answers, authorities: [], additionals };
  }

  soa(): ResourceRecord {
    return {
      name: this.domain,
      ttl: Math.min(this.ttl, 300),
      type: 'SOA',
      mname: `ns.dns.${this.domain}`,
      rname: `hostmaster.${this.domain}`,
      serial: this.serial,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: this.ttl,
    };
  }

  private ok(answers: ResourceRecord[]): Answer {
    return { rcode: RCODE.NOERROR, authoritative: true, answers, authorities: [], additionals: [] };
  }

  private nodata(): Answer {
    return { rcode: RCODE.NOERROR, authoritative: true, answers: [], authorities: [this.soa()], additionals: [] };
  }

  private nxdomain(): Answer {
    return { rcode: RCODE.NXDOMAIN, authoritative: true, answers: [], authorities: [this.soa()], additionals: [] };
  }
}

function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return svc && slice.metadata?.namespace && slice.metadata.name ? `${slice.metadata.namespace}/${svc}` : undefined;
}

/** The ready addresses of a slice (ready unset counts as ready, per the API) with its ports. */
function readyEndpoints(slice: EndpointSlice): EndpointEntry[] {
  if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') return [];
  const v6 = slice.addressType === 'IPv6';
  const ports: PortEntry[] = (slice.ports ?? [])
    .filter((p) => typeof p.port === 'number')
    .map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port! }));
  if (!ports.length) ports.push({ name: '', protocol: '', port: -1 });
  const out: EndpointEntry[] = [];
  for (const ep of slice.endpoints ?? []) {
    if (ep.conditions?.ready === false) continue;
    for (const raw of ep.addresses ?? []) {
      const ip = raw.toLowerCase();
      if (v6 ? !isIPv6(ip) : !isIPv4(ip)) continue;
      out.push({ ip, v6, label: ep.hostname ? ep.hostname.toLowerCase() : dashedIp(ip), ports, fqdn: '' });
    }
  }
  return out;
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
