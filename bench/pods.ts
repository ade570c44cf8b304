/**
 * Pod start latency on a real node (root; real containerd, runc, CNI):
 *
 *  1. API create -> Running seen by a watch, for 1, 10 and 50 pods created at once, on an
 *     `orch server` (scheduler, controllers) with a separate `orch agent --runtime
 *     containerd` process as its node — the path a pod really takes. p50/p99 per size.
 *  2. The bare CRI floor in the same run, on the agent's own containerd: RunPodSandbox +
 *     CreateContainer + StartContainer through orch's CRI client, with CNI networking and
 *     the same image, the same number of pods at once. Rounds of 1 and 2 alternate so both
 *     see the same machine. Target: pod start p50 <= 1.5x the floor; p99 <= 1 s for 10 pods.
 *  3. The agent's RSS (its own process: containerd and the shims are not in it) idle and
 *     with 50 pods running. Target: <= 80 MB.
 *  4. A Deployment of 20 replicas: create -> all 20 Running, and (bench/swarm.ts) Docker
 *     Swarm's time to 20 running tasks of the same image on the same machine, where dockerd
 *     can run. Target: orch <= 0.5x Swarm.
 *
 *   node dist/bench/pods.js [--sizes 1,10,50] [--rounds 10,3,1] [--replicas 20]
 *                           [--deploy-rounds 3] [--floor-limits 0,4,8] [--no-swarm] [--trace] [--json]
 *
 * --trace prints where each round's time went: per milestone (seen by the watch, bound,
 * the Pulled/Created/Started events of the agent, Running) the median and last pod after
 * the create, the median per phase, and for Deployments the CPU seconds the server, the
 * agent, containerd (with the CNI plugins it ran) and the pods' shims (with runc) used.
 * --floor-limits K,... measures the CRI floor for --replicas pods at once with at most K
 * CRI calls in flight (0: all at once), to see what containerd itself can do with 20 pods.
 *
 * The image is the busybox-static web server stand-in (bench/swarm.ts and the seed test
 * use it too), imported from a tarball: no registry, imagePullPolicy Never. Numbers, not
 * pass/fail: MISS marks a target not met.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { CriClient } from '../src/agent/cri/cri-client.js';
import type { PodSandboxConfig } from '../src/agent/cri/cri-types.js';
import { archiveFileName, buildWebImage, writeBuiltinImages } from '../src/agent/images/busybox-images.js';
import { Limiter } from '../src/agent/node/limiter.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../src/agent/pods/labels.js';
import { findProcesses, netDeviceExists, removeCgroupTree, cgroupDirs } from '../src/agent/runtime/host.js';
import { runtimePaths } from '../src/agent/runtime/paths.js';
import { Client } from '../src/client/client.js';
import { Informer } from '../src/client/informer.js';
import { intToIp, parseCidr } from '../src/machinery/cidr.js';
import { pickTestRanges } from '../test/support/netns.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { benchSwarm, type SwarmResult } from './swarm.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ORCH_BIN = path.join(REPO, 'bin', 'orch.js');
const NS = 'bench-pods';
/** The stand-in's full name, and the short name pods use (as the seed example does). */
const IMAGE_REF = 'docker.io/library/nginx:1.7.9';
const IMAGE = 'nginx:1.7.9';
const TARGET = { floorRatio: 1.5, p99For10Ms: 1000, agentRssMiB: 80, swarmRatio: 0.5 };
const WAIT_MS = 180_000;

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,10,50' },
    rounds: { type: 'string', default: '10,3,1' },
    replicas: { type: 'string', default: '20' },
    'deploy-rounds': { type: 'string', default: '3' },
    'no-swarm': { type: 'boolean', default: false },
    /**
     * The CRI floor for --replicas pods at once, all started (wall ms), with at most K CRI
     * calls in flight for each K listed (0 = unbounded); rounds of --deploy-rounds.
     */
    'floor-limits': { type: 'string', default: '' },
    /** Per-phase breakdown of each Deployment round (from the watch and the pods' events). */
    trace: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const sizes = args.sizes!.split(',').map(Number);
const rounds = args.rounds!.split(',').map(Number);
const replicas = Number(args.replicas);
const deployRounds = Number(args['deploy-rounds']);

