/**
 * The Docker Swarm baseline for bench/pods.ts: N replicas of the same image, time from the
 * service create to all N tasks running. Runs a dockerd of its own (Debian `docker.io`,
 * not installed by scripts/setup.sh) that touches nothing shared: its own data root, exec
 * root, socket and pid file, its own managed containerd, no iptables, no IP forwarding and
 * no bridge (tasks use the `none` network, so no port clashes between replicas), and
 * DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 so a task never tries Docker Hub for an image that
 * is already loaded. Everything it made is removed afterwards and the host is compared
 * with a snapshot taken before (network devices, iptables, cgroups, mounts).
 *
 * Spoken to over its API socket (no docker CLI needed). When dockerd is missing or cannot
 * run, the result says why and the caller prints that instead of a number.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BuiltImage } from '../src/agent/images/oci-layout.js';
import { createTar } from '../src/agent/images/tar.js';
import { cgroupDirs, findProcesses, mountsUnder, removeCgroupTree, signalPids, unmountAllUnder, waitForExit as waitForPids } from '../src/agent/runtime/host.js';

export const DOCKERD = '/usr/sbin/dockerd';
const SERVICE = 'orch-bench-web';
const TIMEOUT_MS = 180_000;

export type SwarmResult =
  | { skipped: string }
  | { version: string; replicas: number; startMs: number[]; removeMs: number[]; leftovers: string[] };

/** `docker load` input (docker-save layout: manifest.json + config + layer): dockerd 20.10 cannot load OCI layouts. */
export function dockerSaveArchive(image: BuiltImage, repoTag: string): Buffer {
  const hex = (d: string) => d.slice('sha256:'.length);
  const config = image.blobs.get(image.configDigest)!;
  const layer = image.blobs.get(image.layerDigest)!;
  const configFile = `${hex(image.configDigest)}.json`;
  const layerFile = `${hex(image.layerDigest)}/layer.tar`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configFile, RepoTags: [repoTag], Layers: [layerFile] }]));
  return createTar([
    { type: 'file', path: configFile, data: config },
    { type: 'dir', path: hex(image.layerDigest) },
    // dockerd sniffs the compression of each layer, so the gzipped OCI layer loads as is.
    { type: 'file', path: layerFile, data: layer },
    { type: 'file', path: 'manifest.json', data: manifest },
  ]);
}

interface Reply {
  status: number;
  body: string;
}

