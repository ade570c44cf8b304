/**
 * API server benchmarks over real HTTPS (127.0.0.1, keep-alive, bearer token), printing
 * numbers against targets and against the bare storage engine measured in the same run:
 *
 *   1. create throughput and latency at 1, 10 and 100 clients, next to raw storage writes
 *   2. update latency at a fixed rate
 *   3. list latency over 10,000 pods (JSON, Table, label selector)
 *   4. watch fan-out latency to 100 watchers
 *   5. RSS of the real `orch server` process, idle and after 10,000 pods
 *
 *   node dist/bench/api.js [--backend sqlite|etcd|both] [--quick] [--json]
 *                          [--client worker|inline] [--only create,rate,list,watch,rss]
 *
 * The API server runs in this process (test/support/api-server.ts); the load generator
 * runs in a worker thread by default so the two can use the machine's two cores instead
 * of one event loop. `--client inline` runs it on the server's thread, to see the difference.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startTestServer, type Backend } from '../test/support/api-server.js';
import { startEtcd, type EtcdServer } from '../test/support/etcd.js';
import { BenchClient, type Target } from './api-load.js';
import { inlineRunner, workerRunner, type ClientMode, type LoadRunner } from './load-runner.js';
import { startServerProcess } from './server-process.js';
import { etcdStoreCreates, rawEtcdPuts, rawSqliteGrouped, sqliteStoreCreates, type BenchResult } from './storage-raw.js';

// ---- sizes and targets --------------------------------------------------------------

interface Sizes {
  creates: Record<number, number>;
  warmup: number;
  rate: number;
  rateSeconds: number;
  rateObjects: number;
  pods: number;
  listRuns: number;
  tableRuns: number;
  selectorRuns: number;
  watchers: number;
  watchWrites: number;
  watchRate: number;
  idleWaitMs: number;
}

const FULL: Sizes = {
  creates: { 1: 1000, 10: 5000, 100: 10_000 },
  warmup: 2000,
  rate: 100,
  rateSeconds: 10,
  rateObjects: 100,
  pods: 10_000,
  listRuns: 20,
  tableRuns: 3,
  selectorRuns: 20,
  watchers: 100,
  watchWrites: 500,
  watchRate: 50,
  idleWaitMs: 5000,
};

const QUICK: Sizes = {
  creates: { 1: 200, 10: 1000, 100: 2000 },
  warmup: 500,
  rate: 100,
  rateSeconds: 3,
  rateObjects: 100,
  pods: 1000,
  listRuns: 5,
  tableRuns: 1,
  selectorRuns: 5,
  watchers: 20,
  watchWrites: 100,
  watchRate: 50,
  idleWaitMs: 2000,
};

const TARGET = {
  createsPerSecSqlite: 2000,
  createRatio: 0.5,
  writeP99Ms: 50,
  listMs: 300,
  watchP99Ms: 50,
  idleRssMiB: 100,
};

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const SECTIONS = ['create', 'rate', 'list', 'watch', 'rss'] as const;
type Section = (typeof SECTIONS)[number];

// ---- statistics and printing --------------------------------------------------------

interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Same definition as bench/storage-raw.ts: the sample at floor(n * p) of the sorted set. */
function stats(xs: ArrayLike<number>): Stats {
  const s = Float64Array.from(xs).sort();
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : NaN);
  let sum = 0;
  for (const x of s) sum += x;
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s.length ? s[s.length - 1] : NaN, mean: s.length ? sum / s.length : NaN };
}

