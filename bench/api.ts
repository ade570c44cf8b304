/**
 * API server benchmarks over real HTTPS (127.0.0.1, keep-alive, bearer token), printing
 * numbers against targets and against the bare storage engine measured in the same run:
 *
 *   1. create throughput and latency at 1, 10 and 100 clients, next to raw storage writes,
 *      the Store layer alone and a bare HTTPS server (the floor any Node API server has)
 *   2. update latency at a fixed rate
 *   3. list latency over 10,000 pods (JSON, Table, label selector, kubectl's limit=500 page)
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
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startTestServer, type Backend } from '../test/support/api-server.js';
import { startEtcd, type EtcdServer } from '../test/support/etcd.js';
import { BenchClient, type Target } from './api-load.js';
import { startHttpsFloor } from './https-floor.js';
import { inlineRunner, workerRunner, type ClientMode, type LoadRunner } from './load-runner.js';
import { serverHelp, startServerProcess, type ServerProcess } from './server-process.js';
import { etcdStoreCreates, rawEtcdPuts, rawSqliteGrouped, sqliteStoreCreates, type BenchResult } from './storage-raw.js';

// ---- sizes and targets --------------------------------------------------------------

interface Sizes {
  creates: Record<number, number>;
  /** Each create measurement (orch and its baselines) is repeated this often; medians are printed. */
  createRounds: number;
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
  /** A second idle reading: V8 shrinks the start-up heap some seconds after the last allocation burst. */
  settleMs: number;
}

const FULL: Sizes = {
  creates: { 1: 1000, 10: 5000, 100: 10_000 },
  createRounds: 3,
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
  settleMs: 15_000,
};