function api(socket: string, method: string, urlPath: string, body?: Buffer | object, timeoutMs = 60_000): Promise<Reply> {
  const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: socket,
        method,
        path: urlPath,
        timeout: timeoutMs,
        headers: data ? { 'content-type': Buffer.isBuffer(body) ? 'application/x-tar' : 'application/json', 'content-length': data.length } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`dockerd ${method} ${urlPath}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

async function apiOk(socket: string, method: string, urlPath: string, body?: Buffer | object): Promise<string> {
  const r = await api(socket, method, urlPath, body);
  if (r.status >= 300) throw new Error(`dockerd ${method} ${urlPath}: HTTP ${r.status} ${r.body.trim()}`);
  return r.body;
}

interface HostSnapshot {
  links: Set<string>;
  iptables: Set<string>;
  dockerCgroup: boolean;
  ipForward: string;
  /** /run/docker (dockerd makes /run/docker/plugins whatever its exec root). */
  runDocker: boolean;
}

const linkNames = () =>
  new Set(
    execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(': ')[1].split('@')[0]),
  );

/** iptables rules and chain names without counters, one per line. */
const iptablesLines = () =>
  new Set(
    execFileSync('iptables-save', { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.replace(/\s*\[\d+:\d+\]$/, '')),
  );

function snapshot(): HostSnapshot {
  return { links: linkNames(), iptables: iptablesLines(), dockerCgroup: cgroupDirs('/docker').length > 0, ipForward: fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), runDocker: fs.existsSync('/run/docker') };
}

/**
 * What dockerd left on the host compared with `before`, removing what is certainly its own
 * (devices named docker*, vx-*, veth on its bridges are gone with their netns; the /docker
 * cgroup if it did not exist before). Other helpers' devices and rules are never touched:
 * only names docker uses are considered.
 */
async function removeLeftovers(before: HostSnapshot, dir: string): Promise<string[]> {
  const left: string[] = [];
  for (const name of linkNames()) {
    if (before.links.has(name) || !/^(docker|vx-|br-|ov-)/.test(name)) continue;
    try {
      execFileSync('ip', ['link', 'delete', name], { stdio: 'ignore' });
      left.push(`network device ${name} (removed)`);
    } catch {
      left.push(`network device ${name} (could not remove)`);
    }
  }
  const newRules = [...iptablesLines()].filter((l) => !before.iptables.has(l) && /docker/i.test(l));
  for (const rule of newRules) left.push(`iptables: ${rule} (left in place: check by hand)`);
  if (!before.dockerCgroup && cgroupDirs('/docker').length) {
    const stuck = await removeCgroupTree('/docker', { killProcesses: false });
    left.push(stuck.length ? `cgroup /docker (could not remove ${stuck.join(' ')})` : 'cgroup /docker (removed)');
  }
  const ipForward = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  if (ipForward !== before.ipForward) {
    fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', before.ipForward);
    left.push(`net.ipv4.ip_forward ${before.ipForward} -> ${ipForward} (restored)`);
  }
  if (!before.runDocker && fs.existsSync('/run/docker')) {
    try {
      fs.rmdirSync('/run/docker/plugins');
      fs.rmdirSync('/run/docker');
      left.push('/run/docker (removed)');
    } catch {
      left.push('/run/docker is not empty (left in place)');
    }
  }
  const unmounted = await unmountAllUnder(dir);
  if (unmounted.length) left.push(`${unmounted.length} mounts under ${dir} (unmounted)`);
  if (mountsUnder(dir).length) left.push(`mounts under ${dir} still there: ${mountsUnder(dir).join(' ')}`);
  return left;
}

/** A bridge for dockerd's default network on a 10.254.X.0/24 nothing routes; returns the subnet. */
function createBridge(name: string): string {
  const routes = execFileSync('ip', ['-4', '-o', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (let i = 0; i < 50; i++) {
    const x = 2 + Math.floor(Math.random() * 250);
    if (routes.includes(`10.254.${x}.`)) continue;
    execFileSync('ip', ['link', 'add', name, 'type', 'bridge']);
    try {
      execFileSync('ip', ['addr', 'add', `10.254.${x}.1/24`, 'dev', name]);
      execFileSync('ip', ['link', 'set', name, 'up']);
    } catch (err) {
      execFileSync('ip', ['link', 'delete', name]);
      throw err;
    }
    return `10.254.${x}.0/24`;
  }
  throw new Error('no free 10.254.X.0/24 for the dockerd bridge');
}

async function waitForExit(proc: ChildProcess, ms: number): Promise<boolean> {
  if (proc.exitCode !== null || proc.signalCode !== null) return true;
  return Promise.race([new Promise<boolean>((r) => proc.once('exit', () => r(true))), sleep(ms).then(() => false)]);
}

/** Counts the service's tasks in state `running` (desired running). */
async function runningTasks(socket: string): Promise<number> {
  const filters = encodeURIComponent(JSON.stringify({ service: { [SERVICE]: true }, 'desired-state': { running: true } }));
  const tasks = JSON.parse(await apiOk(socket, 'GET', `/v1.41/tasks?filters=${filters}`)) as { Status?: { State?: string } }[];
  return tasks.filter((t) => t.Status?.State === 'running').length;
}

async function containerCount(socket: string): Promise<number> {
  return (JSON.parse(await apiOk(socket, 'GET', '/v1.41/containers/json?all=1')) as unknown[]).length;
}

/**
 * Starts dockerd, loads `image` as `repoTag`, and `rounds` times creates a service of
 * `replicas` tasks, timing until all run, then removes it (timed until no container is left).
 */
export async function benchSwarm(opts: { image: BuiltImage; repoTag: string; replicas: number; rounds: number; log?: (line: string) => void }): Promise<SwarmResult> {
  if (process.getuid?.() !== 0) return { skipped: 'needs root' };
  if (!fs.existsSync(DOCKERD)) return { skipped: `${DOCKERD} not found (apt-get install docker.io; not part of scripts/setup.sh)` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-bench-dockerd-'));
  const socket = path.join(dir, 'docker.sock');
  const before = snapshot();
  const bridge = `dkb${path.basename(dir).slice(-6).toLowerCase().replace(/[^a-z0-9]/g, '0')}`;
  const subnet = createBridge(bridge);
  opts.log?.(`  dockerd bridge ${bridge} on ${subnet}`);
  const logFile = path.join(dir, 'dockerd.log');
  const logFd = fs.openSync(logFile, 'a');
  const proc = spawn(
    DOCKERD,
    [
      '--data-root', path.join(dir, 'data'),
      '--exec-root', path.join(dir, 'exec'),
      '--pidfile', path.join(dir, 'dockerd.pid'),
      '-H', `unix://${socket}`,
      '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false',
      '--bridge', bridge, '--userland-proxy=false',
    ],
    { stdio: ['ignore', logFd, logFd], env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' } },
  );
  fs.closeSync(logFd);
  // An interrupted benchmark must not leave dockerd running.
  const killOnExit = () => proc.pid && proc.exitCode === null && process.kill(proc.pid, 'SIGKILL');
  process.once('exit', killOnExit);
  const logTail = () => fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
  let result: SwarmResult;
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`dockerd exited (${proc.exitCode ?? proc.signalCode}):\n${logTail()}`);
      const ok = await api(socket, 'GET', '/_ping', undefined, 1000).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`dockerd did not answer within 30 s:\n${logTail()}`);
      await sleep(100);
    }
    const version = (JSON.parse(await apiOk(socket, 'GET', '/v1.41/version')) as { Version: string }).Version;
    await apiOk(socket, 'POST', '/v1.41/images/load?quiet=1', dockerSaveArchive(opts.image, opts.repoTag));
    await apiOk(socket, 'POST', '/v1.41/swarm/init', { ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
    const startMs: number[] = [];
    const removeMs: number[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      const t0 = performance.now();
      await apiOk(socket, 'POST', '/v1.41/services/create', {
        Name: SERVICE,
        TaskTemplate: { ContainerSpec: { Image: opts.repoTag, StopGracePeriod: 1_000_000_000 } },
        Mode: { Replicated: { Replicas: opts.replicas } },
      });
      while ((await runningTasks(socket)) < opts.replicas) {
        if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`swarm: ${opts.replicas} tasks not running within ${TIMEOUT_MS} ms`);
        await sleep(20);
      }
      startMs.push(performance.now() - t0);
      const t1 = performance.now();
      await apiOk(socket, 'DELETE', `/v1.41/services/${SERVICE}`);
      while ((await containerCount(socket)) > 0) {
        if (performance.now() - t1 > TIMEOUT_MS) throw new Error(`swarm: containers not removed within ${TIMEOUT_MS} ms`);
        await sleep(50);
      }
      removeMs.push(performance.now() - t1);
      opts.log?.(`  swarm round ${round + 1}: ${opts.replicas} tasks running in ${startMs.at(-1)!.toFixed(0)} ms, removed in ${removeMs.at(-1)!.toFixed(0)} ms`);
    }
    await api(socket, 'POST', '/v1.41/swarm/leave?force=1').catch(() => undefined);
    result = { version, replicas: opts.replicas, startMs, removeMs, leftovers: [] };
  } catch (err) {
    result = { skipped: `dockerd could not run the benchmark: ${(err as Error).message}` };
  } finally {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid) {
      process.kill(proc.pid, 'SIGTERM');
      if (!(await waitForExit(proc, 30_000))) {
        process.kill(proc.pid, 'SIGKILL');
        await waitForExit(proc, 5000);
      }
    }
    process.removeListener('exit', killOnExit);
  }
  // Its containerd and shims stop with dockerd; any left (an error path) are found by path.
  const strays = findProcesses((argv) => argv.some((a) => a.includes(dir)));
  if (strays.length) {
    signalPids(strays, 'SIGKILL');
    await waitForPids(strays, 5000);
  }
  execFileSync('ip', ['link', 'delete', bridge]);
  const leftovers = [...(strays.length ? [`${strays.length} processes of dockerd (killed)`] : []), ...(await removeLeftovers(before, dir))];
  fs.rmSync(dir, { recursive: true, force: true });
  if ('startMs' in result) result.leftovers = leftovers;
  else if (leftovers.length) result.skipped += `; cleaned up: ${leftovers.join('; ')}`;
  return result;
}

/** Alone: `node dist/bench/swarm.js [replicas] [rounds]` (bench/pods.ts runs it with orch's numbers). */
if (process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) {
  const { buildWebImage } = await import('../src/agent/images/busybox-images.js');
  const replicas = Number(process.argv[2] ?? 20);
  const r = await benchSwarm({ image: buildWebImage('docker.io/library/nginx:1.7.9'), repoTag: 'nginx:1.7.9', replicas, rounds: Number(process.argv[3] ?? 3), log: (l) => process.stdout.write(`${l}\n`) });
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
