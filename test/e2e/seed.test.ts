/**
 * The seed example end to end, as root: the course's my-nginx Deployment (3 replicas of
 * nginx:1.7.9) and its NodePort Service (30007), applied as written with kubectl to an
 * `orch server` with its local node. There is no Docker Hub here: a stand-in image built
 * from busybox-static (httpd on port 80 answering with its pod's hostname) is served as
 * docker.io/library/nginx:1.7.9 from a registry on 127.0.0.1, which the node reaches through
 * a registries.yaml mirror for docker.io. The only test that uses node port 30007.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { buildWebImage } from '../../src/agent/images/busybox-images.js';
import { cgroupDirs, findProcesses, mountsUnder, netDeviceExists } from '../../src/agent/runtime/host.js';
import { isolatedNodeArgs, startOrchServer, type OrchServer } from '../support/orch-process.js';
import { mirrorRegistriesYaml, startTestRegistry, type TestRegistry } from '../support/registry.js';

const skip = process.getuid?.() !== 0 ? 'needs root' : !fs.existsSync('/usr/bin/containerd') ? 'containerd not installed' : false;

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/examples');
const DEPLOYMENT = path.join(EXAMPLES, 'my-nginx-deployment.yaml');
const SERVICE = path.join(EXAMPLES, 'my-nginx-service.yaml');
const NODE_PORT = 30007;

let registry: TestRegistry | undefined;
let server: OrchServer | undefined;
let node: Awaited<ReturnType<typeof isolatedNodeArgs>>;
let tmp = '';
let image: ReturnType<typeof buildWebImage>;

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-seed-'));
  image = buildWebImage('docker.io/library/nginx:1.7.9');
  registry = await startTestRegistry([{ repo: 'library/nginx', tag: '1.7.9', image }]);
  // Where the server looks for it without --registries-config (k3s: /etc/rancher/k3s/).
  const dataDir = path.join(tmp, 'server');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  fs.writeFileSync(path.join(dataDir, 'registries.yaml'), mirrorRegistriesYaml('docker.io', registry));
  node = await isolatedNodeArgs();
  // 30000-30009 is never one of isolatedNodeArgs' ranges (they start at 30020), so 30007
  // is free for this test alone.
  server = await startOrchServer({ dataDir, nodeArgs: node.args, extraArgs: ['--service-node-port-range', '30000-30009'] });
});

after(async () => {
  if (skip) return;
  try {
    if (server) {
      await server.kubectl(['delete', '-f', SERVICE, '-f', DEPLOYMENT, '--ignore-not-found', '--wait=true', '--timeout=60s']);
      await server.stop();
      // The server removed what its node made: containerd, mounts, bridge, chains, cgroups.
      const left: string[] = [];
      const dataDir = server.dataDir;
      if (findProcesses((argv) => argv.some((a) => a.includes(dataDir))).length) left.push('processes');
      if (mountsUnder(dataDir).length) left.push(`mounts ${mountsUnder(dataDir).join(' ')}`);
      if (netDeviceExists(`orch-${node.id}`)) left.push(`bridge orch-${node.id}`);
      if (cgroupDirs(`orch-${node.nodeName}`).length) left.push(`cgroups ${cgroupDirs(`orch-${node.nodeName}`).join(' ')}`);
      const prefix = `OE${node.id.toUpperCase()}-`;
      if (execFileSync('iptables-save', { encoding: 'utf8' }).includes(prefix)) left.push(`iptables chains ${prefix}*`);
      assert.deepEqual(left, [], 'the server left nothing of its node behind');
    }
  } finally {
    await server?.cleanup();
    await registry?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
});

async function kubectlOk(args: string[]): Promise<string> {
  const r = await server!.kubectl(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const ready = (p: Pod) => p.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

/** GET on a fresh connection each time, so every request is balanced anew. */
function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

test('kubectl apply of the course Deployment and Service, as written', { skip }, async () => {
  assert.match(fs.readFileSync(DEPLOYMENT, 'utf8'), /image: nginx:1\.7\.9/);
  const out = await kubectlOk(['apply', '-f', DEPLOYMENT, '-f', SERVICE]);
  assert.match(out, /deployment\.apps\/my-nginx created/);
  assert.match(out, /service\/my-nginx created/);
});

