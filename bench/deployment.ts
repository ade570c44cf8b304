/**
 * End-to-end Deployment throughput: the whole control plane at once — API server on
 * SQLite, scheduler and controller manager, as `orch server` runs them in one process —
 * and N fake nodes. Timed: creating an R-replica Deployment until status.availableReplicas
 * == R and until `kubectl rollout status` would say done (observedGeneration == generation,
 * updated == available == replicas == R); then a rolling update (new image, 25%/25%) until
 * done again.
 *
 *   node dist/bench/deployment.js [--replicas 1000] [--nodes 100] [--agent process|inprocess|both]
 *                                 [--runs 1] [--pod-start-delay-ms 500] [--profile DIR] [--json]
 *
 * --agent process (the default) runs the fake nodes as `orch agent --runtime fake` in a child
 * process, as a real cluster has its kubelets elsewhere; --agent inprocess runs them on the
 * control plane's event loop too, which is what a single-process kwok-style test costs.
 * Measured on the 2-core machine both meet the target with wall times inside each other's
 * noise: the fake agent costs ~0.5 CPU s per 1,000 pods against ~1.9 for the control plane,
 * so in-process does not starve. The child process is the default because it keeps the
 * control-plane thread's ELU, CPU and profile about the control plane alone.
 *
 * A pod and a Deployment watch (informers on this thread) give the breakdown: pods
 * created, scheduled and running by time T after the create (or the image change).
 * Per phase it also reports this thread's event-loop utilisation and the CPU seconds of
 * this process and of the agent process, which say who was busy.
 *
 * --profile DIR samples this thread with the inspector (and the agent process with
 * --cpu-prof) over the measured phases, writes the .cpuprofile files to DIR, and prints
 * where the time went: by component (the innermost src/<component> frame on the stack;
 * client and machinery frames are shared libraries, so a stack with only those says
 * "no component") and by kind of work (TLS and socket I/O, JSON, SQLite, GC, ...).
 * Other work on the machine stretches wall times, not CPU seconds: compare those.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeNodes } from '../src/agent/fake/fake-nodes.js';
import { Client } from '../src/client/client.js';
import type { ClientConfig } from '../src/client/config.js';
import { Informer } from '../src/client/informer.js';
import { ControllerManager } from '../src/controllers/manager.js';
import { silentLogger } from '../src/machinery/log.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { startTestServer, type TestServer } from '../test/support/api-server.js';

const TARGET_SECONDS = 10;
const NAMESPACE = 'bench';
const NAME = 'bench';
const IMAGES = ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.10'];
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ORCH_BIN = join(REPO, 'bin', 'orch.js');
const PHASE_TIMEOUT_MS = 300_000;
const PROFILE_INTERVAL_US = 500;

type AgentMode = 'process' | 'inprocess';

interface Options {
  replicas: number;
  nodes: number;
  agents: AgentMode[];
  runs: number;
  podStartDelayMs: number;
  profileDir?: string;
  json: boolean;
}

// ---- cluster --------------------------------------------------------------------------

/**
 * A cluster CIDR with a /24 per node for `nodes` nodes. The default 10.244.0.0/16 holds
 * only 256 of them; past that take a bigger block from 100.64.0.0/10 (up to 16,384 nodes).
 */
function clusterCidrFor(nodes: number): string {
  if (nodes <= 256) return '10.244.0.0/16';
  const bits = Math.ceil(Math.log2(nodes));
  if (bits > 14) throw new Error(`--nodes ${nodes}: more than 16,384 nodes need a bigger pod range than this benchmark picks`);
  return `100.64.0.0/${24 - bits}`;
}

interface Agent {
  /** The agent's process id, when it runs in its own process. */
  pid?: number;
  stop(): Promise<void>;
}

async function startInProcessAgent(config: ClientConfig, o: Options): Promise<Agent> {
  const fake = new FakeNodes({ client: config, log: silentLogger(), count: o.nodes, namePrefix: 'bench', podStartDelayMs: o.podStartDelayMs, removeOnStop: false });
  const ac = new AbortController();
  const run = fake.run(ac.signal);
  await Promise.race([fake.ready, run.then(() => Promise.reject(new Error('fake nodes stopped before they were ready')))]);
  return {
    async stop() {
      ac.abort();
      await run;
    },
  };
}

