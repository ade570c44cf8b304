/**
 * Scheduler throughput, in the manner of kube-scheduler's scheduler_perf SchedulingBasic:
 * an in-process API server on SQLite, N nodes (4 cpu, 32Gi, 110 pods) and M pending pods
 * (100m, 500Mi) created through the API first, then the Scheduler started and timed until
 * every pod is bound.
 *
 *   node dist/bench/scheduler.js [--nodes 1000,5000] [--pods 10000] [--parallelism 64]
 *                                [--client worker|inline] [--json]
 *
 * The API server runs on this thread. By default the client side (creating the objects,
 * and then the Scheduler itself) runs in a worker thread, as `orch server` could run the
 * scheduler beside the API server on the second core; `--client inline` puts it on the
 * API server's event loop to show what sharing one thread costs.
 *
 * Reported per size: object creation rates (excluded from the scheduling numbers), the
 * time until the scheduler's caches were synced, pods/s from first to last bind and from
 * scheduler start to last bind, the share of the scheduler thread spent inside the
 * framework (filter + score), and each thread's event-loop utilisation while scheduling —
 * which says whether the scheduler or the API server was the bottleneck.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { startTestServer } from '../test/support/api-server.js';
import { Client } from '../src/client/client.js';
import type { ClientConfig } from '../src/client/config.js';
import { silentLogger } from '../src/machinery/log.js';
import { Scheduler } from '../src/scheduler/scheduler.js';

const TARGET = { nodes: 5000, pods: 10_000, podsPerSecond: 500 };
const NAMESPACE = 'bench';

// ---- the client side: runs in the worker (or inline) ------------------------------------

interface CreateResult {
  count: number;
  ms: number;
}

interface ScheduleResult {
  bound: number;
  readyMs: number;
  /** Epoch ms. */
  startedAt: number;
  firstBindAt: number;
  lastBindAt: number;
  attempts: number;
  unschedulable: number;
  bindFailures: number;
  algorithmMs: number;
  /** Event-loop utilisation of the scheduler's thread from start to last bind. */
  elu: number;
}

interface VerifyResult {
  pods: number;
  bound: number;
  overCommitted: string[];
}

const epoch = (perfMs: number) => performance.timeOrigin + perfMs;