test('all 3 replicas run and are Ready on the node, pulled through the docker.io mirror', { skip }, async () => {
  const deadline = Date.now() + 180_000;
  let pods: Pod[] = [];
  while (Date.now() < deadline) {
    pods = JSON.parse(await kubectlOk(['get', 'pods', '-l', 'app=nginx', '-o', 'json'])).items;
    if (pods.length === 3 && pods.every(ready)) break;
    await sleep(500);
  }
  const summary = pods.map((p) => `${p.metadata?.name} ${p.status?.phase} ${JSON.stringify(p.status?.containerStatuses?.[0]?.state)}`).join('\n');
  assert.equal(pods.length, 3, summary);
  assert.ok(pods.every(ready), `not all Running and Ready:\n${summary}`);
  for (const p of pods) {
    assert.equal(p.spec?.nodeName, node.nodeName);
    assert.equal(p.spec?.containers[0].image, 'nginx:1.7.9');
    // The image containerd pulled is the stand-in, shown by its full name as the kubelet does.
    const status = p.status?.containerStatuses?.[0];
    assert.equal(status?.image, 'docker.io/library/nginx:1.7.9');
    assert.ok([image.configDigest, image.manifestDigest].some((d) => status?.imageID?.includes(d)), `imageID ${status?.imageID}`);
    assert.match(p.status?.podIP ?? '', /^10\.252\./);
  }
  // containerd asked the mirror for docker.io's library/nginx (`ns` names the registry).
  assert.ok(registry!.requests.some((r) => /^GET \/v2\/library\/nginx\/manifests\/1\.7\.9\?ns=docker\.io$/.test(r) || /^HEAD \/v2\/library\/nginx\/manifests\/1\.7\.9\?ns=docker\.io$/.test(r)), registry!.requests.join('\n'));
});

test('kubectl get deploy my-nginx shows 3/3', { skip }, async () => {
  const deadline = Date.now() + 60_000;
  let out = '';
  while (Date.now() < deadline) {
    out = await kubectlOk(['get', 'deploy', 'my-nginx']);
    if (/^my-nginx\s+3\/3\s+3\s+3\s/m.test(out)) break;
    await sleep(500);
  }
  assert.match(out, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
  assert.match(out, /^my-nginx\s+3\/3\s+3\s+3\s/m);
  assert.match(await kubectlOk(['get', 'svc', 'my-nginx']), /^my-nginx\s+NodePort\s+\S+\s+<none>\s+8080:30007\/TCP\s/m);
});

test('127.0.0.1:30007 answers and balances over all 3 pods', { skip }, async () => {
  const pods: Pod[] = JSON.parse(await kubectlOk(['get', 'pods', '-l', 'app=nginx', '-o', 'json'])).items;
  const names = new Set(pods.map((p) => p.metadata!.name!));
  assert.equal(names.size, 3);
  // The proxy syncs the Service's rules within a second or so of the endpoints being ready
  // (longer when other tests hold the xtables lock).
  const seen = new Map<string, number>();
  const deadline = Date.now() + 120_000;
  let lastError = '';
  let answered = 0;
  while (Date.now() < deadline && (seen.size < 3 || answered < 30)) {
    try {
      const res = await get(NODE_PORT);
      assert.equal(res.status, 200);
      assert.match(res.body, /^Welcome to nginx!/);
      const host = /^hostname: (\S+)$/m.exec(res.body)?.[1] ?? '';
      assert.ok(names.has(host), `answered by ${JSON.stringify(host)}, not one of ${[...names].join(', ')}`);
      seen.set(host, (seen.get(host) ?? 0) + 1);
      answered++;
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      lastError = String(err);
      await sleep(200);
    }
  }
  assert.deepEqual([...seen.keys()].sort(), [...names].sort(), `answers per pod: ${JSON.stringify(Object.fromEntries(seen))}; last error: ${lastError}; server log:\n${server!.output().slice(-3000)}`);
});
