/**
 * Memory of the node agent: a real `orch server --disable-agent` and a separate
 * `orch agent --runtime containerd` process joined to it (its own data dir, bridge,
 * cluster name, pod CIDR and service CIDR, picked so they clash with nothing else on the
 * machine). The agent's RSS (/proc/<pid>/status VmRSS) and V8 heap (ORCH_DEBUG_MEMORY=1,
 * SIGUSR2) are printed once it is ready with 0 pods, then with N busybox `sleep` pods all
 * Running and settled. Its CPU use while settled is printed too, and how long the N pods
 * took to become Running, so a memory saving that costs speed shows. Numbers, no pass/fail.
 * Needs root and containerd.
 *
 *   node dist/bench/agent-memory.js [--pods 50] [--settle 20] [--node-options="--opt"]
 *                                   [--rounds 1] [--hold 0] [--json]
 *
 * `--node-options` are V8/Node flags for the agent process only, to compare settings: the
 * agent runs without TurboFan and with a small young generation (src/machinery/lean-v8.ts);
 * `--opt` or `--max-semi-space-size=16` put V8's defaults back.
 * `--rounds` repeats create-all / delete-all to show whether memory comes back. `--hold S`
 * keeps the pods running S more seconds after the measurement, to look at the agent from
 * outside (its pid is printed): /proc/<pid>/smaps, or a heap snapshot with
 * --node-options="--heapsnapshot-signal=SIGURG --diagnostic-dir=/tmp".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { BUSYBOX_IMAGE, writeBuiltinImages } from '../src/agent/images/busybox-images.js';
import { mountsUnder } from '../src/agent/runtime/host.js';
import { Client } from '../src/client/client.js';
import { MEMORY_REPORT_PREFIX as MEMORY_PREFIX } from '../src/cli/debug-memory.js';
import { pickTestRanges } from '../test/support/netns.js';
import { ORCH_BIN } from '../test/support/orch-process.js';
import { startServerProcess } from './server-process.js';

const NS = 'default';

interface Sample {
  rssMiB: number;
  hwmMiB: number;
  heapUsedMiB?: number;
  heapTotalMiB?: number;
  externalMiB?: number;
  /** Committed size of V8's young generation (new space). */
  newSpaceMiB?: number;
  oldSpaceMiB?: number;
}

const MiB = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