/** Runs `fn` over 0..count-1 with `concurrency` calls in flight. */
async function pool(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

const ops = {
  async createNodes({ config, count }: { config: ClientConfig; count: number }): Promise<CreateResult> {
    const client = new Client(config);
    const started = performance.now();
    const resources = { cpu: '4', memory: '32Gi', pods: '110' };
    await pool(count, 50, (i) =>
      client.nodes.create(undefined, {
        metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}` } },
        status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
      }),
    );
    client.close();
    return { count, ms: performance.now() - started };
  },

  async createPods({ config, count }: { config: ClientConfig; count: number }): Promise<CreateResult> {
    const client = new Client(config);
    await client.namespaces.create(undefined, { metadata: { name: NAMESPACE } });
    const started = performance.now();
    await pool(count, 64, (i) =>
      client.pods.create(NAMESPACE, {
        metadata: { name: `pod-${i}` },
        spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.9', resources: { requests: { cpu: '100m', memory: '500Mi' } } }] },
      }),
    );
    client.close();
    return { count, ms: performance.now() - started };
  },

  async schedule({ config, count, parallelism }: { config: ClientConfig; count: number; parallelism: number }): Promise<ScheduleResult> {
    const scheduler = new Scheduler({ client: config, log: silentLogger(), leaderElection: false, parallelism });
    const ac = new AbortController();
    const elu0 = performance.eventLoopUtilization();
    const started = performance.now();
    const running = scheduler.run(ac.signal);
    await scheduler.ready;
    const readyMs = performance.now() - started;
    const deadline = Date.now() + 600_000;
    while (scheduler.stats.bound < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const elu = performance.eventLoopUtilization(elu0).utilization;
    const s = { ...scheduler.stats };
    ac.abort();
    await running;
    return {
      bound: s.bound,
      readyMs,
      startedAt: epoch(started),
      firstBindAt: epoch(s.firstBindAt ?? started),
      lastBindAt: epoch(s.lastBindAt ?? started),
      attempts: s.attempts,
      unschedulable: s.unschedulable,
      bindFailures: s.bindFailures,
      algorithmMs: s.algorithmMs,
      elu,
    };
  },

  /** Reads the placement back from the API: every pod bound, no node over its cpu or pod count. */
  async verify({ config }: { config: ClientConfig }): Promise<VerifyResult> {
    const client = new Client(config);
    const pods = (await client.pods.list(NAMESPACE)).items as any[];
    client.close();
    const perNode = new Map<string, number>();
    for (const p of pods) if (p.spec?.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    // 4 cpu / 100m = 40 pods; 110 pod slots.
    const overCommitted = [...perNode].filter(([, n]) => n > 40).map(([name, n]) => `${name}: ${n} pods`);
    return { pods: pods.length, bound: pods.filter((p) => p.spec?.nodeName).length, overCommitted };
  },
};

type Ops = typeof ops;
type OpName = keyof Ops;

interface Runner {
  run<K extends OpName>(op: K, args: Parameters<Ops[K]>[0]): ReturnType<Ops[K]>;
  close(): Promise<void>;
}

function inlineRunner(): Runner {
  return { run: (op, args) => (ops[op] as (a: unknown) => any)(args), close: async () => undefined };
}

function workerRunner(): Runner {
  const worker = new Worker(new URL(import.meta.url));
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 0;
  worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(`scheduler bench worker: ${m.error}`));
    else p?.resolve(m.result);
  });
  worker.on('error', (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  return {
    run: (op, args) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, op, args });
      }) as any,
    close: async () => {
      await worker.terminate();
    },
  };
}

if (!isMainThread) {
  parentPort!.on('message', (m: { id: number; op: OpName; args: unknown }) => {
    (ops[m.op] as (a: unknown) => Promise<unknown>)(m.args).then(
      (result) => parentPort!.postMessage({ id: m.id, result }),
      (err: unknown) => parentPort!.postMessage({ id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
}

// ---- the main thread: API server, phases, report --------------------------------------

interface Row {
  nodes: number;
  pods: number;
  nodeCreatesPerSec: number;
  podCreatesPerSec: number;
  podCreateSeconds: number;
  readySeconds: number;
  firstToLastPodsPerSec: number;
  overallPodsPerSec: number;
  algorithmUsPerPod: number;
  schedulerThreadElu: number;
  apiServerThreadElu: number;
  attempts: number;
  bindFailures: number;
  verified: string;
}

async function scenario(nodes: number, pods: number, parallelism: number, runner: Runner): Promise<Row> {
  const server = await startTestServer('sqlite');
  const config: ClientConfig = { server: server.api.url, ca: server.api.caPem, token: server.api.adminToken };
  try {
    const n = await runner.run('createNodes', { config, count: nodes });
    const p = await runner.run('createPods', { config, count: pods });
    const elu0 = performance.eventLoopUtilization();
    const s = await runner.run('schedule', { config, count: pods, parallelism });
    const apiElu = performance.eventLoopUtilization(elu0).utilization;
    const v = await runner.run('verify', { config });
    const verified =
      v.bound === pods && v.overCommitted.length === 0 ? 'all bound, none over-committed' : `${v.bound}/${v.pods} bound; over-committed: ${v.overCommitted.slice(0, 3).join(', ') || 'none'}`;
    return {
      nodes,
      pods,
      nodeCreatesPerSec: (n.count / n.ms) * 1000,
      podCreatesPerSec: (p.count / p.ms) * 1000,
      podCreateSeconds: p.ms / 1000,
      readySeconds: s.readyMs / 1000,
      firstToLastPodsPerSec: s.bound > 1 ? ((s.bound - 1) / (s.lastBindAt - s.firstBindAt)) * 1000 : 0,
      overallPodsPerSec: (s.bound / (s.lastBindAt - s.startedAt)) * 1000,
      algorithmUsPerPod: (s.algorithmMs / Math.max(1, s.attempts)) * 1000,
      schedulerThreadElu: s.elu,
      apiServerThreadElu: apiElu,
      attempts: s.attempts,
      bindFailures: s.bindFailures,
      verified,
    };
  } finally {
    await server.cleanup();
  }
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '1000,5000' },
      pods: { type: 'string', default: String(TARGET.pods) },
      parallelism: { type: 'string', default: '64' },
      client: { type: 'string', default: 'worker' },
      json: { type: 'boolean', default: false },
    },
  });
  const sizes = values.nodes!.split(',').map(Number);
  const pods = Number(values.pods);
  const parallelism = Number(values.parallelism);
  if (values.client !== 'worker' && values.client !== 'inline') throw new Error('--client must be worker or inline');
  const runner = values.client === 'worker' ? workerRunner() : inlineRunner();
  const rows: Row[] = [];
  try {
    for (const n of sizes) {
      if (!values.json) process.stderr.write(`scheduling ${pods} pods on ${n} nodes (client: ${values.client})...\n`);
      rows.push(await scenario(n, pods, parallelism, runner));
    }
  } finally {
    await runner.close();
  }
  if (values.json) {
    console.log(JSON.stringify({ client: values.client, parallelism, target: TARGET, rows }, null, 2));
    return;
  }
  const f0 = (x: number) => x.toFixed(0);
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  console.log(`\nScheduler throughput (SchedulingBasic: 4 cpu / 32Gi / 110-pod nodes, pods of 100m / 500Mi; client ${values.client}, ${parallelism} bindings in flight)\n`);
  console.log(
    table(
      ['nodes', 'pods', 'node creates/s', 'pod creates/s', 'pod create s', 'cache sync s', 'pods/s first->last bind', 'pods/s overall', 'framework us/pod', 'scheduler ELU', 'API server ELU', 'result'],
      rows.map((r) => [
        String(r.nodes),
        String(r.pods),
        f0(r.nodeCreatesPerSec),
        f0(r.podCreatesPerSec),
        r.podCreateSeconds.toFixed(1),
        r.readySeconds.toFixed(2),
        f0(r.firstToLastPodsPerSec),
        f0(r.overallPodsPerSec),
        f0(r.algorithmUsPerPod),
        pct(r.schedulerThreadElu),
        pct(r.apiServerThreadElu),
        r.verified,
      ]),
    ),
  );
  const atTarget = rows.find((r) => r.nodes === TARGET.nodes && r.pods === TARGET.pods);
  const verdict = atTarget ? (atTarget.overallPodsPerSec >= TARGET.podsPerSecond ? 'met' : 'MISSED') : 'not measured (run --nodes 5000 --pods 10000)';
  console.log(`\ntarget: >= ${TARGET.podsPerSecond} pods/s overall at ${TARGET.nodes} nodes / ${TARGET.pods} pods: ${verdict}`);
  console.log('pod creation is excluded from the scheduling numbers; ELU near 100% marks the thread that limits throughput.');
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
