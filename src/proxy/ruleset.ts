/**
 * The rules, as a pure function of Services + EndpointSlices + config, in the layout of
 * kube-proxy's iptables proxier (chains prefixed with this instance's prefix, <P>):
 *
 *   nat  PREROUTING/OUTPUT --(dst in service CIDR | node-port range to a local address | an
 *        LB/external IP:port of a service with endpoints)--> <P>SERVICES
 *     <P>SERVICES    ClusterIP:port -> <P>SVC-x; LB/external IP:port -> <P>EXT-x;
 *                    last: node addresses -> <P>NODEPORTS
 *     <P>NODEPORTS   nodePort -> <P>EXT-x
 *     <P>EXT-x       mark for masquerade, then <P>SVC-x
 *     <P>SVC-x       mark off-cluster sources; ClientIP affinity (recent); random choice
 *                    (statistic, probability 1/n, 1/(n-1) ... 1) -> <P>SEP-y
 *     <P>SEP-y       mark hairpin traffic; DNAT to the endpoint
 *   nat  POSTROUTING --(our mark)--> <P>POSTROUTING: MASQUERADE marked packets, clear the mark
 *   filter OUTPUT/FORWARD --(NEW, dst in service CIDR)--> <P>SERVICES: REJECT ClusterIP:port
 *        of services without endpoints
 *   filter INPUT --(127/8 from off-box)--> <P>FIREWALL (only when we turned on route_localnet)
 *
 * Every rule outside our chains (a "hook") matches only the service CIDR, the node-port
 * range, an exact LB/external IP + port, our mark, or martian 127/8 traffic.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ResolvedRulesConfig } from './config.js';
import { ChainNames } from './chain-names.js';
import { servicePortsOf, slicesByService, sortedServices, type ProxyState, type ServicePortInfo, type SkippedService } from './service-ports.js';

export type Table = 'nat' | 'filter';
export type BuiltinChain = 'PREROUTING' | 'OUTPUT' | 'POSTROUTING' | 'INPUT' | 'FORWARD';

/** A rule in a chain we do not own, written exactly as `iptables -S` prints it back. */
export interface HookRule {
  table: Table;
  chain: BuiltinChain;
  /** The rule without `-A CHAIN `. */
  spec: string;
}

export interface Rules {
  /** Our chains, each with its rule lines (`-A CHAIN ...`), in insertion order. */
  nat: Map<string, string[]>;
  filter: Map<string, string[]>;
  hooks: HookRule[];
  /** Service ports that got rules, by key (`ns/name:port`). */
  servicePorts: Map<string, ServicePortInfo>;
  skipped: SkippedService[];
}

const TABLES: Table[] = ['filter', 'nat'];

function probability(n: number): string {
  return (1 / n).toFixed(10);
}

const q = (s: string) => `"${s}"`;

/** Everything one Service contributes to the rules. */
interface Fragment {
  /** The objects it was built from: reused while the same (informer objects are replaced, never mutated). */
  svc: Service;
  slices: readonly EndpointSlice[];
  ports: ServicePortInfo[];
  skipped: SkippedService[];
  /** Lines of <P>SERVICES (nat), <P>NODEPORTS and filter <P>SERVICES. */
  services: string[];
  nodePorts: string[];
  rejects: string[];
  /** Its own chains: SVC, SEP, EXT. */
  chains: [string, string[]][];
  hooks: HookRule[];
}

/**
 * Per-Service fragments of the last build, for a proxier to pass to the next: an unchanged
 * Service's lines are the same string objects again, so building is a lookup and the delta
 * compares chains by reference. At 5,000 Services this is most of a sync's CPU time.
 */
export class RulesCache {
  cfg: ResolvedRulesConfig | undefined;
  readonly byService = new Map<string, Fragment>();
}