const ms = (x: number) => (Number.isNaN(x) ? '-' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const int = (x: number) => Math.round(x).toLocaleString('en-US');
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

let out: (line: string) => void = (line) => process.stdout.write(line + '\n');

/** A table with a title, aligned columns (numbers right, text left) and notes below. */
function table(title: string, header: string[], rows: string[][], notes: string[] = []): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = (s: string) => /^[-\d.,%x ]+$|^\d/.test(s);
  const line = (r: string[]) =>
    '  ' + r.map((c, i) => (i > 0 && numeric(c) ? (c ?? '').padStart(widths[i]) : (c ?? '').padEnd(widths[i]))).join('  ').trimEnd();
  out('');
  out(title);
  out(line(header));
  out('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) out(line(r));
  for (const n of notes) out(`  ${n}`);
}

// ---- the benchmarks -----------------------------------------------------------------

interface Ctx {
  backend: Backend;
  sizes: Sizes;
  runner: LoadRunner;
  target: Target;
  etcd?: EtcdServer;
  summary: Record<string, unknown>;
}

async function ensureNamespace(target: Target, name: string): Promise<void> {
  const c = new BenchClient(target, 1);
  try {
    const r = await c.request('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    if (r.status !== 201 && r.status !== 409) throw new Error(`creating namespace ${name}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  } finally {
    c.close();
  }
}

async function storedSize(target: Target, path: string): Promise<number> {
  const c = new BenchClient(target, 1);
  try {
    const r = await c.request('GET', path);
    if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}`);
    return r.bytes;
  } finally {
    c.close();
  }
}

function checkErrors(what: string, r: { errors: number; firstError?: string }): void {
  if (r.errors) out(`  !! ${what}: ${r.errors} requests failed (first: ${r.firstError})`);
}

async function benchCreates(ctx: Ctx): Promise<void> {
  const { sizes, runner, target, backend } = ctx;
  await ensureNamespace(target, 'warm');
  await ensureNamespace(target, 'create');
  // Warm-up: JIT, TLS sessions, the WAL file and the caches' first growth.
  const warm = await runner.run('createLoad', { target, namespace: 'warm', kind: 'configmap', concurrency: 10, count: sizes.warmup, prefix: 'w-' });
  checkErrors('warm-up', warm);
  const valueBytes = await storedSize(target, '/api/v1/namespaces/warm/configmaps/w-0');
  const rows: string[][] = [];
  const results: unknown[] = [];
  for (const c of [1, 10, 100]) {
    const count = sizes.creates[c];
    const r = await runner.run('createLoad', { target, namespace: 'create', kind: 'configmap', concurrency: c, count, prefix: `c${c}-` });
    checkErrors(`creates c=${c}`, r);
    const s = stats(r.latencies);
    const rate = count / (r.elapsedMs / 1000);
    const opts = { concurrency: c, writes: count, valueBytes };
    const raw: BenchResult = backend === 'sqlite' ? await rawSqliteGrouped(opts) : await rawEtcdPuts(ctx.etcd!.endpoint, opts);
    // The Store layer alone (no HTTP, no registry): tells which layer the gap to raw is in.
    const store: BenchResult = backend === 'sqlite' ? await sqliteStoreCreates(opts) : await etcdStoreCreates(ctx.etcd!.endpoint, opts);
    const ratio = rate / raw.writesPerSec;
    const judged = c === 100;
    const rateTarget = backend === 'sqlite' && judged ? `>= ${int(TARGET.createsPerSecSqlite)} ${verdict(rate >= TARGET.createsPerSecSqlite)}` : '';
    const ratioTarget = judged ? `>= ${TARGET.createRatio * 100}% ${verdict(ratio >= TARGET.createRatio)}` : '';
    rows.push([String(c), int(count), int(rate), ms(s.p50), ms(s.p99), rateTarget, int(raw.writesPerSec), ms(raw.p50Ms), ms(raw.p99Ms), `${(ratio * 100).toFixed(0)}%`, ratioTarget, int(store.writesPerSec), ms(store.p99Ms)]);
    results.push({ concurrency: c, count, createsPerSec: rate, latency: s, raw, store, ratio, errors: r.errors });
  }
  const rawName = backend === 'sqlite' ? 'sqlite raw grouped insert (synchronous=FULL, WAL)' : 'etcd raw put';
  table(
    `1. Create throughput, ConfigMaps (${valueBytes} B stored), ${backend}`,
    ['clients', 'creates', 'creates/s', 'p50 ms', 'p99 ms', 'target', 'raw/s', 'raw p50', 'raw p99', 'orch/raw', 'target', 'store/s', 'store p99'],
    rows,
    [
      `raw = ${rawName}, same concurrency and count, ${valueBytes}-byte values, measured right after the orch run`,
      `store = ${backend === 'sqlite' ? 'SqliteStore' : 'EtcdStore'}.create in this process (no HTTP, no registry), same concurrency and count`,
    ],
  );
  ctx.summary.create = { valueBytes, results };
}

async function benchFixedRate(ctx: Ctx): Promise<void> {
  const { sizes, runner, target, backend } = ctx;
  await ensureNamespace(target, 'rate');
  const r = await runner.run('fixedRateUpdates', { target, namespace: 'rate', objects: sizes.rateObjects, rate: sizes.rate, durationMs: sizes.rateSeconds * 1000 });
  checkErrors('fixed-rate updates', r);
  const s = stats(r.latencies);
  const sched = stats(r.fromSchedule);
  const late = stats(r.lateness);
  table(
    `2. Update latency at a fixed rate (${sizes.rate} PUT/s for ${sizes.rateSeconds} s over ${sizes.rateObjects} ConfigMaps), ${backend}`,
    ['measured from', 'writes', 'p50 ms', 'p99 ms', 'max ms', 'target'],
    [
      ['request sent', int(s.n), ms(s.p50), ms(s.p99), ms(s.max), `p99 <= ${TARGET.writeP99Ms} ${verdict(s.p99 <= TARGET.writeP99Ms)}`],
      ['scheduled time', int(sched.n), ms(sched.p50), ms(sched.p99), ms(sched.max), ''],
    ],
    [`client timer lag p50 ${ms(late.p50)} ms, p99 ${ms(late.p99)} ms; ${r.errors} errors (409s would mean an update overlapped its predecessor)`],
  );
  ctx.summary.fixedRate = { rate: sizes.rate, seconds: sizes.rateSeconds, latency: s, fromSchedule: sched, lateness: late, errors: r.errors };
}

async function benchList(ctx: Ctx): Promise<void> {
  const { sizes, runner, target, backend } = ctx;
  await ensureNamespace(target, 'x');
  const created = await runner.run('createLoad', { target, namespace: 'x', kind: 'pod', concurrency: 100, count: sizes.pods, prefix: 'pod-' });
  checkErrors('pod creates', created);
  const podRate = sizes.pods / (created.elapsedMs / 1000);
  const podBytes = await storedSize(target, '/api/v1/namespaces/x/pods/pod-0');
  const base = '/api/v1/namespaces/x/pods';
  const cases: { name: string; path: string; runs: number; accept?: string }[] = [
    { name: 'JSON, full list', path: base, runs: sizes.listRuns },
    { name: 'Table, full list', path: base, runs: sizes.tableRuns, accept: TABLE_ACCEPT },
    { name: 'JSON, labelSelector app=app-7', path: `${base}?labelSelector=app%3Dapp-7`, runs: sizes.selectorRuns },
    { name: 'Table, limit=500 (kubectl get)', path: `${base}?limit=500`, runs: sizes.selectorRuns, accept: TABLE_ACCEPT },
  ];
  const rows: string[][] = [];
  const results: unknown[] = [];
  for (const c of cases) {
    const r = await runner.run('listLatency', { target, path: c.path, runs: c.runs, accept: c.accept });
    checkErrors(c.name, r);
    const s = stats(r.latencies);
    const t = stats(r.ttfb);
    const worst = c.runs >= 20 ? s.p99 : s.max;
    rows.push([c.name, int(r.items), `${(r.bytes / 1e6).toFixed(2)} MB`, String(c.runs), ms(s.p50), ms(s.p99), ms(t.p50), `${c.runs >= 20 ? 'p99' : 'max'} <= ${TARGET.listMs} ${verdict(worst <= TARGET.listMs)}`]);
    results.push({ ...c, items: r.items, bytes: r.bytes, latency: s, ttfb: t });
  }
  table(
    `3. List latency, ${int(sizes.pods)} Pods (${podBytes} B each as served) in one namespace, ${backend}`,
    ['request', 'items', 'size', 'runs', 'p50 ms', 'p99 ms', 'ttfb p50', 'target'],
    rows,
    [
      'time = request sent to last byte received (client does not parse); ttfb = to response headers, i.e. the server\'s work before writing',
      `p99 of fewer than 100 runs is the max; the ${int(sizes.pods)} pods were created at ${int(podRate)} creates/s with 100 clients`,
    ],
  );
  ctx.summary.list = { pods: sizes.pods, podBytes, podCreatesPerSec: podRate, results };
}

async function benchWatch(ctx: Ctx): Promise<void> {
  const { sizes, runner, target, backend } = ctx;
  await ensureNamespace(target, 'fan');
  const r = await runner.run('watchFanout', { target, namespace: 'fan', watchers: sizes.watchers, writes: sizes.watchWrites, rate: sizes.watchRate });
  checkErrors('watch writes', r);
  const s = stats(r.latencies);
  const w = stats(r.writeLatencies);
  table(
    `4. Watch fan-out: ${sizes.watchers} watches on one namespace's ConfigMaps, ${sizes.watchWrites} creates at ${sizes.watchRate}/s, ${backend}`,
    ['measured', 'samples', 'p50 ms', 'p99 ms', 'max ms', 'target'],
    [
      ['write sent -> event at each watcher', int(s.n), ms(s.p50), ms(s.p99), ms(s.max), `p99 <= ${TARGET.watchP99Ms} ${verdict(s.p99 <= TARGET.watchP99Ms && r.received === r.expected)}`],
      ['write sent -> 201 reply', int(w.n), ms(w.p50), ms(w.p99), ms(w.max), ''],
    ],
    [
      `${int(r.received)} of ${int(r.expected)} (write, watcher) events arrived; ${sizes.watchers} watches opened in ${ms(r.connectMs)} ms`,
      clientNote(runner.mode),
    ],
  );
  ctx.summary.watch = { watchers: sizes.watchers, writes: sizes.watchWrites, rate: sizes.watchRate, latency: s, writeLatency: w, expected: r.expected, received: r.received };
}

function clientNote(mode: ClientMode): string {
  return mode === 'worker'
    ? `client: load generator in a worker thread; server on the main thread; ${os.cpus().length} CPUs shared by both${'' /* and etcd */}`
    : `client: load generator on the server's own thread (--client inline): client TLS/parsing time is server time here`;
}

async function benchRss(ctx: Ctx): Promise<void> {
  const { sizes, runner, backend } = ctx;
  // A fresh etcd: the benchmarks' data would otherwise fill the new server's watch cache.
  const etcd = backend === 'etcd' ? await startEtcd() : undefined;
  try {
    const proc = await startServerProcess(etcd?.endpoint);
    try {
      await sleep(sizes.idleWaitMs);
      const idle = await proc.memory();
      const target = proc.target;
      await ensureNamespace(target, 'x');
      const created = await runner.run('createLoad', { target, namespace: 'x', kind: 'pod', concurrency: 100, count: sizes.pods, prefix: 'pod-' });
      checkErrors('pod creates (orch server process)', created);
      const listed = await runner.run('listLatency', { target, path: '/api/v1/namespaces/x/pods', runs: 3 });
      checkErrors('list (orch server process)', listed);
      await sleep(2000);
      const loaded = await proc.memory();
      const podRate = sizes.pods / (created.elapsedMs / 1000);
      const l = stats(listed.latencies);
      table(
        `5. RSS of the orch server process (bin/orch.js server --disable-agent, ${backend}${etcd ? '; etcd not counted' : ''})`,
        ['state', 'VmRSS MiB', 'VmHWM MiB', 'target'],
        [
          [`idle, ${sizes.idleWaitMs / 1000} s after ready`, idle.rssMiB.toFixed(1), idle.hwmMiB.toFixed(1), `<= ${TARGET.idleRssMiB} ${verdict(idle.rssMiB <= TARGET.idleRssMiB)}`],
          [`after ${int(sizes.pods)} pods + 3 full lists`, loaded.rssMiB.toFixed(1), loaded.hwmMiB.toFixed(1), 'info'],
        ],
        [`in that process: ${int(podRate)} pod creates/s with 100 clients; full-list p50 ${ms(l.p50)} ms, max ${ms(l.max)} ms over 3 runs`],
      );
      ctx.summary.rss = { idle, afterPods: loaded, pods: sizes.pods, podCreatesPerSec: podRate, list: l };
    } finally {
      await proc.stop();
    }
  } finally {
    await etcd?.stop();
  }
}

async function runBackend(backend: Backend, sizes: Sizes, runner: LoadRunner, sections: Set<Section>): Promise<Record<string, unknown>> {
  const summary: Record<string, unknown> = {};
  const inProcess = [...sections].some((s) => s !== 'rss');
  if (inProcess) {
    const dataDir = await mkdtemp(join(os.tmpdir(), 'orch-bench-api-'));
    let etcd: EtcdServer | undefined;
    let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
    try {
      etcd = backend === 'etcd' ? await startEtcd() : undefined;
      server = await startTestServer(backend, { dataDir, etcd });
      const target: Target = { url: server.api.url, ca: server.api.caPem, token: server.api.adminToken };
      const ctx: Ctx = { backend, sizes, runner, target, etcd, summary };
      if (sections.has('create')) await benchCreates(ctx);
      if (sections.has('rate')) await benchFixedRate(ctx);
      if (sections.has('list')) await benchList(ctx);
      if (sections.has('watch')) await benchWatch(ctx);
    } finally {
      // cleanup() stops the server, the store and the etcd it was given, and removes dataDir.
      if (server) await server.cleanup();
      else {
        await etcd?.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    }
  }
  if (sections.has('rss')) await benchRss({ backend, sizes, runner, target: { url: '', ca: '', token: '' }, summary });
  return summary;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'both' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      client: { type: 'string', default: 'worker' },
      only: { type: 'string' },
    },
  });
  const backends: Backend[] = values.backend === 'both' ? ['sqlite', 'etcd'] : [values.backend as Backend];
  if (!backends.every((b) => b === 'sqlite' || b === 'etcd')) throw new Error(`--backend: expected sqlite, etcd or both, got ${values.backend}`);
  if (values.client !== 'worker' && values.client !== 'inline') throw new Error(`--client: expected worker or inline, got ${values.client}`);
  const sections = new Set<Section>((values.only ? values.only.split(',') : SECTIONS) as Section[]);
  for (const s of sections) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s} (expected ${SECTIONS.join(', ')})`);
  // With --json, stdout carries only the JSON summary; the readable report goes to stderr.
  if (values.json) out = (line) => process.stderr.write(line + '\n');
  const sizes = values.quick ? QUICK : FULL;
  const runner = values.client === 'inline' ? inlineRunner() : workerRunner();
  out(`orch API benchmarks${values.quick ? ' (--quick)' : ''}: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${backends.join(' + ')}`);
  out(clientNote(runner.mode) + (backends.includes('etcd') ? ' (and etcd, on the etcd runs)' : ''));
  const summary: Record<string, unknown> = { node: process.version, cpus: os.cpus().length, client: runner.mode, quick: values.quick, targets: TARGET };
  try {
    for (const b of backends) {
      out('');
      out(`=== backend: ${b} ===`);
      summary[b] = await runBackend(b, sizes, runner, sections);
    }
  } finally {
    await runner.close();
  }
  if (values.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
}

await main();
