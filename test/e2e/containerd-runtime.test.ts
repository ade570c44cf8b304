/**
 * The node runtime end to end on the real containerd (as root): the supervisor starts its
 * own containerd, images are built from busybox-static and imported, pods get IPs on the
 * bridge and serve HTTP to the host, exec and logs work, containerd is restarted after a
 * SIGKILL without losing the running container, a pull goes through a plain-HTTP registry
 * mirror on 127.0.0.1, and everything is removed at the end (cleanup() checks the host).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { parseImagesArgs, runImagesCommand, type ImagesCommand } from '../../src/cli/images-command.js';
import { startTestContainerd, type TestContainerd } from '../support/containerd.js';
import { buildBusyboxImage, buildPauseImage, BUSYBOX_IMAGE, PAUSE_IMAGE, writeBuiltinImages } from '../../src/agent/images/busybox-images.js';
import { buildOciArchive } from '../../src/agent/images/oci-layout.js';
import { cidrContains, parseCidr, parseIpv4 } from '../../src/agent/runtime/cni-config.js';
import { cgroupDirs, mountsUnder } from '../../src/agent/runtime/host.js';
import { podForwardRules } from '../../src/agent/runtime/pod-forward.js';
import { CriAlreadyExistsError, CriNotFoundError } from '../../src/agent/cri/cri-errors.js';
import type { ContainerConfig, PodSandboxConfig } from '../../src/agent/cri/cri-types.js';
import { startTestRegistry, type TestRegistry } from '../support/registry.js';

const skip = process.getuid?.() !== 0 ? 'needs root' : !fs.existsSync('/usr/bin/containerd') ? 'containerd not installed' : false;

let env: TestContainerd;
let firstStart: { wallMs: number; timings: object } | undefined;
let registry: TestRegistry | undefined;
let registryPort = 0;
const timings: Record<string, number[]> = {};
const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
  const t = process.hrtime.bigint();
  try {
    return await fn();
  } finally {
    (timings[name] ??= []).push(Number(process.hrtime.bigint() - t) / 1e6);
  }
};

const registryImage = () =>
  buildOciArchive({ ref: 'orch.local/registry-test:1', rootfs: [{ type: 'file', path: 'hello.txt', data: Buffer.from('pulled\n') }], config: { Cmd: ['/hello.txt'] } });

before(async () => {
  if (skip) return;
  registry = await startTestRegistry([{ repo: 'orch/pulled', tag: '1', image: registryImage() }]);
  registryPort = registry.port;
  env = await startTestContainerd({
    registries: {
      mirrors: { [`127.0.0.1:${registryPort}`]: { endpoint: [`http://127.0.0.1:${registryPort}`] } },
      configs: { [`127.0.0.1:${registryPort}`]: { tls: { insecure_skip_verify: true } } },
    },
  });
  firstStart = { wallMs: env.startMs, timings: { ...env.supervisor.timings } };
});

after(async () => {
  if (skip) return;
  await registry?.close();
  const t = Date.now();
  try {
    await env?.cleanup();
  } finally {
    (timings['final stop (2 pods running) + host check'] ??= []).push(Date.now() - t);
    const fmt = (xs: number[]) => `${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1)} ms avg over ${xs.length} (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;
    const lines = Object.entries(timings).map(([k, v]) => `  ${k}: ${fmt(v)}`);
    process.stdout.write(`# containerd runtime timings\n#  first start to ready: ${firstStart?.wallMs} ms ${JSON.stringify(firstStart?.timings)}; last supervisor: ${JSON.stringify(env?.supervisor.timings)}\n${lines.map((l) => `# ${l}`).join('\n')}\n`);
  }
});

let podSeq = 0;
function sandboxConfig(name: string, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
  const uid = `${env.clusterName}-${++podSeq}-0000-0000-000000000000`;
  return {
    metadata: { name, uid, namespace: 'default', attempt: 0 },
    hostname: name,
    log_directory: env.supervisor.podLogDirectory('default', name, uid),
    linux: {
      cgroup_parent: env.supervisor.podCgroupParent(uid),
      security_context: { namespace_options: { network: 'POD', pid: 'POD', ipc: 'POD' } },
    },
    ...extra,
  };
}

function busybox(name: string, command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return { metadata: { name, attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command, log_path: `${name}/0.log`, ...extra };
}

/** GET without keep-alive (an idle pooled socket would hold the test process open). */
function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Retries until the server in the fresh container listens. */
async function waitForHttp(url: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await httpGet(url, 1000);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(10);
    }
  }
}

