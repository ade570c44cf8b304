/**
 * Command-line flags: one table per command drives both parsing and `--help`, so the
 * help can never drift from what is accepted. Values are validated once, here.
 */
import { parseArgs } from 'node:util';

export interface FlagSpec {
  name: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  default?: string | boolean;
  value?: string;
  help: string;
}

export class UsageError extends Error {}

export function parseFlags(specs: FlagSpec[], argv: string[]): Record<string, any> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const s of specs) {
    options[s.name] = { type: s.type };
    if (s.multiple) options[s.name].multiple = true;
    if (s.short) options[s.name].short = s.short;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^Unknown option '(.*?)'.*$/s, 'unknown flag: $1'));
  }
  const out: Record<string, any> = {};
  for (const s of specs) out[s.name] = (parsed.values as Record<string, unknown>)[s.name] ?? s.default;
  return out;
}

export function renderHelp(usage: string, description: string, specs: FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.type === 'string' ? ` ${s.value ?? 'VALUE'}` : ''}`;
    const def = s.default !== undefined && s.default !== false ? ` (default ${JSON.stringify(s.default)})` : '';
    return `  ${left.padEnd(40)} ${s.help}${def}`;
  });
  return `${description}\n\nUsage:\n  ${usage}\n\nFlags:\n${rows.join('\n')}\n`;
}

export function parsePortRange(s: string): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(s);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  if (!m || lo < 1 || hi > 65535 || lo > hi) throw new UsageError(`invalid port range ${JSON.stringify(s)}: want LOW-HIGH within 1-65535, e.g. 30000-32767`);
  return [lo, hi];
}

export function parsePort(s: string, flag: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag}: invalid port ${JSON.stringify(s)} (want 0-65535)`);
  return n;
}
