/**
 * An in-memory iptables for unit tests: applies iptables-restore --noflush input the way the
 * real one does for what the proxier writes (chain declarations flush, -A/-I/-D/-X, one
 * atomic transaction per table, refusal of jumps to missing chains and of deleting missing
 * rules or referenced chains), and prints iptables-save / -S output back.
 */
import type { Iptables } from './iptables.js';
import type { Table } from './ruleset.js';

const BUILTIN: Record<Table, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};
const TARGETS = new Set(['ACCEPT', 'DROP', 'RETURN', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK']);

type Tables = Record<Table, Map<string, string[]>>;

const clone = (t: Tables): Tables => ({
  nat: new Map([...t.nat].map(([k, v]) => [k, [...v]])),
  filter: new Map([...t.filter].map(([k, v]) => [k, [...v]])),
});

export class FakeIptables implements Iptables {
  tables: Tables = { nat: new Map(), filter: new Map() };
  /** Every restore input applied, in order. */
  readonly restores: string[] = [];
  calls = { restore: 0, save: 0, listChain: 0 };
  /** Makes the next restore fail (once). */
  failNext = false;

  constructor() {
    for (const t of ['nat', 'filter'] as const) for (const c of BUILTIN[t]) this.tables[t].set(c, []);
  }

  async restore(input: string): Promise<void> {
    this.calls.restore++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('iptables-restore failed (injected)');
    }
    const next = clone(this.tables);
    let table: Table | undefined;
    let lineNo = 0;
    const fail = (msg: string): never => {
      throw new Error(`line ${lineNo}: ${msg}`);
    };
    for (const line of input.split('\n')) {
      lineNo++;
      if (!line || line.startsWith('#')) continue;
      if (line.startsWith('*')) {
        table = line.slice(1) as Table;
        continue;
      }
      if (!table) fail('no table');
      const t = next[table!];
      if (line === 'COMMIT') continue;
      if (line.startsWith(':')) {
        const name = line.slice(1).split(' ')[0];
        if (BUILTIN[table!].includes(name)) fail('declaring a built-in chain would flush it');
        t.set(name, []);
        continue;
      }
      const [op, chain, ...rest] = line.split(' ');
      const rules = t.get(chain);
      if (!rules) fail(`no chain ${chain}`);
      if (op === '-X') {
        if (rules!.length) fail(`chain ${chain} not empty`);
        for (const [c, rs] of t) if (rs.some((r) => r.endsWith(` -j ${chain}`) || r.includes(` -j ${chain} `))) fail(`chain ${chain} referenced by ${c}`);
        t.delete(chain);
        continue;
      }
      let spec = rest.join(' ');
      if (op === '-I') spec = rest.slice(1).join(' ');
      const target = / -j (\S+)/.exec(` ${spec}`)?.[1];
      if (target && !TARGETS.has(target) && !t.has(target)) fail(`no chain/target ${target}`);
      if (op === '-A') rules!.push(spec);
      else if (op === '-I') rules!.splice(Number(rest[0]) - 1, 0, spec);
      else if (op === '-D') {
        const i = rules!.indexOf(spec);
        if (i < 0) fail(`rule not found in ${chain}: ${spec}`);
        rules!.splice(i, 1);
      } else fail(`unknown op ${op}`);
    }
    this.tables = next;
    this.restores.push(input);
  }

  async save(table: Table): Promise<string> {
    this.calls.save++;
    const t = this.tables[table];
    const out = [`*${table}`];
    for (const [name] of t) out.push(BUILTIN[table].includes(name) ? `:${name} ACCEPT [0:0]` : `:${name} - [0:0]`);
    for (const [name, rules] of t) for (const r of rules) out.push(`-A ${name} ${r}`);
    out.push('COMMIT');
    return `${out.join('\n')}\n`;
  }

  async listChain(table: Table, chain: string): Promise<string[] | undefined> {
    this.calls.listChain++;
    return this.tables[table].get(chain)?.map((r) => `-A ${chain} ${r}`);
  }

  /** Chains other than the built-in ones, in both tables. */
  userChains(): string[] {
    return (['nat', 'filter'] as const).flatMap((t) => [...this.tables[t].keys()].filter((c) => !BUILTIN[t].includes(c)).map((c) => `${t}/${c}`));
  }

  /** Rules in built-in chains. */
  builtinRules(): string[] {
    return (['nat', 'filter'] as const).flatMap((t) => BUILTIN[t].flatMap((c) => (this.tables[t].get(c) ?? []).map((r) => `${t}/${c} ${r}`)));
  }
}