async function podIp(sandboxId: string): Promise<string> {
  const st = await env.cri.podSandboxStatus(sandboxId);
  assert.equal(st.status?.state, 'SANDBOX_READY');
  return st.status!.network!.ip;
}

let web: { sandboxId: string; config: PodSandboxConfig; containerId: string; ip: string } | undefined;

test('the supervisor starts containerd and the CRI answers Version and Status', { skip }, async () => {
  const v = await env.cri.version();
  assert.equal(v.runtime_name, 'containerd');
  assert.match(v.runtime_version, /^1\.6\./);
  assert.equal(v.runtime_api_version, 'v1');
  const st = await env.cri.status();
  assert.deepEqual(
    st.status?.conditions.map((c) => [c.type, c.status]),
    [['RuntimeReady', true], ['NetworkReady', true]],
  );
  assert.ok(env.supervisor.pid, 'containerd has a pid');
  const config = fs.readFileSync(env.supervisor.paths.config, 'utf8');
  assert.match(config, /sandbox_image = "orch\.local\/pause:1"/);
  assert.ok(!config.includes('/var/lib/containerd') && !config.includes('/run/containerd'), 'no shared containerd paths in the config');
});

test('locally built images import, ImageStatus finds them and a missing image is null', { skip }, async () => {
  const pause = await env.cri.imageStatus(PAUSE_IMAGE);
  assert.deepEqual(pause.image?.repo_tags, [PAUSE_IMAGE], 'the supervisor imported the pause image');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-images-'));
  try {
    const written = await time('build both images (write)', () => writeBuiltinImages(dir));
    const results = await time('import both archives (ctr, sequential)', () => env.supervisor.importImageDir(dir));
    assert.deepEqual(results.flatMap((r) => r.images).sort(), [BUSYBOX_IMAGE, PAUSE_IMAGE]);
    assert.equal(written.length, 2);
    // The CLI path: `orch images import FILE --data-dir <the agent's>`.
    let out = '';
    const sink = new Writable({ write: (c, _e, cb) => ((out += c), cb()) });
    await runImagesCommand(parseImagesArgs(['import', written[1].file, '--data-dir', env.dataDir]) as Exclude<ImagesCommand, 'help'>, sink);
    assert.match(out, /^imported orch\.local\/busybox:1 from .* in \d+ ms$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const status = await env.cri.imageStatus(BUSYBOX_IMAGE);
  assert.ok(status.image, 'busybox image present');
  assert.deepEqual(status.image.repo_tags, [BUSYBOX_IMAGE]);
  assert.ok(Number(status.image.size) > 500_000);
  assert.deepEqual(await env.cri.imageStatus('orch.local/missing:1'), { image: null, info: {} });
  const listed = (await env.cri.listImages()).flatMap((i) => i.repo_tags);
  assert.ok(listed.includes(BUSYBOX_IMAGE) && listed.includes(PAUSE_IMAGE), String(listed));
  // Deterministic builds: the same bytes every time.
  assert.equal(buildPauseImage().manifestDigest, buildPauseImage().manifestDigest);
  assert.equal(buildBusyboxImage().layerDigest, buildBusyboxImage().layerDigest);
});

test('a pod gets an IP from the pod CIDR and its httpd answers the host over the bridge', { skip }, async () => {
  const config = sandboxConfig('web');
  const sandboxId = await time('RunPodSandbox', () => env.cri.runPodSandbox(config));
  const ip = await podIp(sandboxId);
  const ipNum = parseIpv4(ip);
  assert.ok(ipNum !== undefined && cidrContains(parseCidr(env.podCidr), ipNum), `${ip} in ${env.podCidr}`);
  const containerId = await time('CreateContainer', () =>
    env.cri.createContainer(sandboxId, busybox('httpd', ['httpd', '-f', '-p', '8080', '-h', '/var/www']), config),
  );
  await time('StartContainer', () => env.cri.startContainer(containerId));
  const res = await waitForHttp(`http://${ip}:8080/index.html`);
  assert.equal(res.status, 200);
  assert.equal(res.body, 'hello from orch.local/busybox\n');
  const st = await env.cri.containerStatus(containerId);
  assert.equal(st.status?.state, 'CONTAINER_RUNNING');
  assert.notEqual(st.status?.started_at, '0');
  assert.ok(BigInt(st.status!.started_at) > 1_600_000_000_000_000_000n, 'nanosecond timestamps keep their digits');
  web = { sandboxId, config, containerId, ip };
});

test('pod traffic passes FORWARD by two rules of the node for its pod CIDR, with no per-pod rule', { skip }, async () => {
  assert.ok(web, 'needs the web pod of the test before');
  // -C exits non-zero (and execFileSync throws) when the rule is not there.
  for (const rule of podForwardRules(env.podCidr, env.supervisor.networkName)) execFileSync('iptables', ['-w', '5', '-C', 'FORWARD', ...rule]);
  const perPod = execFileSync('iptables', ['-w', '5', '-S'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
    .split('\n')
    .filter((l) => l.includes(`${web!.ip}/32`));
  assert.deepEqual(perPod, []);
});

test('ExecSync returns stdout, stderr and exit codes', { skip }, async () => {
  assert.ok(web, 'needs the web pod');
  const hi = await time('ExecSync', () => env.cri.execSync(web!.containerId, ['echo', 'hi'], 10));
  assert.equal(hi.stdout.toString(), 'hi\n');
  assert.equal(hi.exit_code, 0);
  const three = await env.cri.execSync(web.containerId, ['sh', '-c', 'echo oops >&2; exit 3'], 10);
  assert.equal(three.exit_code, 3);
  assert.equal(three.stderr.toString(), 'oops\n');
  // Own PID namespace: PID 1 is httpd, not pause.
  const ps = await env.cri.execSync(web.containerId, ['cat', '/proc/1/cmdline'], 10);
  assert.match(ps.stdout.toString(), /^httpd/);
});

test('container logs land in the log directory in CRI format', { skip }, async () => {
  assert.ok(web, 'needs the web pod');
  const id = await env.cri.createContainer(web.sandboxId, busybox('logger', ['sh', '-c', 'echo out-line; echo err-line >&2; exec sleep 3600']), web.config);
  await env.cri.startContainer(id);
  const file = path.join(web.config.log_directory!, 'logger/0.log');
  const deadline = Date.now() + 10_000;
  let lines: string[] = [];
  while (lines.length < 2 && Date.now() < deadline) {
    await sleep(20);
    lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }
  const parsed = lines.map((l) => /^(\S+) (stdout|stderr) (F|P) (.*)$/.exec(l));
  assert.equal(parsed.length, 2, lines.join('\n'));
  for (const m of parsed) {
    assert.ok(m, 'a CRI log line');
    assert.ok(!Number.isNaN(Date.parse(m[1])), `RFC3339 time ${m[1]}`);
  }
  assert.deepEqual(parsed.map((m) => [m![2], m![3], m![4]]).sort(), [['stderr', 'F', 'err-line'], ['stdout', 'F', 'out-line']]);
  assert.equal((await env.cri.containerStatus(id)).status?.log_path, file);
  await env.cri.stopContainer(id, 0);
  await env.cri.removeContainer(id);
});

test('container resources land in cgroups under /orch-<cluster>/pod<uid> and can be updated', { skip }, async () => {
  assert.ok(web, 'needs the web pod');
  const id = await env.cri.createContainer(
    web.sandboxId,
    busybox('limited', ['sleep', '3600'], {
      linux: { resources: { cpu_period: 100000, cpu_quota: 50000, cpu_shares: 512, memory_limit_in_bytes: 64 * 1024 * 1024, oom_score_adj: 1000 } },
    }),
    web.config,
  );
  await env.cri.startContainer(id);
  const cg = (controller: string, file: string) => fs.readFileSync(path.join('/sys/fs/cgroup', controller, web!.config.linux!.cgroup_parent!, id, file), 'utf8').trim();
  assert.equal(cg('memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
  assert.equal(cg('cpu', 'cpu.cfs_quota_us'), '50000');
  assert.equal(cg('cpu', 'cpu.shares'), '512');
  const pid = JSON.parse((await env.cri.containerStatus(id, { verbose: true })).info.info).pid as number;
  assert.equal(fs.readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim(), '1000');
  await env.cri.updateContainerResources(id, { cpu_period: 100000, cpu_quota: 20000, cpu_shares: 256, memory_limit_in_bytes: 32 * 1024 * 1024 });
  assert.equal(cg('memory', 'memory.limit_in_bytes'), String(32 * 1024 * 1024));
  assert.equal(cg('cpu', 'cpu.cfs_quota_us'), '20000');
  await env.cri.reopenContainerLog(id);
  const url = await env.cri.exec(id, ['sh'], { stdin: true, stdout: true, stderr: true });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\//, 'the streaming server listens on loopback only');
  await env.cri.stopContainer(id, 0);
  await env.cri.removeContainer(id);
});

test('the pause image exits 0 at once on SIGTERM', { skip }, async () => {
  assert.ok(web, 'needs the web pod');
  const id = await env.cri.createContainer(web.sandboxId, { metadata: { name: 'pause-check' }, image: { image: PAUSE_IMAGE }, log_path: 'pause-check/0.log' }, web.config);
  await env.cri.startContainer(id);
  const t = Date.now();
  await env.cri.stopContainer(id, 30);
  const ms = Date.now() - t;
  const st = await env.cri.containerStatus(id);
  assert.equal(st.status?.state, 'CONTAINER_EXITED');
  assert.equal(st.status?.exit_code, 0);
  assert.ok(ms < 5000, `stopped in ${ms} ms, not after the 30 s grace period`);
  await env.cri.removeContainer(id);
});

test('a duplicate sandbox name is CriAlreadyExistsError', { skip }, async () => {
  assert.ok(web, 'needs the web pod');
  const err = await env.cri.runPodSandbox(web.config).catch((e) => e);
  assert.ok(err instanceof CriAlreadyExistsError, String(err));
  assert.equal(err.existingId, web.sandboxId);
});

test('hostPort mappings reach the pod from 127.0.0.1', { skip }, async () => {
  const hostPort = 20000 + Math.floor(Math.random() * 10000);
  const config = sandboxConfig('ported', { port_mappings: [{ protocol: 'TCP', container_port: 8080, host_port: hostPort, host_ip: '127.0.0.1' }] });
  const sb = await env.cri.runPodSandbox(config);
  const id = await env.cri.createContainer(sb, busybox('httpd', ['httpd', '-f', '-p', '8080', '-h', '/var/www']), config);
  await env.cri.startContainer(id);
  const ip = await podIp(sb);
  await waitForHttp(`http://${ip}:8080/index.html`);
  const res = await waitForHttp(`http://127.0.0.1:${hostPort}/index.html`, 5000);
  assert.equal(res.status, 200);
  await env.cri.stopPodSandbox(sb);
  await env.cri.removePodSandbox(sb);
  await env.supervisor.removePodCgroups(config.metadata.uid);
});

test('after SIGKILL containerd is restarted and the running container survives', { skip }, async () => {
  assert.ok(web, 'needs the web pod');
  const oldPid = env.supervisor.pid!;
  const restarted = new Promise<{ pid: number; restarts: number }>((resolve) => env.supervisor.once('restarted', resolve));
  const t = Date.now();
  process.kill(oldPid, 'SIGKILL');
  const ev = await restarted;
  const ms = Date.now() - t;
  assert.notEqual(ev.pid, oldPid);
  assert.equal(env.supervisor.restarts, 1);
  (timings['containerd restart after SIGKILL (to CRI answering)'] ??= []).push(ms);
  // The HTTP server never went away (its shim outlives containerd).
  assert.equal((await httpGet(`http://${web.ip}:8080/index.html`)).status, 200);
  const running = await env.cri.listContainers({ state: { state: 'CONTAINER_RUNNING' } });
  assert.ok(running.some((c) => c.id === web!.containerId), 'httpd is listed running after the restart');
  assert.equal((await env.cri.podSandboxStatus(web.sandboxId)).status?.state, 'SANDBOX_READY');
  assert.equal((await env.cri.execSync(web.containerId, ['echo', 'still'], 10)).stdout.toString(), 'still\n');
});

test('an agent restart that keeps state finds its pods still running', { skip }, async () => {
  assert.ok(web, 'needs the web pod');
  const oldPid = env.supervisor.pid;
  const t = Date.now();
  await env.restartKeepingState();
  (timings['agent restart keeping state (stop + start to ready)'] ??= []).push(Date.now() - t);
  assert.notEqual(env.supervisor.pid, oldPid);
  assert.equal(env.supervisor.timings.pauseImageMs, undefined, 'the pause image was kept');
  assert.equal((await httpGet(`http://${web.ip}:8080/index.html`)).status, 200);
  assert.equal((await env.cri.containerStatus(web.containerId)).status?.state, 'CONTAINER_RUNNING');
  assert.equal((await env.cri.podSandboxStatus(web.sandboxId)).status?.network?.ip, web.ip);
});

test('stopping and removing a pod releases it, its cgroups and mounts', { skip }, async () => {
  assert.ok(web, 'needs the web pod');
  const mountsBefore = mountsUnder(env.dataDir).length;
  await env.cri.stopContainer(web.containerId, 0);
  await env.cri.stopPodSandbox(web.sandboxId);
  await env.cri.stopPodSandbox(web.sandboxId); // idempotent
  await env.cri.removePodSandbox(web.sandboxId);
  await env.cri.removePodSandbox(web.sandboxId); // idempotent
  await assert.rejects(env.cri.podSandboxStatus(web.sandboxId), CriNotFoundError);
  await assert.rejects(env.cri.containerStatus(web.containerId), CriNotFoundError);
  await env.supervisor.removePodCgroups(web.config.metadata.uid);
  assert.deepEqual(cgroupDirs(web.config.linux!.cgroup_parent!), []);
  assert.ok(mountsUnder(env.dataDir).length < mountsBefore, 'the sandbox rootfs, shm and netns are unmounted');
  await assert.rejects(httpGet(`http://${web.ip}:8080/`, 300));
  web = undefined;
});

test('pods in sequence: latency of each CRI step from Node', { skip }, async () => {
  const pods: { sb: string; uid: string }[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const config = sandboxConfig(`seq${i}`);
    const sb = await time('seq RunPodSandbox', () => env.cri.runPodSandbox(config));
    const id = await time('seq CreateContainer', () => env.cri.createContainer(sb, busybox('httpd', ['httpd', '-f', '-p', '8080', '-h', '/var/www']), config));
    await time('seq StartContainer', () => env.cri.startContainer(id));
    const ip = await podIp(sb);
    assert.equal((await waitForHttp(`http://${ip}:8080/index.html`)).status, 200);
    (timings['seq whole pod to HTTP 200'] ??= []).push(Date.now() - t0);
    pods.push({ sb, uid: config.metadata.uid });
  }
  assert.equal((await env.cri.listPodSandbox({ state: { state: 'SANDBOX_READY' } })).length, 5);
  // Three are torn down here; two stay for the final stop to remove through the CRI.
  for (const { sb, uid } of pods.slice(0, 3)) {
    await time('seq teardown (StopPodSandbox + RemovePodSandbox + cgroups)', async () => {
      await env.cri.stopPodSandbox(sb);
      await env.cri.removePodSandbox(sb);
      await env.supervisor.removePodCgroups(uid);
    });
  }
  assert.equal((await env.cri.listPodSandbox()).length, 2);
});

test('PullImage goes through the plain-HTTP mirror configured from registries', { skip }, async () => {
  const hosts = fs.readFileSync(path.join(env.supervisor.paths.registryHosts, `127.0.0.1:${registryPort}`, 'hosts.toml'), 'utf8');
  assert.match(hosts, new RegExp(`\\[host\\."http://127\\.0\\.0\\.1:${registryPort}"\\]`));
  const ref = `127.0.0.1:${registryPort}/orch/pulled:1`;
  const imageRef = await time('PullImage (local plain-HTTP registry)', () => env.cri.pullImage(ref));
  assert.equal(imageRef, registryImage().configDigest);
  assert.deepEqual((await env.cri.imageStatus(ref)).image?.repo_tags, [ref]);
  await env.cri.removeImage(ref);
  await env.cri.removeImage(ref); // idempotent
  assert.equal((await env.cri.imageStatus(ref)).image, null);
});

test('a full stop without a working containerd still removes every trace of the pods', { skip }, async () => {
  // A second node of its own: containerd is taken away from it for good.
  const other = await startTestContainerd();
  try {
    const image = path.join(other.dataDir, 'busybox.tar');
    fs.writeFileSync(image, buildBusyboxImage().archive);
    await other.supervisor.importImage(image);
    // Three pods, one with a hostPort so that portmap's NAT rules exist too.
    const hostPort = 20000 + Math.floor(Math.random() * 10000);
    for (let i = 0; i < 3; i++) {
      const uid = `${other.clusterName}-orphan-${i}`;
      const config: PodSandboxConfig = {
        metadata: { name: `orphan${i}`, uid, namespace: 'default' },
        hostname: `orphan${i}`,
        log_directory: other.supervisor.podLogDirectory('default', `orphan${i}`, uid),
        linux: { cgroup_parent: other.supervisor.podCgroupParent(uid) },
        port_mappings: i === 0 ? [{ protocol: 'TCP', container_port: 8080, host_port: hostPort, host_ip: '127.0.0.1' }] : [],
      };
      const sb = await other.cri.runPodSandbox(config);
      await other.cri.startContainer(await other.cri.createContainer(sb, busybox('httpd', ['httpd', '-f', '-p', '8080', '-h', '/var/www']), config));
    }
    await waitForHttp(`http://127.0.0.1:${hostPort}/index.html`);
    // containerd goes away for good with the pods running (as after an agent crash) ...
    await other.supervisor.stop({ removeState: false });
    assert.equal((await httpGet(`http://127.0.0.1:${hostPort}/index.html`)).status, 200, 'pods outlive containerd');
    // A containerd still runs on the data dir, as one would after the agent itself crashed:
    // started here by hand with the node's config, so no supervisor owns it.
    const { runtimePaths } = await import('../../src/agent/runtime/paths.js');
    const { spawn } = await import('node:child_process');
    const paths = runtimePaths(other.dataDir);
    const stray = spawn('/usr/bin/containerd', ['--config', paths.config], { stdio: 'ignore' });
    const strayExited = new Promise<void>((r) => stray.once('exit', () => r()));
    for (let i = 0; i < 100 && !fs.existsSync(paths.socket); i++) await sleep(100);
    assert.ok(fs.existsSync(paths.socket), 'the stray containerd serves its socket');
    // ... and a supervisor that never started containerd cleans up from the host alone:
    // processes by cgroup, shims by socket, mounts, bridge, iptables rules by CIDR, CNI cache.
    const { ContainerdSupervisor } = await import('../../src/agent/runtime/containerd-supervisor.js');
    const { silentLogger } = await import('../../src/machinery/log.js');
    const janitor = new ContainerdSupervisor({ dataDir: other.dataDir, clusterName: other.clusterName, podCidr: other.podCidr, bridgeName: other.bridgeName, log: silentLogger() });
    const t = Date.now();
    const report = await janitor.stop({ removeState: true });
    (timings['host-only clean-up of 3 orphaned pods'] ??= []).push(Date.now() - t);
    assert.deepEqual(report.leftovers, []);
    await Promise.race([strayExited, sleep(5000).then(() => assert.fail(`the stray containerd (pid ${stray.pid}) is still running`))]);
    await assert.rejects(httpGet(`http://127.0.0.1:${hostPort}/index.html`, 500));
  } finally {
    // Verifies the host: processes, mounts, bridge, cgroups, CNI cache, iptables.
    await other.cleanup();
  }
});

test('a containerd that cannot start fails run() with the tail of its log, and nothing is left', { skip }, async () => {
  const { ContainerdSupervisor, ContainerdError } = await import('../../src/agent/runtime/containerd-supervisor.js');
  const { silentLogger } = await import('../../src/machinery/log.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-ctd-fail-'));
  const fake = path.join(dir, 'containerd');
  fs.writeFileSync(fake, '#!/bin/sh\necho "level=fatal msg=\\"boom: cannot open the metadata store\\"" >&2\nexit 1\n', { mode: 0o755 });
  const dataDir = path.join(dir, 'data');
  const s = new ContainerdSupervisor({ dataDir, clusterName: `f${env.clusterName}`, podCidr: env.podCidr.replace(/^10\.223\./, '10.224.'), bridgeName: `f${env.bridgeName}`.slice(0, 15), log: silentLogger(), containerdPath: fake });
  try {
    const err = await s.run(new AbortController().signal).catch((e) => e);
    assert.ok(err instanceof ContainerdError, String(err));
    assert.match(err.message, /containerd exited during start[\s\S]*boom: cannot open the metadata store/);
    assert.equal(s.state, 'failed');
    assert.deepEqual(fs.readdirSync(dataDir), [], 'the runtime dirs were removed again');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
