/**
 * Clean-up of what the CNI plugins leave on the host after the pods are gone (or after a
 * crash that skipped CNI DEL): libcni's cached results, per-pod iptables rules and chains,
 * and — only when this instance created them and nothing else uses them — the shared
 * CNI-FORWARD / CNI-ADMIN / CNI-HOSTPORT-* chains.
 *
 * Those chain names are shared by every CNI user on the host (another orch, podman, a
 * kubelet), so a rule is removed only when it is provably ours: it matches an address in
 * our pod CIDR, or portmap's comment names our network.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cidrContains, parseIpv4, type Ipv4Cidr } from './cni-config.js';
import { run } from './host.js';

export const CNI_RESULTS_DIR = '/var/lib/cni/results';

/** Shared chains the firewall and portmap plugins create, by table. */
export const SHARED_CNI_CHAINS: Record<'filter' | 'nat', string[]> = {
  filter: ['CNI-FORWARD', 'CNI-ADMIN'],
  nat: ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'],
};

/**
 * Rules the plugins put in their shared chains for everybody; a chain holding only these
 * is "empty". (firewall: CNI-FORWARD jumps to CNI-ADMIN; portmap: the mark and masquerade.)
 */
function isPlumbing(chain: string, rule: string[]): boolean {
  const target = ruleTarget(rule);
  if (chain === 'CNI-FORWARD') return target === 'CNI-ADMIN';
  if (chain === 'CNI-HOSTPORT-SETMARK') return target === 'MARK';
  if (chain === 'CNI-HOSTPORT-MASQ') return target === 'MASQUERADE';
  return false;
}

/** Splits one line of `iptables -S` into words, honouring "double quotes" and \" escapes. */
export function splitRule(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '\\' && i + 1 < line.length) cur += line[++i];
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      inWord = true;
    } else if (ch === ' ') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

export interface TableRules {
  chains: Set<string>;
  /** Each `-A CHAIN ...` line as words, without the leading `-A`. */
  rules: string[][];
}

/** Parses `iptables -t T -S` output. */
export function parseRules(text: string): TableRules {
  const chains = new Set<string>();
  const rules: string[][] = [];
  for (const line of text.split('\n')) {
    const w = splitRule(line.trim());
    if (w[0] === '-N' || w[0] === '-P') chains.add(w[1]);
    else if (w[0] === '-A') rules.push(w.slice(1));
  }
  return { chains, rules };
}

const ruleTarget = (rule: string[]) => {
  const i = rule.indexOf('-j');
  return i >= 0 ? rule[i + 1] : undefined;
};

/** Whether a rule matches a source or destination (or DNAT target) inside our CIDR. */
function mentionsCidr(rule: string[], cidr: Ipv4Cidr): boolean {
  for (let i = 0; i < rule.length - 1; i++) {
    if (rule[i] !== '-s' && rule[i] !== '-d' && rule[i] !== '--to-destination') continue;
    const [addr, len] = rule[i + 1].split('/');
    const ip = parseIpv4(addr.split(':')[0]);
    // Wider ranges (a /16 holding ours, 0.0.0.0/0) belong to someone else.
    if (ip !== undefined && cidrContains(cidr, ip) && Number(len ?? 32) >= cidr.prefix) return true;
  }
  return false;
}

/** portmap writes `dnat name: "<network>" id: "<container>"` (and `snat name: ...`) comments. */
function namesNetwork(rule: string[], networkName: string): boolean {
  const i = rule.indexOf('--comment');
  return i >= 0 && rule[i + 1] !== undefined && rule[i + 1].includes(`name: "${networkName}"`);
}

/** A rule in a CNI chain that is provably this network's: our pod addresses or our name. */
export function isOwnRule(rule: string[], networkName: string, podCidr: Ipv4Cidr): boolean {
  return rule[0].startsWith('CNI-') && (mentionsCidr(rule, podCidr) || namesNetwork(rule, networkName));
}

export async function readTable(table: 'filter' | 'nat'): Promise<TableRules> {
  return parseRules(await run('iptables', ['-w', '5', '-t', table, '-S']));
}

async function iptables(table: string, args: string[]): Promise<void> {
  await run('iptables', ['-w', '5', '-t', table, ...args]);
}

/** Which of the shared chains exist now (recorded before this instance first runs a pod). */
export async function existingSharedChains(): Promise<Record<'filter' | 'nat', string[]>> {
  const out: Record<'filter' | 'nat', string[]> = { filter: [], nat: [] };
  for (const table of ['filter', 'nat'] as const) {
    const { chains } = await readTable(table);
    out[table] = SHARED_CNI_CHAINS[table].filter((c) => chains.has(c));
  }
  return out;
}

export interface CniCleanupInput {
  networkName: string;
  podCidr: Ipv4Cidr;
  /** Shared chains that existed before this instance started: never removed. */
  preexisting: Record<'filter' | 'nat', string[]>;
}

