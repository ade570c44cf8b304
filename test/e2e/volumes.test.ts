/**
 * The agent's volume manager against a real API server (in-process, SQLite) and real tmpfs
 * mounts, as root: a pod with every supported volume type is set up, its files, modes,
 * symlinks and mounts are checked, a ConfigMap change reaches the pod (onSourceChange)
 * and refresh swaps the contents, and tearDown leaves nothing behind — no mount, no dir.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Client } from '../../src/client/client.js';
import { silentLogger } from '../../src/machinery/log.js';
import { createVolumeManager, VolumeError, type VolumeManager } from '../../src/agent/volumes/index.js';
import { startTestServer, type TestServer } from '../support/api-server.js';

const skip = process.getuid?.() !== 0 ? 'needs root (tmpfs mounts)' : !fs.existsSync('/usr/bin/mount') && !fs.existsSync('/bin/mount') ? 'mount not installed' : false;

const ns = 'vol-e2e';
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

let s: TestServer;
let client: Client;
let podsDir = '';
let hostDir = '';
let vm: VolumeManager;
const ac = new AbortController();
const changes: string[] = [];

/** Mounts under `dir` with fs type and super options, from /proc/self/mountinfo. */
function mountsIn(dir: string): { point: string; fsType: string; options: string }[] {
  const out: { point: string; fsType: string; options: string }[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (!line) continue;
    const [left, right] = line.split(' - ');
    const point = left.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const [fsType, , options] = right.split(' ');
    if (point === dir || point.startsWith(`${dir}/`)) out.push({ point, fsType, options });
  }
  return out;
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

before(async () => {
  if (skip) return;
  s = await startTestServer('sqlite');
  client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
  await client.namespaces.create(undefined, { metadata: { name: ns } });
  await client.resource('configmaps').create(ns, {
    metadata: { name: 'app' },
    data: { 'app.conf': 'version=1\n', other: 'other' },
    binaryData: { 'logo.bin': b64(Buffer.from([0, 1, 2, 255])) },
  });
  await client.resource('configmaps').create(ns, { metadata: { name: 'proj' }, data: { 'proj.txt': 'projected cm' } });
  await client.resource('secrets').create(ns, { metadata: { name: 'db' }, type: 'Opaque', data: { password: b64('hunter2'), user: b64('admin') } });
  podsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-vol-e2e-pods-'));
  hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-vol-e2e-host-'));

  // A PVC bound to a hostPath PV (no binder runs here: the test binds it by hand).
  await client.resource('persistentvolumes').create(undefined, {
    metadata: { name: 'pv-host' },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: path.join(hostDir, 'pv'), type: 'DirectoryOrCreate' } },
  });
  const pvc = await client.resource('persistentvolumeclaims').create(ns, {
    metadata: { name: 'claim' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'pv-host' },
  });
  await client.resource('persistentvolumeclaims').updateStatus({ ...pvc, status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } });

  vm = createVolumeManager({ client, podsDir, log: silentLogger(), onSourceChange: (uid) => changes.push(uid), signal: ac.signal });
});

after(async () => {
  if (skip) return;
  ac.abort();
  // Whatever a failed test left: unmount by exact mount point, deepest first, then remove.
  for (const m of mountsIn(podsDir).reverse()) execFileSync('umount', ['-l', m.point]);
  assert.deepEqual(mountsIn(podsDir), [], 'no mount left under the pods dir');
  fs.rmSync(podsDir, { recursive: true, force: true });
  fs.rmSync(hostDir, { recursive: true, force: true });
  client?.close();
  await s?.cleanup();
});