async function startAgentProcess(kubeconfig: string, o: Options, profileName?: string): Promise<Agent> {
  const nodeArgs = o.profileDir && profileName ? ['--cpu-prof', '--cpu-prof-interval', String(PROFILE_INTERVAL_US), '--cpu-prof-dir', o.profileDir, '--cpu-prof-name', profileName] : [];
  const args = [
    ...nodeArgs,
    ORCH_BIN,
    'agent',
    '--runtime', 'fake',
    '--kubeconfig', kubeconfig,
    '--nodes', String(o.nodes),
    '--node-name-prefix', 'bench',
    '--pod-start-delay', `${o.podStartDelayMs}ms`,
    // The store is thrown away after the run: removing the nodes would only cost time.
    '--keep-nodes',
    '--log-level', 'warn',
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  try {
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`orch agent was not ready within 120 s:\n${out}`)), 120_000);
      proc.stdout!.on('data', () => {
        if (/joined/.test(out)) {
          clearTimeout(timer);
          ok();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`orch agent exited with ${code} before it was ready:\n${out}`));
      });
    });
  } catch (err) {
    await stopProcess(proc);
    throw err;
  }
  return { pid: proc.pid, stop: () => stopProcess(proc) };
}

/** SIGTERM (the agent then writes its CPU profile), SIGKILL after 20 s; by PID only. */
async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(t);
}

/** CPU seconds (user + system) a process has used, from /proc. */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after "pid (comm)".
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// ---- observation ----------------------------------------------------------------------

interface PodTimes {
  image: string;
  created: number;
  bound?: number;
  running?: number;
  deleting?: number;
  gone?: number;
}