export interface CniCleanupReport {
  deletedRules: number;
  deletedChains: string[];
  keptChains: string[];
  errors: string[];
}

/**
 * Removes our per-pod rules and chains, then our shared chains if they are empty. Each table
 * is read twice at most: on a busy host (a proxy with thousands of rules) every
 * `iptables -S` costs hundreds of milliseconds.
 */
export async function cleanupCniIptables(input: CniCleanupInput): Promise<CniCleanupReport> {
  const report: CniCleanupReport = { deletedRules: 0, deletedChains: [], keptChains: [], errors: [] };
  const attempt = async (table: string, args: string[]): Promise<boolean> => {
    try {
      await iptables(table, args);
      return true;
    } catch (err) {
      report.errors.push((err as Error).message);
      return false;
    }
  };
  for (const table of ['filter', 'nat'] as const) {
    let t: TableRules;
    try {
      t = await readTable(table);
    } catch (err) {
      report.errors.push((err as Error).message);
      continue;
    }
    // 1. Our per-pod rules in CNI chains, then the per-container chains they jump to (named
    //    after our container ids, so only our rules refer to them).
    const perPodChains = new Set<string>();
    for (const rule of t.rules) {
      if (!isOwnRule(rule, input.networkName, input.podCidr)) continue;
      const target = ruleTarget(rule);
      if (target?.startsWith('CNI-DN-') || target?.startsWith('CNI-SN-')) perPodChains.add(target);
      if (await attempt(table, ['-D', ...rule])) report.deletedRules++;
    }
    for (const chain of perPodChains) {
      if ((await attempt(table, ['-F', chain])) && (await attempt(table, ['-X', chain]))) report.deletedChains.push(`${table}/${chain}`);
    }

    // 2. Shared chains we created, if nothing but the plugins' plumbing is left in them.
    const ours = SHARED_CNI_CHAINS[table].filter((c) => !input.preexisting[table].includes(c));
    for (const c of SHARED_CNI_CHAINS[table]) if (!ours.includes(c) && t.chains.has(c)) report.keptChains.push(`${table}/${c} (existed before)`);
    if (!ours.some((c) => t.chains.has(c))) continue;
    const now = await readTable(table);
    const removable: string[] = [];
    for (const chain of ours) {
      if (!now.chains.has(chain)) continue;
      const inside = now.rules.filter((r) => r[0] === chain && !isPlumbing(chain, r));
      // Only the built-in hooks the plugins add, or our own shared chains, may jump here.
      const foreign = now.rules.filter((r) => ruleTarget(r) === chain && !['FORWARD', 'PREROUTING', 'OUTPUT', 'POSTROUTING', ...ours].includes(r[0]));
      if (inside.length || foreign.length) {
        report.keptChains.push(`${table}/${chain} (${inside.length} rule(s) of others, ${foreign.length} reference(s) from other chains)`);
        continue;
      }
      removable.push(chain);
    }
    // Rule by rule rather than -F: a rule another CNI user adds meanwhile survives, and then
    // -X (which the kernel refuses for a chain in use) keeps the chain.
    for (const chain of removable) {
      for (const r of now.rules) {
        if (ruleTarget(r) === chain && !removable.includes(r[0])) await attempt(table, ['-D', ...r]);
      }
      for (const r of now.rules.filter((r) => r[0] === chain)) await attempt(table, ['-D', ...r]);
    }
    for (const chain of removable) {
      try {
        await iptables(table, ['-X', chain]);
        report.deletedChains.push(`${table}/${chain}`);
      } catch (err) {
        report.keptChains.push(`${table}/${chain} (in use: ${(err as Error).message.split('\n')[0]})`);
      }
    }
  }
  return report;
}

/**
 * Removes libcni's cached results of our network (`<network>-<sandbox id>-<ifname>`) and the
 * loopback results of the same sandboxes (`cni-loopback-<sandbox id>-lo`, the network
 * containerd sets `lo` up with). CNI DEL removes both; this is for pods that skipped it.
 */
export async function removeCniResults(networkName: string, dir = CNI_RESULTS_DIR): Promise<number> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return 0;
  }
  const ours = new RegExp(`^${networkName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-([0-9a-f]{64})-`);
  const ids = new Set<string>();
  const doomed: string[] = [];
  for (const name of names) {
    const m = ours.exec(name);
    if (!m) continue;
    ids.add(m[1]);
    doomed.push(name);
  }
  for (const name of names) {
    const m = /^cni-loopback-([0-9a-f]{64})-lo$/.exec(name);
    if (m && ids.has(m[1])) doomed.push(name);
  }
  for (const name of doomed) await fs.promises.rm(path.join(dir, name), { force: true });
  return doomed.length;
}
