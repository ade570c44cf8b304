/**
 * The iptables binaries, behind a small interface so the proxier can be tested without root.
 * Every call waits for the xtables lock (-w) rather than fail when another writer holds it.
 */
import { spawn } from 'node:child_process';
import type { Table } from './ruleset.js';

export interface Iptables {
  /** Applies restore input with --noflush (only the chains it names are touched). Throws with the failing lines. */
  restore(input: string): Promise<void>;
  /** `iptables-save -t <table>` output. */
  save(table: Table): Promise<string>;
  /** `iptables -t <table> -S <chain>` rule lines, or undefined when the chain cannot be listed (missing). */
  listChain(table: Table, chain: string): Promise<string[] | undefined>;
}

export interface ExecIptablesOptions {
  restoreBin?: string;
  saveBin?: string;
  iptablesBin?: string;
  /** Seconds to wait for the xtables lock (default 5). */
  waitSeconds?: number;
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    // A child that dies before reading all input makes the pipe fail: report its exit, not EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

export class IptablesError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'IptablesError';
  }
}

/** The lines around `line N` of an iptables-restore error, to say which rule was refused. */
export function restoreErrorContext(input: string, stderr: string): string {
  const m = /line (\d+)/.exec(stderr);
  if (!m) return '';
  const n = Number(m[1]);
  const lines = input.split('\n');
  return lines
    .slice(Math.max(0, n - 3), n + 1)
    .map((l, i) => `${Math.max(0, n - 3) + i + 1}: ${l}`)
    .join('\n');
}

export class ExecIptables implements Iptables {
  private readonly restoreBin: string;
  private readonly saveBin: string;
  private readonly iptablesBin: string;
  private readonly wait: string;

  constructor(opts: ExecIptablesOptions = {}) {
    this.restoreBin = opts.restoreBin ?? '/usr/sbin/iptables-restore';
    this.saveBin = opts.saveBin ?? '/usr/sbin/iptables-save';
    this.iptablesBin = opts.iptablesBin ?? '/usr/sbin/iptables';
    this.wait = String(opts.waitSeconds ?? 5);
  }

  async restore(input: string): Promise<void> {
    const r = await run(this.restoreBin, ['--noflush', '-w', this.wait], input);
    if (r.code !== 0) {
      const ctx = restoreErrorContext(input, r.stderr);
      throw new IptablesError(`iptables-restore failed (exit ${r.code}): ${r.stderr.trim()}${ctx ? `\n${ctx}` : ''}`, r.stderr);
    }
  }

  async save(table: Table): Promise<string> {
    const r = await run(this.saveBin, ['-t', table]);
    if (r.code !== 0) throw new IptablesError(`iptables-save -t ${table} failed (exit ${r.code}): ${r.stderr.trim()}`, r.stderr);
    return r.stdout;
  }

  async listChain(table: Table, chain: string): Promise<string[] | undefined> {
    const r = await run(this.iptablesBin, ['-w', this.wait, '-t', table, '-S', chain]);
    // A missing chain is reported in several wordings ("No chain", "incompatible" for a
    // missing table); any failure means the caller cannot trust the chain, which is what it asks.
    if (r.code !== 0) return undefined;
    return r.stdout.split('\n').filter((l) => l.startsWith('-A '));
  }
}