function sameSlices(a: readonly EndpointSlice[], b: readonly EndpointSlice[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function buildFragment(svc: Service, slices: readonly EndpointSlice[], cfg: ResolvedRulesConfig, names: ChainNames): Fragment {
  const { ports, skipped } = servicePortsOf(svc, slices, cfg);
  const f: Fragment = { svc, slices, ports, skipped, services: [], nodePorts: [], rejects: [], chains: [], hooks: [] };
  const P = cfg.prefix;
  const notLocal = cfg.clusterCidr ? `! -s ${cfg.clusterCidr.text} ` : '';
  for (const sp of ports) {
    const proto = sp.protocol;
    const svcChain = names.svc(sp.key, proto);
    const dport = `-m ${proto} --dport ${sp.port}`;
    const cip = `-d ${sp.clusterIP}/32 -p ${proto}`;
    if (sp.endpoints.length === 0) {
      // Refuse at once rather than let the connection wander off along the default route.
      f.rejects.push(`-A ${names.services} ${cip} -m comment --comment ${q(`${sp.key} has no endpoints`)} ${dport} -j REJECT --reject-with icmp-port-unreachable`);
      continue;
    }
    f.services.push(`-A ${names.services} ${cip} -m comment --comment ${q(`${sp.key} cluster IP`)} ${dport} -j ${svcChain}`);

    const svcRules: string[] = [];
    f.chains.push([svcChain, svcRules]);
    svcRules.push(`-A ${svcChain} ${notLocal}${cip} -m comment --comment ${q(`${sp.key} cluster IP`)} ${dport} -j ${names.markMasq}`);
    const seps = sp.endpoints.map((ep) => ({ ep, chain: names.sep(sp.key, proto, ep.addr) }));
    if (sp.affinitySeconds !== undefined) {
      for (const { chain: sep } of seps) svcRules.push(`-A ${svcChain} -m recent --name ${sep} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${sep}`);
    }
    seps.forEach(({ chain: sep }, i) => {
      const left = seps.length - i;
      svcRules.push(left > 1 ? `-A ${svcChain} -m statistic --mode random --probability ${probability(left)} -j ${sep}` : `-A ${svcChain} -j ${sep}`);
    });
    for (const { ep, chain: sep } of seps) {
      const recent = sp.affinitySeconds !== undefined ? `-m recent --name ${sep} --set ` : '';
      f.chains.push([sep, [`-A ${sep} -s ${ep.ip}/32 -j ${names.markMasq}`, `-A ${sep} -p ${proto} ${recent}-j DNAT --to-destination ${ep.addr}`]]);
    }

    const externals = [...sp.loadBalancerIPs.map((ip) => ({ ip, what: 'loadbalancer IP' })), ...sp.externalIPs.map((ip) => ({ ip, what: 'external IP' }))];
    if (sp.nodePort === undefined && externals.length === 0) continue;
    const extChain = names.ext(sp.key, proto);
    // Cluster traffic policy: the endpoint may be on another node, so the reply must come back here.
    f.chains.push([
      extChain,
      [`-A ${extChain} -m comment --comment ${q(`masquerade traffic for ${sp.key} external destinations`)} -j ${names.markMasq}`, `-A ${extChain} -j ${svcChain}`],
    ]);
    const seen = new Set<string>();
    for (const { ip, what } of externals) {
      if (seen.has(ip)) continue;
      seen.add(ip);
      f.services.push(`-A ${names.services} -d ${ip}/32 -p ${proto} -m comment --comment ${q(`${sp.key} ${what}`)} ${dport} -j ${extChain}`);
      // Outside the service CIDR: this exact address and port need their own way in.
      const spec = `-d ${ip}/32 -p ${proto} ${dport} -m comment --comment ${q(`${P} ${sp.key} ${what}`)} -j ${names.services}`;
      f.hooks.push({ table: 'nat', chain: 'PREROUTING', spec }, { table: 'nat', chain: 'OUTPUT', spec });
    }
    if (sp.nodePort !== undefined) f.nodePorts.push(`-A ${names.nodePorts} -p ${proto} -m comment --comment ${q(sp.key)} -m ${proto} --dport ${sp.nodePort} -j ${extChain}`);
  }
  return f;
}

export function buildRules(state: ProxyState, cfg: ResolvedRulesConfig, cache?: RulesCache): Rules {
  const names = new ChainNames(cfg.prefix, cfg.hashLength);
  if (cache && cache.cfg !== cfg) {
    cache.byService.clear();
    cache.cfg = cfg;
  }
  const P = cfg.prefix;
  const mark = cfg.mark;
  const services: string[] = [];
  const nodePorts: string[] = [];
  const rejects: string[] = [];
  const nat = new Map<string, string[]>([
    [names.services, services],
    [names.nodePorts, nodePorts],
    [
      names.postrouting,
      [
        `-A ${names.postrouting} -m mark ! --mark ${mark}/${mark} -j RETURN`,
        // Clear the mark so a packet that traverses the stack again is not masqueraded twice.
        `-A ${names.postrouting} -j MARK --xor-mark ${mark}`,
        `-A ${names.postrouting} -m comment --comment ${q(`${P} service traffic requiring SNAT`)} -j MASQUERADE --random-fully`,
      ],
    ],
    [names.markMasq, [`-A ${names.markMasq} -j MARK --or-mark ${mark}`]],
  ]);
  const filter = new Map<string, string[]>([[names.services, rejects]]);
  const served = new Map<string, ServicePortInfo>();
  const skipped: SkippedService[] = [];
  const extHooks: HookRule[] = [];
  const slices = slicesByService(state.endpointSlices);
  const seen = new Set<string>();

  for (const svc of sortedServices(state.services)) {
    const id = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    const svcSlices = slices.get(id) ?? [];
    let f = cache?.byService.get(id);
    if (!f || f.svc !== svc || !sameSlices(f.slices, svcSlices)) {
      f = buildFragment(svc, svcSlices, cfg, names);
      cache?.byService.set(id, f);
    }
    seen.add(id);
    for (const sp of f.ports) if (sp.endpoints.length > 0) served.set(sp.key, sp);
    skipped.push(...f.skipped);
    for (const l of f.services) services.push(l);
    for (const l of f.nodePorts) nodePorts.push(l);
    for (const l of f.rejects) rejects.push(l);
    for (const [name, lines] of f.chains) nat.set(name, lines);
    for (const h of f.hooks) extHooks.push(h);
  }
  if (cache) for (const id of cache.byService.keys()) if (!seen.has(id)) cache.byService.delete(id);

  // Node ports last: only traffic no ClusterIP or external-IP rule took gets here.
  const npComment = `-m comment --comment ${q(`${P} node ports; must be the last rule`)}`;
  if (cfg.nodeIPs.length > 0) {
    for (const ip of cfg.nodeIPs) services.push(`-A ${names.services} -d ${ip}/32 ${npComment} -m addrtype --dst-type LOCAL -j ${names.nodePorts}`);
  } else {
    services.push(`-A ${names.services} ! -d 127.0.0.0/8 ${npComment} -m addrtype --dst-type LOCAL -j ${names.nodePorts}`);
  }

  if (cfg.localnetGuard) {
    // route_localnet=1 lets other hosts reach 127.0.0.0/8 (CVE-2020-8558); drop what the
    // kernel would have dropped as martian before we turned it on.
    filter.set(names.firewall, [`-A ${names.firewall} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`]);
  }

  return { nat, filter, hooks: [...hookRules(cfg, names), ...dedupeHooks(extHooks)], servicePorts: served, skipped };
}

function dedupeHooks(hooks: HookRule[]): HookRule[] {
  const seen = new Set<string>();
  return hooks.filter((h) => {
    const k = hookKey(h);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export const hookKey = (h: HookRule): string => `${h.table} ${h.chain} ${h.spec}`;

/** The fixed rules in built-in chains, in canonical `iptables -S` form. */
export function hookRules(cfg: ResolvedRulesConfig, names = new ChainNames(cfg.prefix, cfg.hashLength)): HookRule[] {
  const P = cfg.prefix;
  const S = cfg.serviceCidr.text;
  const [lo, hi] = cfg.nodePortRange;
  const range = lo === hi ? `${lo}` : `${lo}:${hi}`;
  const portals = `-d ${S} -m comment --comment ${q(`${P} service portals`)} -j ${names.services}`;
  const nodePort = (proto: string) => `-p ${proto} -m addrtype --dst-type LOCAL -m ${proto} --dport ${range} -m comment --comment ${q(`${P} node ports`)} -j ${names.services}`;
  const hooks: HookRule[] = [];
  for (const chain of ['PREROUTING', 'OUTPUT'] as const) {
    hooks.push({ table: 'nat', chain, spec: portals }, { table: 'nat', chain, spec: nodePort('tcp') }, { table: 'nat', chain, spec: nodePort('udp') });
  }
  hooks.push({ table: 'nat', chain: 'POSTROUTING', spec: `-m mark --mark ${cfg.mark}/${cfg.mark} -m comment --comment ${q(`${P} masquerade`)} -j ${names.postrouting}` });
  const rejects = `-d ${S} -m conntrack --ctstate NEW -m comment --comment ${q(`${P} service portals`)} -j ${names.services}`;
  hooks.push({ table: 'filter', chain: 'OUTPUT', spec: rejects }, { table: 'filter', chain: 'FORWARD', spec: rejects });
  if (cfg.localnetGuard) {
    hooks.push({
      table: 'filter',
      chain: 'INPUT',
      spec: `! -s 127.0.0.0/8 -d 127.0.0.0/8 ! -i lo -m comment --comment ${q(`${P} block incoming localnet connections`)} -j ${names.firewall}`,
    });
  }
  return hooks;
}

/** What the kernel holds of ours, as read back by iptables-save. */
export interface KernelState {
  /** Our chains and how many rules each holds. */
  chains: Record<Table, Map<string, number>>;
  /** Rules in built-in chains that jump to our chains (duplicates included). */
  hooks: HookRule[];
}

const sameLines = (a: string[] | undefined, b: string[]): boolean => a === b || (a !== undefined && a.length === b.length && a.every((l, i) => l === b[i]));

/**
 * iptables-restore input (for `--noflush`) that turns what is there into `next`.
 * - `prev` (what the last successful restore wrote): write only chains whose rules changed,
 *   delete chains that went away, and add/delete only hook rules that changed.
 * - `kernel` (read from iptables-save): a full rewrite of every chain of ours, deletion of
 *   every chain and hook of ours that should not be there, and hooks added where missing.
 * - neither: a full rewrite for a kernel with nothing of ours (what `buildRuleset` prints).
 * Declaring `:CHAIN - [0:0]` flushes an existing chain, so a written chain is a whole chain.
 */
export function renderDelta(next: Rules, from: { prev: Rules } | { kernel: KernelState } | undefined = undefined): string {
  const prev = from && 'prev' in from ? from.prev : undefined;
  const kernel = from && 'kernel' in from ? from.kernel : undefined;
  const out: string[] = [];
  let changes = 0;
  for (const table of TABLES) {
    const want = next[table];
    const decl: string[] = [];
    const rules: string[] = [];
    const deletes: string[] = [];
    for (const [name, lines] of want) {
      const old = prev?.[table].get(name);
      // Reused fragments make unchanged chains the same array, or arrays of the same strings.
      if (old !== undefined && sameLines(old, lines)) continue;
      decl.push(`:${name} - [0:0]`);
      for (const l of lines) rules.push(l);
    }
    const gone = prev ? [...prev[table].keys()] : kernel ? [...kernel.chains[table].keys()] : [];
    for (const name of gone) {
      if (want.has(name)) continue;
      decl.push(`:${name} - [0:0]`);
      deletes.push(`-X ${name}`);
    }
    // Hooks: deletions before chain deletions (a referenced chain cannot be deleted),
    // inserts after chain declarations (a jump to a missing chain is refused).
    const wantHooks = next.hooks.filter((h) => h.table === table);
    const haveHooks = (prev ? prev.hooks : kernel ? kernel.hooks : []).filter((h) => h.table === table);
    const wantKeys = new Set(wantHooks.map(hookKey));
    const kept = new Set<string>();
    const hookDeletes: string[] = [];
    for (const h of haveHooks) {
      const k = hookKey(h);
      // A duplicate (someone re-added it, or a crashed run) goes too.
      if (wantKeys.has(k) && !kept.has(k)) kept.add(k);
      else hookDeletes.push(`-D ${h.chain} ${h.spec}`);
    }
    // `-I chain 1` puts each at the top; inserting in reverse keeps the listed order.
    const hookInserts = wantHooks.filter((h) => !kept.has(hookKey(h))).reverse().map((h) => `-I ${h.chain} 1 ${h.spec}`);
    if (decl.length + hookDeletes.length + hookInserts.length === 0) continue;
    changes++;
    out.push(`*${table}`, ...decl, ...rules, ...hookInserts, ...hookDeletes, ...deletes, 'COMMIT');
  }
  return changes ? `${out.join('\n')}\n` : '';
}

/** The full iptables-restore input for a kernel holding nothing of ours (for review and golden tests). */
export function buildRuleset(state: ProxyState, cfg: ResolvedRulesConfig): string {
  return renderDelta(buildRules(state, cfg));
}

/**
 * iptables-restore (nf_tables) takes time superlinear in the size of one input: 5,000
 * services in one transaction took ~5 s here, in five transactions of 1,000 ~1 s. Large
 * rewrites are therefore split, at points where every part is consistent on its own.
 */
export const DEFAULT_BATCH_CHAINS = 2000;

const SERVICE_CHAIN = /-(?:SVC|SEP|EXT)-[A-Z2-7]+$/;
const SVC_CHAIN = /-SVC-[A-Z2-7]+$/;

function batches(lines: string[][], table: Table): string[] {
  return lines.filter((l) => l.length > 0).map((l) => `*${table}\n${l.join('\n')}\nCOMMIT\n`);
}

/**
 * The restore inputs that bring the kernel from `base` to `next`. A change of modest size
 * is one transaction (renderDelta). A large one — a full rewrite against what the kernel
 * holds, or thousands of chains changed at once — goes in parts, each consistent alone:
 * 1. the per-service chains (SVC, SEP, EXT) that changed, in batches cut before an SVC
 *    chain, so a service's chains (which jump only among themselves and to <P>MARK-MASQ,
 *    written whole in the first batch) go together — not yet reachable when new, or
 *    rewritten in place with what they held when not;
 * 2. the fixed chains of both tables and the hook rules (one transaction: the switch-over);
 * 3. chains of ours that should not exist: flushed, then deleted, in batches (by then
 *    nothing but other such chains refers to them).
 */
export function planSync(next: Rules, base: { prev: Rules } | { kernel: KernelState }, maxChains = DEFAULT_BATCH_CHAINS): string[] {
  const prev = 'prev' in base ? base.prev : undefined;
  const kernel = 'kernel' in base ? base.kernel : undefined;
  const changed = [...next.nat].filter(([n, l]) => SERVICE_CHAIN.test(n) && !sameLines(prev?.nat.get(n), l));
  const stale = Object.fromEntries(TABLES.map((t) => [t, [...(prev ? prev[t].keys() : kernel!.chains[t].keys())].filter((n) => !next[t].has(n))])) as Record<Table, string[]>;
  if (prev && changed.length <= maxChains && stale.nat.length + stale.filter.length <= maxChains) {
    const one = renderDelta(next, { prev });
    return one ? [one] : [];
  }
  const parts: string[] = [];
  let cur: string[] = [];
  let decl: string[] = [];
  let count = 0;
  const cut = () => {
    // cur, not count: the first batch may hold only MARK-MASQ (no service chain changed).
    if (cur.length) parts.push(...batches([[...decl, ...cur]], 'nat'));
    cur = [];
    decl = [];
    count = 0;
  };
  const written = new Set<string>();
  const markMasq = [...next.nat].find(([n]) => n.endsWith('-MARK-MASQ'));
  if (markMasq && !sameLines(prev?.nat.get(markMasq[0]), markMasq[1])) {
    decl.push(`:${markMasq[0]} - [0:0]`);
    cur.push(...markMasq[1]);
    written.add(markMasq[0]);
  }
  for (const [name, lines] of changed) {
    if (count >= maxChains && SVC_CHAIN.test(name)) cut();
    decl.push(`:${name} - [0:0]`);
    for (const l of lines) cur.push(l);
    written.add(name);
    count++;
  }
  cut();
  // The switch-over: the rest, with nothing deleted yet.
  const keep = (m: Map<string, string[]>) => new Map([...m].filter(([n]) => !SERVICE_CHAIN.test(n) && !written.has(n)));
  const rest: Rules = { ...next, nat: keep(next.nat), filter: keep(next.filter) };
  const switchOver = prev
    ? renderDelta(rest, { prev: { ...prev, nat: new Map([...prev.nat].filter(([n]) => rest.nat.has(n))), filter: new Map([...prev.filter].filter(([n]) => rest.filter.has(n))) } })
    : renderDelta(rest, { kernel: { chains: { nat: new Map(), filter: new Map() }, hooks: kernel!.hooks } });
  if (switchOver) parts.push(switchOver);
  for (const table of TABLES) parts.push(...staleRemoval(stale[table], table, maxChains));
  return parts;
}

/** A full rewrite against what the kernel holds (see planSync). */
export const planFullSync = (next: Rules, kernel: KernelState, maxChains = DEFAULT_BATCH_CHAINS): string[] => planSync(next, { kernel }, maxChains);

function staleRemoval(chains: string[], table: Table, maxChains: number): string[] {
  const flush: string[][] = [];
  const del: string[][] = [];
  for (let i = 0; i < chains.length; i += maxChains) {
    const b = chains.slice(i, i + maxChains);
    flush.push(b.map((n) => `:${n} - [0:0]`));
    del.push(b.map((n) => `-X ${n}`));
  }
  // All flushed before any is deleted: a chain can only go once nothing jumps to it.
  return [...batches(flush, table), ...batches(del, table)];
}

/** Restore inputs that remove every chain and hook of ours that `kernel` lists: hooks first, then the chains. */
export function planCleanup(kernel: KernelState, maxChains = DEFAULT_BATCH_CHAINS): string[] {
  const parts: string[] = [];
  for (const table of TABLES) {
    const hooks = kernel.hooks.filter((h) => h.table === table).map((h) => `-D ${h.chain} ${h.spec}`);
    parts.push(...batches([hooks], table));
  }
  for (const table of TABLES) parts.push(...staleRemoval([...kernel.chains[table].keys()], table, maxChains));
  return parts;
}

/** Rule count, for metrics. */
export const ruleCount = (r: Rules): number => [...r.nat.values(), ...r.filter.values()].reduce((n, l) => n + l.length, 0) + r.hooks.length;