const isRunningReady = (p: Pod) => p.status?.phase === 'Running' && (p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

/** `kubectl rollout status` done: the spec is observed and every replica is updated and available. */
function rolledOut(d: Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  return (st.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && st.updatedReplicas === want && st.availableReplicas === want && st.replicas === want;
}

/** Watches the benchmark namespace and stamps every pod's milestones (ms since `t0`). */
class Observer {
  readonly pods = new Map<string, PodTimes>();
  t0 = 0;
  private readonly ac = new AbortController();
  private readonly podInformer: Informer<Pod>;
  private readonly deployInformer: Informer<Deployment>;
  private readonly runs: Promise<void>[] = [];
  private waiters: { check: (d: Deployment) => boolean; resolve: (ms: number) => void }[] = [];

  constructor(client: Client) {
    this.podInformer = new Informer<Pod>(client.pods, { namespace: NAMESPACE });
    this.deployInformer = new Informer<Deployment>(client.deployments, { namespace: NAMESPACE });
    const stamp = (p: Pod) => {
      const now = this.now();
      const name = p.metadata!.name!;
      let t = this.pods.get(name);
      if (!t) this.pods.set(name, (t = { image: p.spec?.containers?.[0]?.image ?? '', created: now }));
      if (p.spec?.nodeName) t.bound ??= now;
      if (isRunningReady(p)) t.running ??= now;
      if (p.metadata?.deletionTimestamp) t.deleting ??= now;
    };
    this.podInformer.on({
      add: stamp,
      update: (_old, p) => stamp(p),
      delete: (p) => {
        const t = this.pods.get(p.metadata!.name!);
        if (t) t.gone ??= this.now();
      },
    });
    const check = (d: Deployment) => {
      const now = this.now();
      this.waiters = this.waiters.filter((w) => {
        if (!w.check(d)) return true;
        w.resolve(now);
        return false;
      });
    };
    this.deployInformer.on({ add: check, update: (_o, d) => check(d) });
  }

  now(): number {
    return performance.now() - this.t0;
  }

  async start(): Promise<void> {
    this.runs.push(this.podInformer.run(this.ac.signal), this.deployInformer.run(this.ac.signal));
    await Promise.all([this.podInformer.synced, this.deployInformer.synced]);
  }

  /** Resolves with the time (ms since t0) the Deployment was first seen satisfying `check`. */
  when(what: string, check: (d: Deployment) => boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${PHASE_TIMEOUT_MS} ms waiting for ${what}`)), PHASE_TIMEOUT_MS);
      timer.unref();
      const done = (ms: number) => {
        clearTimeout(timer);
        resolve(ms);
      };
      const d = this.deployInformer.get(`${NAMESPACE}/${NAME}`);
      if (d && check(d)) return done(this.now());
      this.waiters.push({ check, resolve: done });
    });
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await Promise.all(this.runs);
  }
}

// ---- the phases -----------------------------------------------------------------------

interface Milestones {
  /** ms since the phase started for the last of the phase's pods to get there. */
  allCreated: number;
  allBound: number;
  allRunning: number;
}

interface PhaseResult {
  name: string;
  /** ms from the write to status.availableReplicas == R (create) / to the old pods' last deletion (update). */
  availableMs: number;
  rolledOutMs: number;
  milestones: Milestones;
  /** Pods of the phase per sample time. */
  timeline: { t: number; created: number; bound: number; running: number; oldGone: number }[];
  apiThreadElu: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  controlPlaneCpuSeconds: number;
  agentCpuSeconds?: number;
}

interface RunResult {
  agent: AgentMode;
  run: number;
  /** The machine's 1-minute load average when the run started: other work skews wall times. */
  loadAvg: number;
  setupSeconds: number;
  create: PhaseResult;
  update: PhaseResult;
  schedulerAttempts: number;
  bindFailures: number;
}

function milestones(pods: PodTimes[], since: number): Milestones {
  const last = (pick: (p: PodTimes) => number | undefined) => Math.max(...pods.map((p) => (pick(p) ?? Infinity) - since));
  return { allCreated: last((p) => p.created), allBound: last((p) => p.bound), allRunning: last((p) => p.running) };
}

function timeline(phasePods: PodTimes[], oldPods: PodTimes[], since: number, endMs: number): PhaseResult['timeline'] {
  const step = endMs <= 5_000 ? 500 : endMs <= 20_000 ? 1000 : Math.ceil(endMs / 20 / 1000) * 1000;
  const rows: PhaseResult['timeline'] = [];
  const count = (ps: PodTimes[], pick: (p: PodTimes) => number | undefined, t: number) => ps.filter((p) => pick(p) !== undefined && pick(p)! - since <= t).length;
  for (let t = step; ; t += step) {
    const at = Math.min(t, endMs);
    rows.push({
      t: at,
      created: count(phasePods, (p) => p.created, at),
      bound: count(phasePods, (p) => p.bound, at),
      running: count(phasePods, (p) => p.running, at),
      oldGone: count(oldPods, (p) => p.gone, at),
    });
    if (at >= endMs) break;
  }
  return rows;
}

interface PhaseCost<T> {
  value: T;
  elu: number;
  cpu: number;
  agentCpu?: number;
  /** Event-loop delay of this thread (ms): how long a ready callback could wait. */
  delayP99: number;
  delayMax: number;
}

async function measurePhase<T>(agentPid: number | undefined, body: () => Promise<T>): Promise<PhaseCost<T>> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const agent0 = agentPid ? await processCpuSeconds(agentPid) : 0;
  const value = await body();
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const cpu = process.cpuUsage(cpu0);
  const agentCpu = agentPid ? (await processCpuSeconds(agentPid)) - agent0 : undefined;
  delay.disable();
  return { value, elu, cpu: (cpu.user + cpu.system) / 1e6, agentCpu, delayP99: delay.percentile(99) / 1e6, delayMax: delay.max / 1e6 };
}

async function runOnce(o: Options, agentMode: AgentMode, run: number, profiles: ProfileSet | undefined): Promise<RunResult> {
  const setupStarted = performance.now();
  const loadAvg = loadavg()[0];
  const server: TestServer = await startTestServer('sqlite');
  const config: ClientConfig = { server: server.api.url, ca: server.api.caPem, token: server.api.adminToken };
  const client = new Client(config);
  const ac = new AbortController();
  const components: Promise<void>[] = [];
  let agent: Agent | undefined;
  let observer: Observer | undefined;
  let session: Session | undefined;
  try {
    const scheduler = new Scheduler({ client: config, log: silentLogger(), leaderElection: false });
    components.push(scheduler.run(ac.signal));
    components.push(
      new ControllerManager({ client: config, log: silentLogger(), leaderElection: false, config: { clusterCidr: clusterCidrFor(o.nodes), nodeCidrMaskSize: 24 } }).run(ac.signal),
    );
    await scheduler.ready;
    const profileName = `agent-${agentMode}-run${run}.cpuprofile`;
    agent = agentMode === 'process' ? await startAgentProcess(server.api.kubeconfigPath, o, profileName) : await startInProcessAgent(config, o);
    // Measure from a settled cluster: every node Ready with its pod range assigned.
    await waitUntil('nodes ready with pod CIDRs', 120_000, async () => {
      const nodes: Node[] = (await client.nodes.list()).items;
      return nodes.length === o.nodes && nodes.every((n) => n.spec?.podCIDR && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    });
    await client.namespaces.create(undefined, { metadata: { name: NAMESPACE } });
    observer = new Observer(client);
    await observer.start();
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    if (profiles) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
      await session.post('Profiler.start');
    }
    const windowStartUs = nowUs();

    // Phase 1: create.
    const obs = observer;
    const R = o.replicas;
    const create = await measurePhase(agent.pid, async () => {
      obs.t0 = performance.now();
      await client.deployments.create(NAMESPACE, deployment(R, IMAGES[0]));
      const available = await obs.when('availableReplicas == replicas', (d) => (d.status?.availableReplicas ?? 0) >= R);
      const rolled = await obs.when('rollout complete', (d) => rolledOut(d));
      return { available, rolled };
    });
    const firstPods = [...obs.pods.values()];
    const createResult: PhaseResult = {
      name: 'create',
      availableMs: create.value.available,
      rolledOutMs: create.value.rolled,
      milestones: milestones(firstPods, 0),
      timeline: timeline(firstPods, [], 0, create.value.rolled),
      apiThreadElu: create.elu,
      loopDelayP99Ms: create.delayP99,
      loopDelayMaxMs: create.delayMax,
      controlPlaneCpuSeconds: create.cpu,
      agentCpuSeconds: create.agentCpu,
    };

    // Phase 2: rolling update to a new image.
    const update = await measurePhase(agent.pid, async () => {
      const since = obs.now();
      await client.deployments.patch(NAMESPACE, NAME, { spec: { template: { spec: { containers: [{ name: 'app', image: IMAGES[1] }] } } } }, 'strategic');
      const rolled = (await obs.when('rolling update complete', (d) => (d.metadata?.generation ?? 0) >= 2 && rolledOut(d))) - since;
      // The old pods finish terminating on the nodes a little after the status says done.
      const oldPods = [...obs.pods.values()].filter((p) => p.image === IMAGES[0]);
      await waitUntil('old pods gone', PHASE_TIMEOUT_MS, async () => oldPods.every((p) => p.gone !== undefined));
      return { since, rolled };
    });
    const newPods = [...obs.pods.values()].filter((p) => p.image === IMAGES[1]);
    const oldPods = [...obs.pods.values()].filter((p) => p.image === IMAGES[0]);
    const oldGoneMs = Math.max(...oldPods.map((p) => p.gone! - update.value.since));
    const updateResult: PhaseResult = {
      name: 'rolling update',
      availableMs: oldGoneMs,
      rolledOutMs: update.value.rolled,
      milestones: milestones(newPods, update.value.since),
      timeline: timeline(newPods, oldPods, update.value.since, Math.max(update.value.rolled, oldGoneMs)),
      apiThreadElu: update.elu,
      loopDelayP99Ms: update.delayP99,
      loopDelayMaxMs: update.delayMax,
      controlPlaneCpuSeconds: update.cpu,
      agentCpuSeconds: update.agentCpu,
    };

    if (session && profiles) {
      const { profile } = await session.post('Profiler.stop');
      profiles.agentWindows.push({ run, fromUs: windowStartUs, toUs: nowUs() });
      profiles.main.push(profile as CpuProfile);
      await writeFile(join(o.profileDir!, `control-plane-${agentMode}-run${run}.cpuprofile`), JSON.stringify(profile));
    }
    return {
      agent: agentMode,
      run,
      loadAvg,
      setupSeconds,
      create: createResult,
      update: updateResult,
      schedulerAttempts: scheduler.stats.attempts,
      bindFailures: scheduler.stats.bindFailures,
    };
  } finally {
    session?.disconnect();
    await observer?.stop();
    await agent?.stop();
    ac.abort();
    await Promise.allSettled(components);
    client.close();
    await server.cleanup();
  }
}

function deployment(replicas: number, image: string): Deployment {
  return {
    metadata: { name: NAME },
    spec: {
      replicas,
      selector: { matchLabels: { app: NAME } },
      template: {
        metadata: { labels: { app: NAME } },
        spec: { containers: [{ name: 'app', image, resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
      },
    },
  };
}

async function waitUntil(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---- profiles -------------------------------------------------------------------------

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface ProfileSet {
  main: CpuProfile[];
  /** Each run's measured window on the monotonic clock (µs), to cut the agent's whole-life profile. */
  agentWindows: { run: number; fromUs: number; toUs: number }[];
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** The component that owns a frame: src/<component> (controllers by name), else a coarser label. */
function componentOf(url: string): string | undefined {
  const m = /\/dist\/(src|bench|test)\/([^/]+)(?:\/([^/]+))?/.exec(url);
  if (!m) return undefined;
  if (m[1] === 'bench') return 'bench (observer)';
  if (m[1] === 'test') return 'test support';
  if (m[2] === 'controllers' && m[3] && !m[3].endsWith('.js')) return `controllers/${m[3]}`;
  return m[2];
}

/** Libraries every component calls: a frame in one says little about who paid for it. */
const SHARED = new Set(['client', 'machinery', 'api']);

/**
 * What kind of work a leaf frame is. Native functions have no URL of their own; their
 * caller says what they are (a better-sqlite3 `run` is a statement or a COMMIT — with its
 * fsync wait, as the sampler counts wall time on this thread — and a `writev` under the
 * stream code is a socket write, TLS encryption included).
 */
function kindOf(fn: string, url: string, callerUrl: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return 'V8/native (program)';
  if (fn === '(idle)') return 'idle';
  if (url === '') {
    if (/better-sqlite3|\/src\/storage\/sqlite\//.test(callerUrl)) return 'SQLite (native, incl. fsync wait)';
    if (/node:(internal\/stream_base_commons|net|internal\/net|_tls_wrap)/.test(callerUrl)) return 'socket I/O (native, incl. TLS en/decrypt)';
    if (/node:internal\/crypto/.test(callerUrl)) return 'crypto';
    if (/^(parse|stringify)$/.test(fn)) return `JSON.${fn}`;
    return 'V8 builtins';
  }
  if (/node:(_tls|tls|internal\/tls)/.test(url)) return 'TLS (JS side)';
  if (/node:internal\/crypto/.test(url)) return 'crypto';
  if (/node:(internal\/stream_base_commons|net|internal\/net)/.test(url)) return 'socket I/O (JS side)';
  if (/node:(_http|http|internal\/http|https)/.test(url)) return 'HTTP';
  if (/node:(zlib|internal\/streams|stream|events|internal\/event_target|buffer|internal\/buffer|internal\/util)/.test(url)) return 'node streams/events/buffers';
  if (/node:internal\/(process\/task_queues|timers)|node:timers/.test(url)) return 'node tasks/timers';
  if (/better-sqlite3/.test(url)) return 'SQLite (native, incl. fsync wait)';
  if (/node_modules\/(pino|thread-stream|sonic-boom)/.test(url)) return 'logging';
  if (/node_modules\//.test(url)) return `npm:${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)![1]}`;
  if (/\/dist\//.test(url)) return 'orch JS';
  return 'node (other)';
}

interface Breakdown {
  totalMs: number;
  idleMs: number;
  byComponent: Map<string, number>;
  byKind: Map<string, number>;
  /** component -> kind -> ms */
  matrix: Map<string, Map<string, number>>;
  topFunctions: Map<string, number>;
}

function breakdown(profiles: CpuProfile[], window?: { fromUs?: number; toUs?: number }): Breakdown {
  const b: Breakdown = { totalMs: 0, idleMs: 0, byComponent: new Map(), byKind: new Map(), matrix: new Map(), topFunctions: new Map() };
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const ownerCache = new Map<number, string>();
    const owner = (id: number): string => {
      const hit = ownerCache.get(id);
      if (hit) return hit;
      let shared: string | undefined;
      let found: string | undefined;
      let http: string | undefined;
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const url = byId.get(cur)!.callFrame.url;
        if (!http && /^node:_http_server/.test(url)) http = 'node HTTP server side (no orch frame)';
        if (!http && /^node:(_http_client|_http_agent|https)/.test(url)) http = 'node HTTP client side (no orch frame)';
        const c = componentOf(url);
        if (!c) continue;
        if (SHARED.has(c)) shared ??= c;
        else {
          found = c;
          break;
        }
      }
      const result = found ?? (shared ? `${shared} (no component on the stack)` : (http ?? 'node/V8 (no orch frame)'));
      ownerCache.set(id, result);
      return result;
    };
    // Each sample counts as one sampling interval. The gap to the next sample would be wall
    // time: on a busy machine a thread descheduled for 100 ms hands that whole gap to
    // whatever frame it resumed in, and one sample then outweighs a hundred.
    const sorted = [...p.timeDeltas].sort((x, y) => x - y);
    const ms = (sorted[sorted.length >> 1] ?? 1000) / 1000;
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i];
      if (window?.fromUs !== undefined && t < window.fromUs) continue;
      if (window?.toUs !== undefined && t > window.toUs) continue;
      const node = byId.get(p.samples[i])!;
      const caller = parent.get(node.id);
      const kind = kindOf(node.callFrame.functionName, node.callFrame.url, caller === undefined ? '' : byId.get(caller)!.callFrame.url);
      if (kind === 'idle') {
        b.idleMs += ms;
        continue;
      }
      b.totalMs += ms;
      const comp = kind === 'GC' || kind === 'V8/native (program)' ? kind : owner(node.id);
      add(b.byComponent, comp, ms);
      add(b.byKind, kind, ms);
      let row = b.matrix.get(comp);
      if (!row) b.matrix.set(comp, (row = new Map()));
      add(row, kind, ms);
      const fnUrl = node.callFrame.url.replace(/^.*\/dist\//, '').replace(/^file:\/\/.*node_modules\//, '');
      add(b.topFunctions, `${node.callFrame.functionName || '(anonymous)'} ${fnUrl}`, ms);
    }
  }
  return b;
}

function printBreakdown(title: string, b: Breakdown): void {
  const pct = (ms: number) => `${((ms / b.totalMs) * 100).toFixed(1)}%`;
  const sorted = (m: Map<string, number>, n = 20) => [...m].sort((x, y) => y[1] - x[1]).slice(0, n);
  console.log(`\n${title}: ${(b.totalMs / 1000).toFixed(1)} s on CPU, ${(b.idleMs / 1000).toFixed(1)} s idle (samples x interval)`);
  console.log(
    table(
      ['component (innermost src/<component> frame)', 'ms', 'share', 'of which: top kinds of work'],
      sorted(b.byComponent).map(([k, v]) => [
        k,
        v.toFixed(0),
        pct(v),
        sorted(b.matrix.get(k) ?? new Map(), 4)
          .map(([kk, vv]) => `${kk} ${((vv / v) * 100).toFixed(0)}%`)
          .join(', '),
      ]),
      [true, false, false, true],
    ),
  );
  console.log('');
  console.log(table(['kind of work (leaf frame)', 'ms', 'share'], sorted(b.byKind).map(([k, v]) => [k, v.toFixed(0), pct(v)]), [true, false, false]));
  console.log('');
  console.log(table(['hottest functions (self time)', 'ms', 'share'], sorted(b.topFunctions, 15).map(([k, v]) => [k.slice(0, 100), v.toFixed(0), pct(v)]), [true, false, false]));
}

// ---- report ---------------------------------------------------------------------------

function table(header: string[], rows: string[][], leftAlign: boolean[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (leftAlign[i] ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const s1 = (ms: number) => (ms / 1000).toFixed(2);

function printRun(r: RunResult, replicas: number): void {
  console.log(`\n== agent ${r.agent}, run ${r.run} (machine load ${r.loadAvg.toFixed(1)}; setup ${r.setupSeconds.toFixed(1)} s; scheduler attempts ${r.schedulerAttempts}, bind failures ${r.bindFailures})`);
  for (const p of [r.create, r.update]) {
    const m = p.milestones;
    console.log(
      `${p.name}: ${p.name === 'create' ? `available ${s1(p.availableMs)} s` : `old pods gone ${s1(p.availableMs)} s`}, rolled out ${s1(p.rolledOutMs)} s ` +
        `(${((replicas / p.rolledOutMs) * 1000).toFixed(0)} pods/s); last pod created ${s1(m.allCreated)} s, scheduled ${s1(m.allBound)} s, running ${s1(m.allRunning)} s; ` +
        `control-plane thread ELU ${(p.apiThreadElu * 100).toFixed(0)}%, event-loop delay p99 ${p.loopDelayP99Ms.toFixed(0)} ms / max ${p.loopDelayMaxMs.toFixed(0)} ms, CPU s: this process ${p.controlPlaneCpuSeconds.toFixed(1)}` +
        (p.agentCpuSeconds !== undefined ? `, agent process ${p.agentCpuSeconds.toFixed(1)}` : ''),
    );
    const cols = ['T s', 'created', 'scheduled', 'running'];
    if (p.name !== 'create') cols.push('old gone');
    console.log(
      table(
        cols,
        p.timeline.map((row) => {
          const cells = [s1(row.t), String(row.created), String(row.bound), String(row.running)];
          if (p.name !== 'create') cells.push(String(row.oldGone));
          return cells;
        }),
      ),
    );
  }
}

function stats(xs: number[]): string {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return xs.length > 1 ? `${s1(mean)} ± ${s1(sd)} (min ${s1(Math.min(...xs))}, max ${s1(Math.max(...xs))})` : s1(mean);
}

/** CPU seconds: mean ± sd. Unlike wall time, they hardly move when other work shares the machine. */
function cpu(xs: number[]): string {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return xs.length > 1 ? `${mean.toFixed(2)} ± ${sd.toFixed(2)}` : mean.toFixed(2);
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      replicas: { type: 'string', default: '1000' },
      nodes: { type: 'string', default: '100' },
      agent: { type: 'string', default: 'process' },
      runs: { type: 'string', default: '1' },
      'pod-start-delay-ms': { type: 'string', default: '500' },
      profile: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const int = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: want a whole number >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  const agents: AgentMode[] = values.agent === 'both' ? ['process', 'inprocess'] : [values.agent as AgentMode];
  if (!agents.every((a) => a === 'process' || a === 'inprocess')) throw new Error('--agent: want process, inprocess or both');
  return {
    replicas: int('replicas', values.replicas!, 1),
    nodes: int('nodes', values.nodes!, 1),
    agents,
    runs: int('runs', values.runs!, 1),
    podStartDelayMs: int('pod-start-delay-ms', values['pod-start-delay-ms']!, 0),
    profileDir: values.profile ? resolve(values.profile) : undefined,
    json: values.json!,
  };
}

async function main(): Promise<void> {
  const o = parseOptions();
  if (o.profileDir) await mkdir(o.profileDir, { recursive: true });
  const results: RunResult[] = [];
  const profiles = new Map<AgentMode, ProfileSet>();
  for (let run = 1; run <= o.runs; run++) {
    // Alternate the order so neither mode always runs on a warmer process.
    const order = run % 2 === 1 ? o.agents : [...o.agents].reverse();
    for (const agent of order) {
      if (!o.json) process.stderr.write(`run ${run}/${o.runs}: ${o.replicas} replicas on ${o.nodes} fake nodes, agent ${agent}...\n`);
      let ps: ProfileSet | undefined;
      if (o.profileDir) {
        ps = profiles.get(agent) ?? { main: [], agentWindows: [] };
        profiles.set(agent, ps);
      }
      const r = await runOnce(o, agent, run, ps);
      results.push(r);
      if (!o.json) printRun(r, o.replicas);
    }
  }
  if (o.json) {
    console.log(JSON.stringify({ replicas: o.replicas, nodes: o.nodes, podStartDelayMs: o.podStartDelayMs, targetSeconds: TARGET_SECONDS, results }, null, 2));
    return;
  }

  console.log(`\nSummary: ${o.replicas} replicas, ${o.nodes} fake nodes, pod start delay ${o.podStartDelayMs} ms, ${o.runs} run(s) per mode (seconds, mean ± sd)`);
  const rows = o.agents.map((a) => {
    const rs = results.filter((r) => r.agent === a);
    return [
      a,
      stats(rs.map((r) => r.create.availableMs)),
      stats(rs.map((r) => r.create.rolledOutMs)),
      stats(rs.map((r) => r.update.rolledOutMs)),
      stats(rs.map((r) => r.update.availableMs)),
      ((o.replicas / (rs.reduce((x, r) => x + r.create.rolledOutMs, 0) / rs.length)) * 1000).toFixed(0),
      cpu(rs.map((r) => r.create.controlPlaneCpuSeconds)),
      a === 'process' ? cpu(rs.map((r) => r.create.agentCpuSeconds ?? 0)) : '-',
    ];
  });
  console.log(
    table(
      ['agent', 'create: available', 'create: rolled out', 'update: rolled out', 'update: old pods gone', 'create pods/s', 'create: CPU s this process', 'create: CPU s agent'],
      rows,
      [true],
    ),
  );
  for (const a of o.agents) {
    const rs = results.filter((r) => r.agent === a);
    const worst = Math.max(...rs.map((r) => r.create.rolledOutMs)) / 1000;
    console.log(`target (agent ${a}): ${o.replicas} replicas available and rolled out in <= ${TARGET_SECONDS} s: ${worst <= TARGET_SECONDS ? 'met' : 'MISSED'} (worst ${worst.toFixed(2)} s)`);
  }

  if (o.profileDir) {
    for (const [agent, ps] of profiles) {
      printBreakdown(`CPU profile, control-plane process (agent ${agent}), measured phases`, breakdown(ps.main));
      if (agent !== 'process') continue;
      const files = new Set(await readdir(o.profileDir));
      const agentProfiles: Breakdown[] = [];
      for (const w of ps.agentWindows) {
        const f = `agent-process-run${w.run}.cpuprofile`;
        if (!files.has(f)) continue;
        agentProfiles.push(breakdown([JSON.parse(await readFile(join(o.profileDir, f), 'utf8'))], w));
      }
      if (agentProfiles.length) printBreakdown('CPU profile, agent process (orch agent --runtime fake), measured phases', mergeBreakdowns(agentProfiles));
    }
    console.log(`\nprofiles written to ${o.profileDir} (open in Chrome DevTools or speedscope)`);
  }
}

function mergeBreakdowns(bs: Breakdown[]): Breakdown {
  const out: Breakdown = { totalMs: 0, idleMs: 0, byComponent: new Map(), byKind: new Map(), matrix: new Map(), topFunctions: new Map() };
  const merge = (into: Map<string, number>, from: Map<string, number>) => {
    for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
  };
  for (const b of bs) {
    out.totalMs += b.totalMs;
    out.idleMs += b.idleMs;
    merge(out.byComponent, b.byComponent);
    merge(out.byKind, b.byKind);
    merge(out.topFunctions, b.topFunctions);
    for (const [k, row] of b.matrix) {
      let r = out.matrix.get(k);
      if (!r) out.matrix.set(k, (r = new Map()));
      merge(r, row);
    }
  }
  return out;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