class AgentProcess {
  private out = '';
  readonly exited: Promise<number | null>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d) => (this.out = (this.out + d).slice(-64_000)));
    proc.stderr!.on('data', (d) => (this.out = (this.out + d).slice(-64_000)));
    this.exited = new Promise((r) => proc.once('exit', (code) => r(code)));
  }

  output(): string {
    return this.out;
  }

  async waitFor(re: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.out)) {
      if (Date.now() > deadline || this.proc.exitCode !== null) throw new Error(`orch agent: no ${re} within ${timeoutMs} ms:\n${this.out.slice(-4000)}`);
      await sleep(100);
    }
  }

  /** VmRSS/VmHWM from /proc, and the V8 heap from the agent's own report (SIGUSR2). */
  async sample(): Promise<Sample> {
    const status = await readFile(`/proc/${this.proc.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const s: Sample = { rssMiB: Math.round(kb('VmRSS') / 102.4) / 10, hwmMiB: Math.round(kb('VmHWM') / 102.4) / 10 };
    const before = this.out.lastIndexOf(MEMORY_PREFIX);
    process.kill(this.proc.pid!, 'SIGUSR2');
    const deadline = Date.now() + 5000;
    while (this.out.lastIndexOf(MEMORY_PREFIX) === before && Date.now() < deadline) await sleep(20);
    const at = this.out.lastIndexOf(MEMORY_PREFIX);
    if (at !== before) {
      const line = this.out.slice(at + MEMORY_PREFIX.length).split('\n')[0];
      const m = JSON.parse(line) as { heapUsed: number; heapTotal: number; external: number; spaces: Record<string, number> };
      Object.assign(s, {
        heapUsedMiB: MiB(m.heapUsed),
        heapTotalMiB: MiB(m.heapTotal),
        externalMiB: MiB(m.external),
        newSpaceMiB: MiB(m.spaces.new_space ?? 0),
        oldSpaceMiB: MiB(m.spaces.old_space ?? 0),
      });
    }
    return s;
  }

  /** utime + stime (fields 14 and 15 of /proc/<pid>/stat); clock ticks are 100/s on Linux. */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.proc.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  }
}

async function waitAll(client: Client, names: string[], pred: (p: Pod | undefined) => boolean, timeoutMs: number, what: string): Promise<void> {
  const want = new Set(names);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = (await client.pods.list(NS)).items as Pod[];
    const byName = new Map(list.map((p) => [p.metadata!.name!, p]));
    const missing = [...want].filter((n) => !pred(byName.get(n)));
    if (!missing.length) return;
    if (Date.now() > deadline) throw new Error(`${missing.length} pods not ${what} after ${timeoutMs} ms (e.g. ${missing[0]}: ${JSON.stringify(byName.get(missing[0])?.status?.phase)})`);
    await sleep(250);
  }
}

const isRunning = (p: Pod | undefined) => p?.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.state?.running) === true;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pods: { type: 'string', default: '50' },
      settle: { type: 'string', default: '20' },
      'node-options': { type: 'string', default: '' },
      rounds: { type: 'string', default: '1' },
      hold: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
    },
  });
  const n = Number(values.pods);
  const settleMs = Number(values.settle) * 1000;
  const rounds = Number(values.rounds);
  const nodeOptions = values['node-options']!.split(/\s+/).filter(Boolean);
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/containerd')) {
    console.log('agent memory: needs root and containerd; skipped');
    return;
  }

  const r = await pickTestRanges({ clusterCidr: true });
  const name = `bench-mem-${r.id}`;
  const cluster = `bm${r.id}`;
  const bridge = `orchbm${r.id}`;
  // The server's node IPAM hands the agent the whole picked /24, so no pod address can clash.
  const server = await startServerProcess(undefined, [
    '--cluster-cidr', r.clusterCidr!, '--service-cidr', r.serviceCidr, '--service-node-port-range', `${r.nodePortRange[0]}-${r.nodePortRange[1]}`, '--log-level', 'warn',
  ]);
  const dir = await mkdtemp(join(tmpdir(), `orch-bench-agent-${r.id}-`));
  const client = new Client({ server: server.target.url, ca: server.target.ca, token: server.target.token });
  let agent: AgentProcess | undefined;
  const killOnExit = () => {
    if (agent?.proc.exitCode === null) agent.proc.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const results: Record<string, unknown> = { pods: n, settleSeconds: settleMs / 1000, nodeOptions: nodeOptions.join(' ') };
  try {
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, server.target.ca);
    const imagesDir = join(dir, 'images');
    await writeBuiltinImages(imagesDir);
    const args = [
      ...nodeOptions, ORCH_BIN, 'agent', '--runtime', 'containerd', '--server', server.target.url, '--token', server.target.token, '--ca-file', caFile,
      '--node-name', name, '--data-dir', join(dir, 'data'), '--node-ip', '127.0.0.1', '--streaming-port', '0', '--cluster-name', cluster, '--bridge', bridge,
      '--images-dir', imagesDir, '--log-level', 'warn',
    ];
    const t0 = Date.now();
    agent = new AgentProcess(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ORCH_DEBUG_MEMORY: '1' } }));
    await agent.waitFor(/joined/, 90_000);
    console.error(`agent pid ${agent.proc.pid}`);
    results.agentReadyMs = Date.now() - t0;
    await sleep(settleMs);
    results.idle = await agent.sample();

    const names = Array.from({ length: n }, (_, i) => `mem-${i}`);
    for (let round = 1; round <= rounds; round++) {
      const c0 = Date.now();
      const startCpu0 = agent.cpuSeconds();
      await Promise.all(
        names.map((pod) =>
          client.pods.create(NS, {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: pod, labels: { app: 'bench-mem' } },
            spec: { nodeName: name, terminationGracePeriodSeconds: 1, containers: [{ name: 'sleep', image: BUSYBOX_IMAGE, command: ['sleep', '3600'] }] },
          }),
        ),
      );
      await waitAll(client, names, isRunning, 300_000, 'Running');
      const allRunningMs = Date.now() - c0;
      const startCpuSeconds = Math.round((agent.cpuSeconds() - startCpu0) * 100) / 100;
      await sleep(settleMs);
      const cpu0 = agent.cpuSeconds();
      const w0 = Date.now();
      await sleep(10_000);
      const idleCpuPercent = Math.round(((agent.cpuSeconds() - cpu0) / ((Date.now() - w0) / 1000)) * 1000) / 10;
      const loaded = await agent.sample();
      if (Number(values.hold) > 0) {
        console.error(`agent pid ${agent.proc.pid}: ${n} pods running; holding ${values.hold} s`);
        await sleep(Number(values.hold) * 1000);
      }
      const d0 = Date.now();
      await Promise.all(names.map((pod) => client.pods.delete(NS, pod).catch(() => undefined)));
      await waitAll(client, names, (p) => p === undefined, 300_000, 'deleted');
      const deleteMs = Date.now() - d0;
      await sleep(settleMs);
      const after = await agent.sample();
      results[`round${round}`] = { allRunningMs, startCpuSeconds, idleCpuPercent, withPods: loaded, deleteMs, afterDelete: after };
    }
  } finally {
    if (agent && agent.proc.exitCode === null) {
      agent.proc.kill('SIGTERM');
      const code = await Promise.race([agent.exited, sleep(90_000, undefined, { ref: false }).then(() => 'timeout' as const)]);
      if (code === 'timeout') agent.proc.kill('SIGKILL');
      else if (code !== 0) console.error(`orch agent exited with ${code}:\n${agent.output().slice(-4000)}`);
    }
    process.removeListener('exit', killOnExit);
    client.close();
    await server.stop();
    // A mount the agent failed to remove must not be followed into by rm.
    const mounts = mountsUnder(dir);
    if (mounts.length) console.error(`left mounted, not removing ${dir}: ${mounts.join(', ')}`);
    else await rm(dir, { recursive: true, force: true });
  }

  if (values.json) {
    console.log(JSON.stringify(results));
    return;
  }
  const fmt = (s: Sample | undefined) =>
    s ? `RSS ${s.rssMiB} MiB (peak ${s.hwmMiB}), heap used ${s.heapUsedMiB ?? '?'} / total ${s.heapTotalMiB ?? '?'} MiB (new ${s.newSpaceMiB ?? '?'}, old ${s.oldSpaceMiB ?? '?'}), external ${s.externalMiB ?? '?'} MiB` : '-';
  console.log(`orch agent --runtime containerd memory${nodeOptions.length ? ` (node ${nodeOptions.join(' ')})` : ''}; target RSS <= 80 MB with 50 pods`);
  console.log(`  ready in ${results.agentReadyMs} ms`);
  console.log(`  0 pods:            ${fmt(results.idle as Sample)}`);
  for (let round = 1; round <= rounds; round++) {
    const x = results[`round${round}`] as { allRunningMs: number; startCpuSeconds: number; idleCpuPercent: number; withPods: Sample; deleteMs: number; afterDelete: Sample };
    console.log(`  round ${round}: ${n} pods Running in ${x.allRunningMs} ms (agent CPU ${x.startCpuSeconds} s), deleted in ${x.deleteMs} ms; idle CPU with ${n} pods ${x.idleCpuPercent}%`);
    console.log(`  ${String(n).padStart(2)} pods:           ${fmt(x.withPods)}`);
    console.log(`  after delete:      ${fmt(x.afterDelete)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
