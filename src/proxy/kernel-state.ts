/**
 * Reading back what the kernel holds of ours from iptables-save, and comparing it with what
 * we last wrote: the drift check behind "restore our rules if someone flushed them".
 */
import type { ChainNames } from './chain-names.js';
import { hookKey, type BuiltinChain, type HookRule, type KernelState, type Rules, type Table } from './ruleset.js';

const BUILTIN = new Set<string>(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

export const emptyKernelState = (): KernelState => ({ chains: { nat: new Map(), filter: new Map() }, hooks: [] });

/** Adds what `iptables-save -t <table>` output holds of ours to `into`. */
export function parseSave(text: string, table: Table, names: ChainNames, into: KernelState = emptyKernelState()): KernelState {
  const chains = into.chains[table];
  let inTable = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      inTable = line.slice(1).trim() === table;
      continue;
    }
    if (!inTable) continue;
    if (line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0];
      if (names.isOwn(name) && !chains.has(name)) chains.set(name, 0);
      continue;
    }
    if (!line.startsWith('-A ')) continue;
    const sp = line.indexOf(' ', 3);
    const chain = line.slice(3, sp);
    const spec = line.slice(sp + 1);
    if (names.isOwn(chain)) chains.set(chain, (chains.get(chain) ?? 0) + 1);
    else if (BUILTIN.has(chain)) {
      const target = / -j (\S+)/.exec(` ${spec}`)?.[1];
      if (target && names.isOwn(target)) into.hooks.push({ table, chain: chain as BuiltinChain, spec });
    }
  }
  return into;
}

/** Lines of `iptables -S <builtin chain>` that jump to our chains, as hook rules. */
export function hooksFromListing(lines: readonly string[], table: Table, names: ChainNames): HookRule[] {
  const out: HookRule[] = [];
  for (const line of lines) {
    const sp = line.indexOf(' ', 3);
    const chain = line.slice(3, sp);
    const spec = line.slice(sp + 1);
    const target = / -j (\S+)/.exec(` ${spec}`)?.[1];
    if (target && names.isOwn(target)) out.push({ table, chain: chain as BuiltinChain, spec });
  }
  return out;
}

/** Why the kernel differs from `want` (empty when it matches): chain rule counts and hook rules. */
export function drift(want: Rules, kernel: KernelState): string[] {
  const problems: string[] = [];
  for (const table of ['nat', 'filter'] as const) {
    const have = kernel.chains[table];
    for (const [name, lines] of want[table]) {
      const n = have.get(name);
      if (n === undefined) problems.push(`${table} chain ${name} is missing`);
      else if (n !== lines.length) problems.push(`${table} chain ${name} has ${n} rules, want ${lines.length}`);
    }
    for (const name of have.keys()) if (!want[table].has(name)) problems.push(`${table} chain ${name} should not exist`);
  }
  problems.push(...hookDrift(want.hooks, kernel.hooks));
  return problems;
}

/** Differences between the hook rules we want and those present (missing, extra, duplicated). */
export function hookDrift(want: readonly HookRule[], have: readonly HookRule[]): string[] {
  const problems: string[] = [];
  const count = new Map<string, number>();
  for (const h of have) count.set(hookKey(h), (count.get(hookKey(h)) ?? 0) + 1);
  for (const h of want) {
    const k = hookKey(h);
    const n = count.get(k) ?? 0;
    if (n === 0) problems.push(`hook missing: ${k}`);
    else if (n > 1) problems.push(`hook duplicated ${n} times: ${k}`);
    count.delete(k);
  }
  for (const k of count.keys()) problems.push(`unexpected hook: ${k}`);
  return problems;
}