const UID = 'vol-e2e-0001';
const pod = (): Pod => ({
  metadata: { name: 'web', namespace: ns, uid: UID, labels: { app: 'web', tier: 'front' }, annotations: { owner: 'team-a' } },
  spec: {
    securityContext: { fsGroup: 1234 },
    containers: [{ name: 'main', image: 'orch.local/busybox:1', resources: { limits: { cpu: '250m', memory: '64Mi' } } }],
    volumes: [
      { name: 'scratch', emptyDir: {} },
      { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
      { name: 'host', hostPath: { path: path.join(hostDir, 'data'), type: 'DirectoryOrCreate' } },
      { name: 'config', configMap: { name: 'app', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }, { key: 'logo.bin', path: 'logo.bin' }] } },
      { name: 'config-all', configMap: { name: 'app', defaultMode: 0o644 } },
      { name: 'maybe', configMap: { name: 'not-there', optional: true } },
      { name: 'creds', secret: { secretName: 'db', defaultMode: 0o400 } },
      {
        name: 'info',
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            { path: 'cpu_limit', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } },
          ],
        },
      },
      {
        name: 'all-in-one',
        projected: {
          defaultMode: 0o440,
          sources: [
            { configMap: { name: 'proj' } },
            { secret: { name: 'db', items: [{ key: 'user', path: 'secret/user' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
      { name: 'claim', persistentVolumeClaim: { claimName: 'claim' } },
    ],
  },
});

const vol = (plugin: string, name: string) => path.join(podsDir, UID, 'volumes', plugin, name);
const mode = (p: string) => fs.statSync(p).mode & 0o7777;
const read = (p: string) => fs.readFileSync(p, 'utf8');

test('setUp prepares every volume type with the right files, modes, links and mounts', { skip }, async () => {
  const mounts = await vm.setUp(pod());
  const want = {
    scratch: { hostPath: vol('kubernetes.io~empty-dir', 'scratch'), readOnly: false },
    cache: { hostPath: vol('kubernetes.io~empty-dir', 'cache'), readOnly: false },
    host: { hostPath: path.join(hostDir, 'data'), readOnly: false },
    config: { hostPath: vol('kubernetes.io~configmap', 'config'), readOnly: true },
    'config-all': { hostPath: vol('kubernetes.io~configmap', 'config-all'), readOnly: true },
    maybe: { hostPath: vol('kubernetes.io~configmap', 'maybe'), readOnly: true },
    creds: { hostPath: vol('kubernetes.io~secret', 'creds'), readOnly: true },
    info: { hostPath: vol('kubernetes.io~downward-api', 'info'), readOnly: true },
    'all-in-one': { hostPath: vol('kubernetes.io~projected', 'all-in-one'), readOnly: true },
    claim: { hostPath: path.join(hostDir, 'pv'), readOnly: false },
  };
  assert.deepEqual(Object.fromEntries(mounts), want);

  // emptyDir: world-writable dir, with the fsGroup and setgid; Memory is a sized tmpfs.
  assert.equal(mode(want.scratch.hostPath), 0o2777);
  assert.equal(fs.statSync(want.scratch.hostPath).gid, 1234);
  const byPoint = new Map(mountsIn(podsDir).map((m) => [m.point, m]));
  assert.equal(byPoint.get(want.cache.hostPath)?.fsType, 'tmpfs');
  assert.match(byPoint.get(want.cache.hostPath)!.options, /size=16384k/);
  assert.equal(byPoint.has(want.scratch.hostPath), false, 'a disk emptyDir is no mount');
  assert.ok(fs.statSync(want.host.hostPath).isDirectory());
  assert.ok(fs.statSync(want.claim.hostPath).isDirectory(), 'the PV hostPath was created (DirectoryOrCreate)');

  // configMap: items with paths and modes, through ..data symlinks; binaryData decoded.
  const cfg = want.config.hostPath;
  assert.equal(fs.readlinkSync(path.join(cfg, 'conf')), '..data/conf');
  assert.match(fs.readlinkSync(path.join(cfg, '..data')), /^\.\.\d{4}_/);
  assert.equal(read(path.join(cfg, 'conf/app.conf')), 'version=1\n');
  assert.equal(mode(path.join(cfg, 'conf/app.conf')), 0o640, 'item mode 0600 plus group read for the fsGroup');
  assert.equal(fs.statSync(path.join(cfg, 'conf/app.conf')).gid, 1234);
  assert.deepEqual([...fs.readFileSync(path.join(cfg, 'logo.bin'))], [0, 1, 2, 255]);
  assert.deepEqual(fs.readdirSync(cfg).filter((n) => !n.startsWith('..')).sort(), ['conf', 'logo.bin']);
  assert.deepEqual(fs.readdirSync(want['config-all'].hostPath).filter((n) => !n.startsWith('..')).sort(), ['app.conf', 'logo.bin', 'other']);
  assert.deepEqual(fs.readdirSync(want.maybe.hostPath).filter((n) => !n.startsWith('..')), [], 'optional and missing: an empty volume');

  // secret: decoded, on tmpfs so it never touches the disk.
  assert.equal(read(path.join(want.creds.hostPath, 'password')), 'hunter2');
  assert.equal(mode(path.join(want.creds.hostPath, 'password')), 0o440);
  assert.equal(byPoint.get(want.creds.hostPath)?.fsType, 'tmpfs');
  assert.equal(byPoint.get(want['all-in-one'].hostPath)?.fsType, 'tmpfs');
  assert.match(byPoint.get(want.creds.hostPath)!.options, /size=65536k/, 'a secret tmpfs is capped at the pod memory limit');

  // downward API and projected.
  assert.equal(read(path.join(want.info.hostPath, 'labels')), 'app="web"\ntier="front"');
  assert.equal(read(path.join(want.info.hostPath, 'name')), 'web');
  assert.equal(read(path.join(want.info.hostPath, 'cpu_limit')), '250');
  const proj = want['all-in-one'].hostPath;
  assert.equal(read(path.join(proj, 'proj.txt')), 'projected cm');
  assert.equal(read(path.join(proj, 'secret/user')), 'admin');
  assert.equal(read(path.join(proj, 'namespace')), ns);
  assert.equal(mode(path.join(proj, 'namespace')), 0o440);

  // Idempotent: a second setUp changes nothing (same data dir, no second mount).
  const ts = fs.readlinkSync(path.join(cfg, '..data'));
  const mountCount = mountsIn(podsDir).length;
  await vm.setUp(pod());
  assert.equal(fs.readlinkSync(path.join(cfg, '..data')), ts);
  assert.equal(mountsIn(podsDir).length, mountCount);
  assert.equal(mountCount, 3);
});

test('a ConfigMap update fires onSourceChange and refresh swaps the contents atomically', { skip }, async () => {
  const cfg = vol('kubernetes.io~configmap', 'config');
  const oldTs = fs.readlinkSync(path.join(cfg, '..data'));
  changes.length = 0;
  const cm = await client.resource('configmaps').get(ns, 'app');
  await client.resource('configmaps').update({ ...cm, data: { 'app.conf': 'version=2\n', other: 'other' } });
  await until('onSourceChange for the pod', () => changes.includes(UID));
  await vm.refresh(pod());
  assert.equal(read(path.join(cfg, 'conf/app.conf')), 'version=2\n');
  const newTs = fs.readlinkSync(path.join(cfg, '..data'));
  assert.notEqual(newTs, oldTs);
  assert.equal(fs.existsSync(path.join(cfg, oldTs)), false, 'the old data dir is gone');
  assert.equal(read(path.join(vol('kubernetes.io~configmap', 'config-all'), 'app.conf')), 'version=2\n');

  // A Secret change too, and a label change reaches the downward API volume on refresh.
  changes.length = 0;
  const sec = await client.resource('secrets').get(ns, 'db');
  await client.resource('secrets').update({ ...sec, data: { password: b64('correct horse'), user: b64('admin') } });
  await until('onSourceChange for the secret', () => changes.includes(UID));
  const relabelled = pod();
  relabelled.metadata!.labels = { app: 'web', tier: 'back' };
  await vm.refresh(relabelled);
  assert.equal(read(path.join(vol('kubernetes.io~secret', 'creds'), 'password')), 'correct horse');
  assert.equal(read(path.join(vol('kubernetes.io~downward-api', 'info'), 'labels')), 'app="web"\ntier="back"');
});

test('a missing ConfigMap fails with the Kubernetes message, and its creation wakes the pod', { skip }, async () => {
  const uid = 'vol-e2e-0002';
  const p: Pod = { metadata: { name: 'late', namespace: ns, uid }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'cfg', configMap: { name: 'later' } }] } };
  await assert.rejects(vm.setUp(p), (e: unknown) => e instanceof VolumeError && e.reason === 'ConfigMapNotFound' && e.message === 'configmap "later" not found');
  const s2: Pod = { metadata: { name: 'late2', namespace: ns, uid: 'vol-e2e-0003' }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 's', secret: { secretName: 'nope' } }] } };
  await assert.rejects(vm.setUp(s2), (e: unknown) => e instanceof VolumeError && e.reason === 'SecretNotFound' && e.message === 'secret "nope" not found');
  changes.length = 0;
  await client.resource('configmaps').create(ns, { metadata: { name: 'later' }, data: { k: 'v' } });
  await until('onSourceChange after the ConfigMap is created', () => changes.includes(uid));
  await vm.setUp(p);
  assert.equal(read(path.join(podsDir, uid, 'volumes/kubernetes.io~configmap/cfg/k')), 'v');
  await vm.tearDown(uid);
  await vm.tearDown('vol-e2e-0003');
});

test('tearDown unmounts every tmpfs and removes every directory of the pod; again is a no-op', { skip }, async () => {
  await vm.tearDown(UID);
  await vm.tearDown(UID);
  assert.deepEqual(mountsIn(podsDir), []);
  assert.deepEqual(fs.readdirSync(podsDir), []);
  assert.ok(fs.existsSync(path.join(hostDir, 'data')), 'hostPath data is the host\'s and stays');
  // No watch is left to fire for a pod that is gone.
  changes.length = 0;
  const cm = await client.resource('configmaps').get(ns, 'app');
  await client.resource('configmaps').update({ ...cm, data: { 'app.conf': 'version=3\n' } });
  await sleep(300);
  assert.deepEqual(changes, []);
});