const QUICK: Sizes = {
  creates: { 1: 200, 10: 1000, 100: 2000 },
  createRounds: 1,
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
  settleMs: 6000,
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
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
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
  /** The in-process server's data dir (its TLS files are reused by the HTTPS floor). */
  dataDir: string;
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

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
const range = (xs: number[], f: (x: number) => string) => (xs.length > 1 ? `${f(Math.min(...xs))}-${f(Math.max(...xs))}` : '');

/** The round whose rate is the median one: its latencies stand for the set. */
function medianRound<T>(rounds: T[], rate: (r: T) => number): T {
  const m = median(rounds.map(rate));
  return rounds.find((r) => rate(r) === m)!;
}

async function benchCreates(ctx: Ctx): Promise<void> {
  const { sizes, runner, target, backend } = ctx;
  await ensureNamespace(target, 'warm');
  await ensureNamespace(target, 'create');
  // Warm-up: JIT, TLS sessions, the WAL file and the caches' first growth.
  const warm = await runner.run('createLoad', { target, namespace: 'warm', kind: 'configmap', concurrency: 10, count: sizes.warmup, prefix: 'w-' });
  checkErrors('warm-up', warm);
  const valueBytes = await storedSize(target, '/api/v1/namespaces/warm/configmaps/w-0');
  const tls = join(ctx.dataDir, 'tls');
  const floor = await startHttpsFloor(await readFile(join(tls, 'serving.crt'), 'utf8'), await readFile(join(tls, 'serving.key'), 'utf8'));
  const floorTarget: Target = { ...target, url: floor.url };
  // The etcd baselines get an etcd of their own: their 100,000+ keys would otherwise sit in
  // orch's etcd (under /registry/, streamed to its watch, compacted by its compactor) and
  // slow the later sections.
  const baseEtcd = backend === 'etcd' ? await startEtcdTracked() : undefined;
  const baseEtcdDone = baseEtcd ? onInterrupt(() => baseEtcd.stop()) : () => undefined;
  const rows: string[][] = [];
  const baseRows: string[][] = [];
  const results: unknown[] = [];
  try {
    await runner.run('createLoad', { target: floorTarget, namespace: 'create', kind: 'configmap', concurrency: 10, count: sizes.warmup, prefix: 'w-' });
    for (const c of [1, 10, 100]) {
      const count = sizes.creates[c];
      const opts = { concurrency: c, writes: count, valueBytes };
      // Rounds interleave orch and its baselines, so a burst of load from other processes
      // hits one round of each rather than all of one measurement.
      const rounds: { orch: Stats; orchRate: number; raw: BenchResult; store: BenchResult; https: Stats; httpsRate: number }[] = [];
      for (let round = 0; round < sizes.createRounds; round++) {
        const r = await runner.run('createLoad', { target, namespace: 'create', kind: 'configmap', concurrency: c, count, prefix: `c${c}-r${round}-` });
        checkErrors(`creates c=${c}`, r);
        const raw: BenchResult = baseEtcd ? await rawEtcdPuts(baseEtcd.endpoint, opts) : await rawSqliteGrouped(opts);
        // The Store layer alone (no HTTP, no registry): tells which layer the gap to raw is in.
        const store: BenchResult = baseEtcd ? await etcdStoreCreates(baseEtcd.endpoint, opts) : await sqliteStoreCreates(opts);
        const f = await runner.run('createLoad', { target: floorTarget, namespace: 'create', kind: 'configmap', concurrency: c, count, prefix: `c${c}-r${round}-` });
        rounds.push({ orch: stats(r.latencies), orchRate: count / (r.elapsedMs / 1000), raw, store, https: stats(f.latencies), httpsRate: count / (f.elapsedMs / 1000) });
      }
      const rate = median(rounds.map((r) => r.orchRate));
      const rawRate = median(rounds.map((r) => r.raw.writesPerSec));
      const storeRate = median(rounds.map((r) => r.store.writesPerSec));
      const httpsRate = median(rounds.map((r) => r.httpsRate));
      const ratio = rate / rawRate;
      const o = medianRound(rounds, (r) => r.orchRate).orch;
      const rw = medianRound(rounds, (r) => r.raw.writesPerSec).raw;
      const st = medianRound(rounds, (r) => r.store.writesPerSec).store;
      const fl = medianRound(rounds, (r) => r.httpsRate).https;
      const judged = c === 100;
      const rateTarget = backend === 'sqlite' && judged ? `>= ${int(TARGET.createsPerSecSqlite)} ${verdict(rate >= TARGET.createsPerSecSqlite)}` : '';
      const ratioTarget = judged ? `>= ${TARGET.createRatio * 100}% ${verdict(ratio >= TARGET.createRatio)}` : '';
      const k = (x: number) => `${(x / 1000).toFixed(1)}k`;
      rows.push([
        String(c),
        int(count),
        int(rate),
        range(rounds.map((r) => r.orchRate), k),
        ms(o.p50),
        ms(o.p99),
        rateTarget,
        int(rawRate),
        pct(ratio),
        range(rounds.map((r) => r.orchRate / r.raw.writesPerSec), pct),
        ratioTarget,
      ]);
      baseRows.push([String(c), int(rawRate), ms(rw.p50Ms), ms(rw.p99Ms), int(storeRate), ms(st.p50Ms), ms(st.p99Ms), int(httpsRate), ms(fl.p50), ms(fl.p99), pct(rate / httpsRate)]);
      results.push({ concurrency: c, count, createsPerSec: rate, latency: o, rawPerSec: rawRate, storePerSec: storeRate, httpsFloorPerSec: httpsRate, ratio, rounds });
    }
  } finally {
    await floor.close();
    baseEtcdDone();
    await baseEtcd?.stop();
  }
  const n = sizes.createRounds;
  const rawName = backend === 'sqlite' ? 'sqlite raw grouped insert (synchronous=FULL, WAL)' : 'etcd raw put (on a second, otherwise idle etcd)';
  table(
    `1. Create throughput, ConfigMaps (${valueBytes} B stored), ${backend}${n > 1 ? `: median of ${n} rounds, each orch run followed by its baselines` : ''}`,
    ['clients', 'creates', 'creates/s', 'range', 'p50 ms', 'p99 ms', 'target', 'raw/s', 'orch/raw', 'range', 'target'],
    rows,
    [
      `raw = ${rawName}: same concurrency, count and value size`,
      'p50/p99 from the median round; orch/raw range = per-round ratios (orch and raw measured back to back)',
    ],
  );
  table(
    `1b. Baselines for the same creates (what each layer alone does), ${backend}`,
    ['clients', 'raw/s', 'raw p50', 'raw p99', 'store/s', 'store p50', 'store p99', 'https/s', 'https p50', 'https p99', 'orch/https'],
    baseRows,
    [
      `store = ${backend === 'sqlite' ? 'SqliteStore' : 'EtcdStore'}.create called in this process: storage layer, no HTTP, no registry`,
      'https = bare node:https server in this process, same cert and client, JSON.parse + JSON.stringify of the body, no storage: the HTTPS floor',
    ],
  );
  ctx.summary.create = { valueBytes, rounds: n, results };
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
  const judge = (latency: Stats, runs: number) => {
    const by = runs >= 20 ? 'p99' : 'max';
    return `${by} <= ${TARGET.listMs} ${verdict(latency[by] <= TARGET.listMs)}`;
  };
  const rows: string[][] = [];
  const results: unknown[] = [];
  // The first full list after the creates also serialises every pod for the cache's JSON
  // text (a create's reply does not fill it); reported on its own, not mixed into the rest.
  const cold = await runner.run('listLatency', { target, path: base, runs: 1 });
  checkErrors('first list', cold);
  rows.push(['JSON, full list, first after creates', int(cold.items), mb(cold.bytes), '1', ms(cold.latencies[0]), '', ms(cold.ttfb[0]), judge(stats(cold.latencies), 1)]);
  results.push({ name: 'JSON, full list, first after creates', items: cold.items, bytes: cold.bytes, latency: stats(cold.latencies), ttfb: stats(cold.ttfb) });
  for (const c of cases) {
    const r = await runner.run('listLatency', { target, path: c.path, runs: c.runs, accept: c.accept });
    checkErrors(c.name, r);
    const s = stats(r.latencies);
    const t = stats(r.ttfb);
    rows.push([c.name, int(r.items), mb(r.bytes), String(c.runs), ms(s.p50), ms(s.p99), ms(t.p50), judge(s, c.runs)]);
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

/** Other processes' CPU use skews every number here; the load average shows when it did. */
function loadNote(when: string): string {
  const [one, five] = os.loadavg();
  const busy = one > os.cpus().length / 2 ? ' (busy machine: other processes compete for the CPUs, expect lower numbers)' : '';
  return `load average ${when}: ${one.toFixed(2)} (1 min), ${five.toFixed(2)} (5 min) on ${os.cpus().length} CPUs${busy}`;
}

function clientNote(mode: ClientMode): string {
  return mode === 'worker'
    ? `client: load generator in a worker thread; server on the main thread; ${os.cpus().length} CPUs shared by both`
    : `client: load generator on the server's own thread (--client inline): client TLS/parsing time is server time here`;
}

interface ServerProcessRun {
  idle: MemoryReading;
  settled: MemoryReading;
  loaded: MemoryReading;
  podCreatesPerSec: number;
  list: Stats;
  /** CPU seconds the server process used while the pods were created and listed, and in the 2 s after. */
  cpuLoadSec: number;
  cpuAfterSec: number;
}

type MemoryReading = Awaited<ReturnType<ServerProcess['memory']>>;

/** One orch server child on a fresh store: idle readings, then 10,000 pods and 3 lists. */
async function measureServerProcess(ctx: Ctx, extraArgs: string[]): Promise<ServerProcessRun> {
  const { sizes, runner, backend } = ctx;
  // A fresh etcd each time: earlier data would otherwise fill the new server's watch cache.
  const etcd = backend === 'etcd' ? await startEtcdTracked() : undefined;
  const etcdDone = etcd ? onInterrupt(() => etcd.stop()) : () => undefined;
  try {
    const proc = await startServerProcess(etcd?.endpoint, extraArgs);
    const procDone = onInterrupt(() => proc.stop());
    try {
      await sleep(sizes.idleWaitMs);
      const idle = await proc.memory();
      await sleep(sizes.settleMs - sizes.idleWaitMs);
      const settled = await proc.memory();
      const target = proc.target;
      await ensureNamespace(target, 'x');
      const cpu0 = await proc.cpuSeconds();
      const created = await runner.run('createLoad', { target, namespace: 'x', kind: 'pod', concurrency: 100, count: sizes.pods, prefix: 'pod-' });
      checkErrors('pod creates (orch server process)', created);
      const listed = await runner.run('listLatency', { target, path: '/api/v1/namespaces/x/pods', runs: 3 });
      checkErrors('list (orch server process)', listed);
      const cpu1 = await proc.cpuSeconds();
      await sleep(2000);
      const loaded = await proc.memory();
      const cpu2 = await proc.cpuSeconds();
      return {
        idle,
        settled,
        loaded,
        podCreatesPerSec: sizes.pods / (created.elapsedMs / 1000),
        list: stats(listed.latencies),
        cpuLoadSec: cpu1 - cpu0,
        cpuAfterSec: cpu2 - cpu1,
      };
    } finally {
      procDone();
      await proc.stop();
    }
  } finally {
    etcdDone();
    await etcd?.stop();
  }
}

const API_ONLY_FLAGS = ['--disable-scheduler', '--disable-controller-manager'];

async function benchRss(ctx: Ctx): Promise<void> {
  const { sizes, backend } = ctx;
  const variants: { name: string; args: string[] }[] = [{ name: 'as started', args: [] }];
  // When the server also runs the scheduler and controllers, measure the API server alone too.
  const help = await serverHelp();
  if (API_ONLY_FLAGS.every((f) => help.includes(f))) variants.push({ name: 'API only', args: API_ONLY_FLAGS });
  const rows: string[][] = [];
  const notes: string[] = [];
  const runs: Record<string, ServerProcessRun> = {};
  for (const v of variants) {
    const r = await measureServerProcess(ctx, v.args);
    runs[v.name] = r;
    const idleTarget = (m: MemoryReading) => `<= ${TARGET.idleRssMiB} ${verdict(m.rssMiB <= TARGET.idleRssMiB)}`;
    rows.push(
      [v.name, `idle, ${sizes.idleWaitMs / 1000} s after ready`, r.idle.rssMiB.toFixed(1), r.idle.hwmMiB.toFixed(1), idleTarget(r.idle)],
      [v.name, `idle, ${sizes.settleMs / 1000} s after ready`, r.settled.rssMiB.toFixed(1), r.settled.hwmMiB.toFixed(1), idleTarget(r.settled)],
      [v.name, `after ${int(sizes.pods)} pods + 3 full lists`, r.loaded.rssMiB.toFixed(1), r.loaded.hwmMiB.toFixed(1), 'info'],
    );
    notes.push(
      `${v.name}: ${int(r.podCreatesPerSec)} pod creates/s with 100 clients; full-list p50 ${ms(r.list.p50)} ms, max ${ms(r.list.max)} ms over 3 runs; ` +
        `server CPU ${r.cpuLoadSec.toFixed(1)} s during creates + lists, ${r.cpuAfterSec.toFixed(1)} s in the 2 s after`,
    );
  }
  table(
    `5. RSS of the orch server process (bin/orch.js server --disable-agent${variants.length > 1 ? ' [' + API_ONLY_FLAGS.join(' ') + ']' : ''}, ${backend}${backend === 'etcd' ? '; etcd not counted' : ''})`,
    ['server', 'state', 'VmRSS MiB', 'VmHWM MiB', 'target'],
    rows,
    [...notes, 'V8 gives back the start-up heap some seconds after start, hence two idle readings; the load generator is in this process, not that one'],
  );
  ctx.summary.rss = runs;
}

async function runBackend(backend: Backend, sizes: Sizes, runner: LoadRunner, sections: Set<Section>): Promise<Record<string, unknown>> {
  const summary: Record<string, unknown> = {};
  const inProcess = [...sections].some((s) => s !== 'rss');
  if (inProcess) {
    const dataDir = await mkdtemp(join(os.tmpdir(), 'orch-bench-api-'));
    let etcd: EtcdServer | undefined;
    let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
    const teardown = async () => {
      // cleanup() stops the server, the store and the etcd it was given, and removes dataDir.
      if (server) await server.cleanup();
      else {
        await etcd?.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    };
    const done = onInterrupt(teardown);
    try {
      etcd = backend === 'etcd' ? await startEtcdTracked() : undefined;
      server = await startTestServer(backend, { dataDir, etcd });
      const target: Target = { url: server.api.url, ca: server.api.caPem, token: server.api.adminToken };
      const ctx: Ctx = { backend, sizes, runner, target, dataDir, summary };
      if (sections.has('create')) await benchCreates(ctx);
      if (sections.has('rate')) await benchFixedRate(ctx);
      if (sections.has('list')) await benchList(ctx);
      if (sections.has('watch')) await benchWatch(ctx);
    } finally {
      done();
      await teardown();
    }
  }
  if (sections.has('rss')) await benchRss({ backend, sizes, runner, target: { url: '', ca: '', token: '' }, dataDir: '', summary });
  return summary;
}

/** What an interrupted run still has to stop and remove (servers, etcd, temp dirs). */
const pendingCleanups = new Set<() => Promise<unknown>>();

/** Runs `fn` on Ctrl-C too; call the returned function once `fn` has run normally. */
function onInterrupt(fn: () => Promise<unknown>): () => void {
  pendingCleanups.add(fn);
  return () => pendingCleanups.delete(fn);
}

/** startEtcd(), stopped even when Ctrl-C comes while it is still starting. */
async function startEtcdTracked(): Promise<EtcdServer> {
  const starting = startEtcd();
  const done = onInterrupt(async () => (await starting.catch(() => undefined))?.stop());
  try {
    return await starting;
  } finally {
    done();
  }
}

async function interrupted(): Promise<void> {
  out('interrupted: cleaning up');
  const all = Promise.allSettled([...pendingCleanups].map((f) => f()));
  await Promise.race([all, sleep(15_000)]);
  process.exit(130);
}

async function main(): Promise<void> {
  // Without a handler Ctrl-C ends the process at once: no etcd.stop(), no temp dir removal.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void interrupted());
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
  out(loadNote('before'));
  const summary: Record<string, unknown> = { node: process.version, cpus: os.cpus().length, client: runner.mode, quick: values.quick, targets: TARGET, loadBefore: os.loadavg() };
  try {
    for (const b of backends) {
      out('');
      out(`=== backend: ${b} ===`);
      out(loadNote(`at the start of ${b}`));
      summary[b] = await runBackend(b, sizes, runner, sections);
    }
  } finally {
    await runner.close();
  }
  out('');
  out(loadNote('after'));
  summary.loadAfter = os.loadavg();
  if (values.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
}

await main();