const out = (line = '') => process.stdout.write(`${line}\n`);
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
/** Nearest-rank percentile. */
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] : NaN;
}
const median = (xs: number[]) => pct(xs, 0.5);

async function rssMiB(pid: number): Promise<number> {
  const status = await fs.promises.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
}

/** CPU seconds a process and its reaped children used (utime + stime + cutime + cstime). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await fs.promises.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 of stat(5), counted from the state (field 3) here; in clock ticks (100 Hz).
  return f.length > 14 ? (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100 : 0;
}

/**
 * CPU used so far by each part of the node (for --trace): the server, the agent, its
 * containerd (with the CNI plugins and shim starts it ran) and the live shims of its pods
 * (with the runc calls they made).
 */
async function nodeCpu(server: number, agent: AgentProcess): Promise<Record<string, number>> {
  const { socket, config } = runtimePaths(agent.dataDir);
  const ctd = findProcesses((argv) => path.basename(argv[0] ?? '') === 'containerd' && argv.includes(config));
  const shims = findProcesses((argv) => path.basename(argv[0] ?? '').startsWith('containerd-shim') && argv.includes(socket));
  const sum = async (pids: number[]) => (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
  return { server: await cpuSeconds(server), agent: await cpuSeconds(agent.pid), containerd: await sum(ctd), shims: await sum(shims) };
}

// ---- the node: `orch agent --runtime containerd` as its own process ---------------------

interface AgentProcess {
  proc: ChildProcess;
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

async function startAgent(server: ServerProcess, dir: string, names: { node: string; cluster: string; bridge: string; dns: string }): Promise<AgentProcess> {
  const dataDir = path.join(dir, 'agent');
  const imagesDir = path.join(dir, 'images');
  await writeBuiltinImages(imagesDir);
  await fs.promises.writeFile(path.join(imagesDir, archiveFileName(IMAGE_REF)), buildWebImage(IMAGE_REF).archive);
  const caFile = path.join(dir, 'ca.crt');
  await fs.promises.writeFile(caFile, server.target.ca);
  const argv = [
    ORCH_BIN, 'agent', '--runtime', 'containerd',
    '--server', server.target.url, '--token', server.target.token, '--ca-file', caFile,
    '--data-dir', dataDir, '--images-dir', imagesDir,
    '--node-name', names.node, '--cluster-name', names.cluster, '--bridge', names.bridge,
    '--cluster-dns', names.dns, '--node-ip', '127.0.0.1', '--streaming-port', '0',
    '--log-level', 'warn',
  ];
  const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (d) => (log = (log + d).slice(-8000)));
  proc.stderr!.on('data', (d) => (log = (log + d).slice(-8000)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const killOnExit = () => proc.pid && proc.exitCode === null && process.kill(proc.pid, 'SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (proc.exitCode === null && proc.signalCode === null && proc.pid) {
      process.kill(proc.pid, 'SIGTERM');
      // It stops its pods and containerd and removes what it made on the host first.
      const t = setTimeout(() => proc.pid && proc.exitCode === null && process.kill(proc.pid, 'SIGKILL'), 90_000);
      await exited;
      clearTimeout(t);
    }
  };
  const deadline = Date.now() + 120_000;
  while (!/joined/.test(log)) {
    if (proc.exitCode !== null) throw new Error(`orch agent exited with ${proc.exitCode}:\n${log}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`orch agent did not join within 120 s:\n${log}`);
    }
    await sleep(100);
  }
  return { proc, pid: proc.pid!, dataDir, stop };
}

// ---- watching: when each pod was first seen Running --------------------------------------

class RunningWatch {
  readonly running = new Map<string, number>();
  /** When each pod was first seen at all, and first seen bound to a node (for --trace). */
  readonly added = new Map<string, number>();
  readonly bound = new Map<string, number>();
  private readonly informer: Informer<Pod>;
  private readonly ac = new AbortController();
  private run?: Promise<void>;

  constructor(client: Client) {
    this.informer = new Informer<Pod>(client.pods, { namespace: NS });
    const stamp = (p: Pod) => {
      const name = p.metadata!.name!;
      const now = performance.now();
      if (!this.added.has(name)) this.added.set(name, now);
      if (p.spec?.nodeName && !this.bound.has(name)) this.bound.set(name, now);
      if (p.status?.phase === 'Running' && !this.running.has(name)) this.running.set(name, now);
    };
    this.informer.on({ add: stamp, update: (_o, p) => stamp(p) });
  }

  async start(): Promise<void> {
    this.run = this.informer.run(this.ac.signal);
    await this.informer.synced;
  }

  get size(): number {
    return this.informer.size;
  }

  /** The pods still listed, with phase, deletion and container state (for errors). */
  describe(): string {
    return this.informer
      .list()
      .map((p) => `${p.metadata!.name} ${p.status?.phase}${p.metadata?.deletionTimestamp ? ' deleting' : ''} ${JSON.stringify(p.status?.containerStatuses?.map((c) => c.state))}`)
      .join('; ');
  }

  names(prefix: string): string[] {
    return this.informer
      .list()
      .map((p) => p.metadata!.name!)
      .filter((n) => n.startsWith(prefix));
  }

  runningCount(prefix: string): number {
    return this.informer.list().filter((p) => p.metadata!.name!.startsWith(prefix) && p.status?.phase === 'Running').length;
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.run;
  }
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// ---- the measurements ---------------------------------------------------------------------

let seq = 0;

/** N pods created at once through the API; ms from each create to Running seen by the watch. */
async function orchRound(client: Client, watch: RunningWatch, n: number): Promise<number[]> {
  const names = Array.from({ length: n }, () => `p${++seq}`);
  const created = new Map<string, number>();
  await Promise.all(
    names.map(async (name) => {
      created.set(name, performance.now());
      await client.pods.create(NS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { containers: [{ name: 'web', image: IMAGE, imagePullPolicy: 'Never' }], terminationGracePeriodSeconds: 1 },
      });
    }),
  );
  await until(`${n} pods Running`, () => names.every((x) => watch.running.has(x)));
  if (args.trace && n > 1) {
    await sleep(500); // the last events reach the API server
    await traceRound(client, watch, names, Math.min(...created.values()));
  }
  return names.map((x) => watch.running.get(x)! - created.get(x)!);
}

/** Deletes every pod and waits until the agent has removed their sandboxes too. */
async function clearPods(client: Client, watch: RunningWatch, cri: CriClient): Promise<void> {
  const pods = (await client.pods.list(NS)).items;
  await Promise.all(pods.map((p: Pod) => client.pods.delete(NS, p.metadata!.name!).catch(() => undefined)));
  await until('pods gone from the API', () => watch.size === 0).catch((err: Error) => {
    throw new Error(`${err.message}; still there: ${watch.describe()}`);
  });
  await until('sandboxes removed', async () => (await cri.listPodSandbox({ label_selector: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } })).length === 0);
}

/**
 * N pods at once straight through the CRI: RunPodSandbox + CreateContainer + StartContainer.
 * With `limit`, at most that many of those calls are in flight at once (as the agent bounds
 * them); ms are still counted from the moment all N were asked for.
 */
async function floorRound(cri: CriClient, cluster: string, logDir: string, n: number, limit = Infinity): Promise<number[]> {
  const limiter = Number.isFinite(limit) ? new Limiter(limit) : undefined;
  const call = <T>(fn: () => Promise<T>) => (limiter ? limiter.run(fn) : fn());
  const pods = Array.from({ length: n }, () => {
    const name = `floor${++seq}`;
    const uid = `${randomBytes(4).toString('hex')}-0000-4000-8000-${randomBytes(6).toString('hex')}`;
    const config: PodSandboxConfig = {
      // No orch labels: the agent leaves sandboxes it does not manage alone.
      metadata: { name, uid, namespace: NS, attempt: 0 },
      hostname: name,
      log_directory: path.join(logDir, uid),
      linux: { cgroup_parent: `/orch-${cluster}/pod${uid}`, security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    };
    return { uid, config, sandbox: '' };
  });
  const ms = await Promise.all(
    pods.map(async (p) => {
      const t0 = performance.now();
      p.sandbox = await call(() => cri.runPodSandbox(p.config));
      const id = await call(() => cri.createContainer(p.sandbox, { metadata: { name: 'web', attempt: 0 }, image: { image: IMAGE }, log_path: 'web/0.log' }, p.config));
      await call(() => cri.startContainer(id));
      return performance.now() - t0;
    }),
  );
  await Promise.all(
    pods.map(async (p) => {
      await cri.stopPodSandbox(p.sandbox);
      await cri.removePodSandbox(p.sandbox);
      await removeCgroupTree(p.config.linux!.cgroup_parent!);
    }),
  );
  return ms;
}

/**
 * Where the time of a round went, per pod: milestones from the watch (first seen, seen
 * bound) and from the events the scheduler and the agent record (eventTime has
 * microseconds; Pulled is recorded once the sandbox is up and the image checked). Printed
 * as ms after `t0` (the create): median and last pod per milestone, and the median time
 * each phase took.
 */
async function traceRound(client: Client, watch: RunningWatch, names: string[], t0: number): Promise<void> {
  const events = (await client.events.list(NS)).items as { involvedObject?: { name?: string }; reason?: string; eventTime?: string }[];
  const at = new Map<string, Map<string, number>>(names.map((n) => [n, new Map<string, number>()]));
  for (const e of events) {
    const m = at.get(e.involvedObject?.name ?? '');
    if (!m || !e.reason || !e.eventTime || m.has(e.reason)) continue;
    m.set(e.reason, Date.parse(e.eventTime) - performance.timeOrigin);
  }
  for (const n of names) {
    const m = at.get(n)!;
    m.set('Added', watch.added.get(n)!);
    m.set('Bound', watch.bound.get(n)!);
    m.set('Running', watch.running.get(n)!);
  }
  const milestones = ['Added', 'Scheduled', 'Bound', 'Pulled', 'Created', 'Started', 'Running'];
  const line = milestones.map((k) => {
    const xs = names.map((n) => at.get(n)!.get(k)! - t0).filter(Number.isFinite);
    return `${k} ${fmt(median(xs))}/${fmt(Math.max(...xs))}`;
  });
  out(`    milestones after create, p50/last (ms): ${line.join('  ')}`);
  const phases = milestones.slice(1).map((k, i) => {
    const xs = names.map((n) => at.get(n)!.get(k)! - at.get(n)!.get(milestones[i])!).filter(Number.isFinite);
    return `${milestones[i]}->${k} ${fmt(median(xs))}/${fmt(Math.max(...xs))}`;
  });
  out(`    phases per pod, p50/max (ms): ${phases.join('  ')}`);
}

/** A Deployment of `n` replicas: ms from create to all n pods Running; then its removal. */
async function deploymentRound(client: Client, watch: RunningWatch, cri: CriClient, n: number, cpu: () => Promise<Record<string, number>>): Promise<{ startMs: number; removeMs: number }> {
  const name = `web${++seq}`;
  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: n,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: IMAGE, imagePullPolicy: 'Never' }], terminationGracePeriodSeconds: 1 },
      },
    },
  };
  const cpu0 = args.trace ? await cpu() : {};
  const t0 = performance.now();
  await client.deployments.create(NS, deployment);
  await until(`${n} replicas Running`, () => watch.runningCount(`${name}-`) >= n);
  const startMs = performance.now() - t0;
  if (args.trace) {
    await sleep(500); // the last events reach the API server
    const cpu1 = await cpu();
    await traceRound(client, watch, watch.names(`${name}-`), t0);
    // Shims are new with the round's pods: all their CPU is the round's.
    out(`    CPU seconds used: ${Object.entries(cpu1).map(([k, v]) => `${k} ${(v - (k === 'shims' ? 0 : cpu0[k])).toFixed(2)}`).join(', ')} (to all Running + 0.5 s)`);
  }
  const t1 = performance.now();
  await client.deployments.delete(NS, name, { propagationPolicy: 'Background' });
  await until('replicas gone', () => watch.size === 0).catch((err: Error) => {
    throw new Error(`${err.message}; still there: ${watch.describe()}`);
  });
  await until('sandboxes removed', async () => (await cri.listPodSandbox({ label_selector: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } })).length === 0);
  return { startMs, removeMs: performance.now() - t1 };
}

// ---- main ---------------------------------------------------------------------------------

interface SizeResult {
  size: number;
  orch: number[];
  floor: number[];
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    out('bench/pods.ts needs root (containerd, CNI, cgroups); skipped');
    return;
  }
  const ranges = await pickTestRanges({ clusterCidr: true });
  const id = ranges.id;
  const names = { node: `bench-pods-${id}`, cluster: `bp${id}`, bridge: `orchbp${id}`, dns: intToIp(parseCidr(ranges.serviceCidr).base + 10) };
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orch-bench-pods-'));
  const floorLogs = path.join(dir, 'floor-logs');
  out(`# pod start latency: orch server + orch agent (containerd ${process.arch}, ${os.cpus().length} cores), image ${IMAGE} (busybox stand-in, imported)`);
  const server = await startServerProcess(undefined, ['--service-cidr', ranges.serviceCidr, '--cluster-cidr', ranges.clusterCidr!, '--log-level', 'warn']);
  let agent: AgentProcess | undefined;
  let cri: CriClient | undefined;
  let watch: RunningWatch | undefined;
  const client = new Client({ server: server.target.url, ca: server.target.ca, token: server.target.token });
  const results: SizeResult[] = [];
  const deploy: { startMs: number; removeMs: number }[] = [];
  const rss: Record<string, number> = {};
  /** --floor-limits: wall ms to all `replicas` pods started, by limit. */
  const floorAll: Record<number, number[]> = {};
  try {
    const tAgent = performance.now();
    agent = await startAgent(server, dir, names);
    await until('node Ready', async () => {
      const node = await client.nodes.get(undefined, names.node).catch(() => undefined);
      return node?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') === true;
    });
    out(`agent joined and Ready in ${fmt(performance.now() - tAgent)} ms`);
    await client.namespaces.create(undefined, { metadata: { name: NS } });
    cri = new CriClient({ socket: runtimePaths(agent.dataDir).socket, cgroupParentRoot: `/orch-${names.cluster}` });
    watch = new RunningWatch(client);
    await watch.start();
    await sleep(2000);
    rss.idle = await rssMiB(agent.pid);
    // Warm-up (first sandbox, first container of the image) outside the numbers.
    await floorRound(cri, names.cluster, floorLogs, 1);
    await orchRound(client, watch, 1);
    await clearPods(client, watch, cri);

    for (const [i, size] of sizes.entries()) {
      const r: SizeResult = { size, orch: [], floor: [] };
      for (let round = 0; round < (rounds[i] ?? 1); round++) {
        r.floor.push(...(await floorRound(cri, names.cluster, floorLogs, size)));
        r.orch.push(...(await orchRound(client, watch, size)));
        if (size === Math.max(...sizes) && round === 0) {
          // Steady state: statuses written, probes idle.
          await sleep(3000);
          rss[`with ${size} pods`] = await rssMiB(agent.pid);
          const ctd = findProcesses((argv) => path.basename(argv[0] ?? '') === 'containerd' && argv.includes(runtimePaths(agent!.dataDir).config));
          if (ctd.length) rss[`containerd with ${size} pods`] = await rssMiB(ctd[0]);
        }
        await clearPods(client, watch, cri);
      }
      results.push(r);
      out(`  ${size} at once: orch p50 ${fmt(median(r.orch))} ms p99 ${fmt(pct(r.orch, 0.99))} ms | CRI floor p50 ${fmt(median(r.floor))} ms p99 ${fmt(pct(r.floor, 0.99))} ms (${r.orch.length} pods)`);
    }
    const floorLimits = args['floor-limits'] ? args['floor-limits'].split(',').map(Number) : [];
    for (let round = 0; round < (floorLimits.length ? deployRounds : 0); round++) {
      // Limits alternate within a round so that each sees the same machine.
      for (const limit of floorLimits) {
        const ms = await floorRound(cri, names.cluster, floorLogs, replicas, limit || Infinity);
        (floorAll[limit] ??= []).push(Math.max(...ms));
      }
    }
    for (const limit of floorLimits) out(`  CRI floor, ${replicas} pods at once, ${limit ? `at most ${limit} calls in flight` : 'unbounded'}: all started in median ${fmt(median(floorAll[limit]))} ms (${floorAll[limit].map(fmt).join(', ')})`);
    for (let round = 0; round < deployRounds; round++) {
      deploy.push(await deploymentRound(client, watch, cri, replicas, () => nodeCpu(server.pid, agent!)));
      out(`  deployment round ${round + 1}: ${replicas} replicas Running in ${fmt(deploy.at(-1)!.startMs)} ms, removed in ${fmt(deploy.at(-1)!.removeMs)} ms`);
    }
  } finally {
    await watch?.stop();
    cri?.close();
    client.close();
    await agent?.stop();
    await server.stop();
    const left: string[] = [];
    if (netDeviceExists(names.bridge)) left.push(`bridge ${names.bridge}`);
    if (cgroupDirs(`/orch-${names.cluster}`).length) left.push(`cgroup /orch-${names.cluster}`);
    if (findProcesses((argv) => argv.some((a) => a.includes(dir))).length) left.push('processes');
    await fs.promises.rm(dir, { recursive: true, force: true });
    if (left.length) out(`WARNING: the agent left ${left.join(', ')}`);
  }

  let swarm: SwarmResult | undefined;
  if (!args['no-swarm']) {
    out(`# Docker Swarm baseline: ${replicas} replicas of the same image`);
    swarm = await benchSwarm({ image: buildWebImage(IMAGE_REF), repoTag: IMAGE, replicas, rounds: deployRounds, log: out });
  }

  out();
  out('== pod start latency (API create -> Running seen by a watch) vs the bare CRI floor ==');
  out('size   orch p50   orch p99   floor p50   floor p99   p50/floor');
  for (const r of results) {
    const ratio = median(r.orch) / median(r.floor);
    out(`${String(r.size).padStart(4)}   ${fmt(median(r.orch)).padStart(8)}   ${fmt(pct(r.orch, 0.99)).padStart(8)}   ${fmt(median(r.floor)).padStart(9)}   ${fmt(pct(r.floor, 0.99)).padStart(9)}   ${ratio.toFixed(2).padStart(6)}x  ${verdict(ratio <= TARGET.floorRatio)} (target <= ${TARGET.floorRatio}x)`);
  }
  const ten = results.find((r) => r.size === 10);
  if (ten) out(`p99 for 10 pods: ${fmt(pct(ten.orch, 0.99))} ms  ${verdict(pct(ten.orch, 0.99) <= TARGET.p99For10Ms)} (target <= ${TARGET.p99For10Ms} ms)`);
  out(`agent RSS: ${Object.entries(rss).map(([k, v]) => `${k} ${fmt(v)} MiB`).join(', ')}`);
  const rss50 = Object.entries(rss).find(([k]) => k.startsWith('with '));
  if (rss50) out(`agent RSS ${rss50[0]}: ${fmt(rss50[1])} MiB  ${verdict(rss50[1] <= TARGET.agentRssMiB)} (target <= ${TARGET.agentRssMiB} MB; a k3s agent: ~275 MB)`);
  const orchDeploy = median(deploy.map((d) => d.startMs));
  out(`${replicas}-replica Deployment to all Running: median ${fmt(orchDeploy)} ms (${deploy.map((d) => fmt(d.startMs)).join(', ')}); removal median ${fmt(median(deploy.map((d) => d.removeMs)))} ms`);
  if (swarm && 'skipped' in swarm) out(`Docker Swarm: skipped — ${swarm.skipped}`);
  else if (swarm) {
    const sw = median(swarm.startMs);
    out(`Docker Swarm ${swarm.version}, ${replicas} tasks to all running: median ${fmt(sw)} ms (${swarm.startMs.map(fmt).join(', ')}); removal median ${fmt(median(swarm.removeMs))} ms`);
    out(`orch / Swarm: ${(orchDeploy / sw).toFixed(2)}x  ${verdict(orchDeploy / sw <= TARGET.swarmRatio)} (target <= ${TARGET.swarmRatio}x)`);
    if (swarm.leftovers.length) out(`  dockerd clean-up: ${swarm.leftovers.join('; ')}`);
  }
  if (args.json) out(JSON.stringify({ results, rss, deploy, floorAll, swarm }));
}

await main();
