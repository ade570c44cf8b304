/**
 * Persistent storage end to end, as root, on `orch server` with its local node (real
 * containerd, real kubectl): the course's claim binds as written; a pod writes to its claim
 * and the data outlives the pod and a restart of orch; reclaim Delete removes the data,
 * Retain keeps it; a size-enforced class refuses writes past the size; an emptyDir goes with
 * its pod; a non-root container writes through fsGroup; subPath and readOnly mounts; a pod
 * with a missing claim or a cloud volume says why it does not start.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Event, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { cgroupDirs, findProcesses, mountsUnder, netDeviceExists, readMounts } from '../../src/agent/runtime/host.js';
import { isolatedNodeArgs, startOrchServer, type OrchServer } from '../support/orch-process.js';

const skip =
  process.getuid?.() !== 0 ? 'needs root' : !fs.existsSync('/usr/bin/containerd') ? 'containerd not installed' : !fs.existsSync('/sbin/mkfs.ext4') ? 'mkfs.ext4 not installed (e2fsprogs)' : false;

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/examples');
const BUSYBOX = 'orch.local/busybox:1';
const WAIT_MS = 120_000;

let server: OrchServer | undefined;
let node: Awaited<ReturnType<typeof isolatedNodeArgs>>;
const storageDir = () => path.join(server!.dataDir, 'agent', 'storage');

before(async () => {
  if (skip) return;
  node = await isolatedNodeArgs();
  server = await startOrchServer({ nodeArgs: node.args });
});

after(async () => {
  if (skip || !server) return;
  try {
    await server.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=90s']);
    await server.stop();
    // The node removed what it made, and unmounted every volume image; the data stays.
    const dataDir = server.dataDir;
    const left: string[] = [];
    if (findProcesses((argv) => argv.some((a) => a.includes(dataDir))).length) left.push('processes');
    if (mountsUnder(dataDir).length) left.push(`mounts ${mountsUnder(dataDir).join(' ')}`);
    if (execFileSync('losetup', ['-a'], { encoding: 'utf8' }).includes(dataDir)) left.push('loop devices');
    if (netDeviceExists(`orch-${node.id}`)) left.push(`bridge orch-${node.id}`);
    if (cgroupDirs(`orch-${node.nodeName}`).length) left.push('cgroups');
    if (execFileSync('iptables-save', { encoding: 'utf8' }).includes(`OE${node.id.toUpperCase()}-`)) left.push('iptables chains');
    assert.deepEqual(left, [], 'the server left nothing of its node behind');
  } finally {
    await server.cleanup();
  }
});

async function kubectlOk(args: string[], input?: string): Promise<string> {
  const r = await server!.kubectl(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function getJson<T>(kind: string, name: string): Promise<T | undefined> {
  const r = await server!.kubectl(['get', kind, name, '-o', 'json']);
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(`kubectl get ${kind} ${name}: ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as T;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(500);
  }
}

const bound = (name: string) => until(`claim ${name} Bound`, async () => {
  const c = await getJson<PersistentVolumeClaim>('pvc', name);
  return c?.status?.phase === 'Bound' ? c : undefined;
});

const running = (name: string) => until(`pod ${name} Running`, async () => {
  const p = await getJson<Pod>('pod', name);
  return p?.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.ready) ? p : undefined;
});

/** A busybox pod that sleeps, with the given volumes and mounts. */
function sleeper(name: string, spec: Partial<Pod['spec']> & { volumeMounts?: object[]; securityContext?: object }): string {
  const { volumeMounts, ...rest } = spec;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: BUSYBOX, command: ['sleep', '3600'], volumeMounts: volumeMounts ?? [] }],
      ...rest,
    },
  });
}

const exec = (pod: string, script: string) => server!.kubectl(['exec', pod, '--', 'sh', '-c', script]);
const execOk = async (pod: string, script: string) => {
  const r = await exec(pod, script);
  assert.equal(r.code, 0, `exec ${script} in ${pod}: ${r.stderr}`);
  return r.stdout;
};
const deletePod = (name: string) => kubectlOk(['delete', 'pod', name, '--grace-period=1', '--wait=true', '--timeout=90s']);

/** The course's pod with a local image and a command that keeps it running. */
function coursePod(): string {
  const text = fs.readFileSync(path.join(EXAMPLES, 'pvc-pod.yaml'), 'utf8');
  assert.match(text, /image: dockerfile\/nginx/);
  return text.replace(/image: dockerfile\/nginx/, `image: ${BUSYBOX}\n      command: ["sleep", "3600"]`);
}

test('the course claim (storage class "default") binds as written to a volume on the node', { skip }, async () => {
  const out = await kubectlOk(['apply', '-f', path.join(EXAMPLES, 'pvc-claim.yaml')]);
  assert.match(out, /persistentvolumeclaim\/myclaim created/);
  const claim = await bound('myclaim');
  const pv = (await getJson<PersistentVolume>('pv', claim.spec!.volumeName!))!;
  assert.equal(pv.metadata?.name, `pvc-${claim.metadata?.uid}`);
  assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'], 'orch.io/local-path');
  assert.equal(pv.spec?.capacity?.storage, '8Gi');
  assert.equal(pv.spec?.storageClassName, 'default');
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
  assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0].matchExpressions?.[0], { key: 'kubernetes.io/hostname', operator: 'In', values: [node.nodeName] });
  assert.equal(pv.spec?.local?.path, path.join(storageDir(), `pvc-${claim.metadata?.uid}_default_myclaim`));
  assert.ok(fs.statSync(pv.spec!.local!.path).isDirectory());
});

test('a pod writes to its claim; the data outlives the pod and a restart of orch', { skip }, async () => {
  await kubectlOk(['apply', '-f', '-'], coursePod());
  await running('mypod');
  await execOk('mypod', 'echo persisted > /var/www/html/index.html');
  const claim = (await getJson<PersistentVolumeClaim>('pvc', 'myclaim'))!;
  const dir = path.join(storageDir(), `pvc-${claim.metadata?.uid}_default_myclaim`);
  assert.equal(fs.readFileSync(path.join(dir, 'index.html'), 'utf8'), 'persisted\n');

  await deletePod('mypod');
  await kubectlOk(['apply', '-f', '-'], coursePod());
  await running('mypod');
  assert.equal(await execOk('mypod', 'cat /var/www/html/index.html'), 'persisted\n');

  server = await server!.restart();
  const again = await until('mypod running again after the restart', async () => {
    const p = await getJson<Pod>('pod', 'mypod');
    const r = p?.status?.phase === 'Running' ? await exec('mypod', 'cat /var/www/html/index.html') : undefined;
    return r?.code === 0 ? r.stdout : undefined;
  });
  assert.equal(again, 'persisted\n');
});

test('reclaim policy Delete removes the data and the PV once the claim is gone', { skip }, async () => {
  const claim = (await getJson<PersistentVolumeClaim>('pvc', 'myclaim'))!;
  const dir = path.join(storageDir(), `pvc-${claim.metadata?.uid}_default_myclaim`);
  await deletePod('mypod');
  await kubectlOk(['delete', 'pvc', 'myclaim', '--wait=true', '--timeout=60s']);
  await until('the PV deleted', async () => (await getJson<PersistentVolume>('pv', claim.spec!.volumeName!)) === undefined);
  await until('the directory removed', async () => !fs.existsSync(dir));
});

test('reclaim policy Retain keeps the data and the PV (Released)', { skip }, async () => {
  await kubectlOk(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'keep' },
    provisioner: 'orch.io/local-path',
    reclaimPolicy: 'Retain',
    volumeBindingMode: 'Immediate',
  }));
  await kubectlOk(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'kept' },
    spec: { storageClassName: 'keep', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  }));
  const claim = await bound('kept');
  const pv = (await getJson<PersistentVolume>('pv', claim.spec!.volumeName!))!;
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Retain');
  fs.writeFileSync(path.join(pv.spec!.local!.path, 'keep.txt'), 'retained');
  await kubectlOk(['delete', 'pvc', 'kept', '--wait=true', '--timeout=60s']);
  await until('the PV Released', async () => (await getJson<PersistentVolume>('pv', pv.metadata!.name!))?.status?.phase === 'Released');
  await sleep(3000);
  assert.equal(fs.readFileSync(path.join(pv.spec!.local!.path, 'keep.txt'), 'utf8'), 'retained');
  assert.ok(await getJson<PersistentVolume>('pv', pv.metadata!.name!), 'a Retain PV stays');
});

test('a class with enforceSize "true" gives a 16Mi claim a 16Mi filesystem: writing 32Mi fails', { skip }, async () => {
  await kubectlOk(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'sized' },
    provisioner: 'orch.io/local-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
    parameters: { enforceSize: 'true' },
  }));
  await kubectlOk(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'small' },
    spec: { storageClassName: 'sized', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
  }));
  await kubectlOk(['apply', '-f', '-'], sleeper('filler', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'small' } }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }));
  const claim = await bound('small');
  await running('filler');
  const dir = path.join(storageDir(), `pvc-${claim.metadata?.uid}_default_small`);
  assert.equal(fs.statSync(`${dir}.img`).size, 16 * 1024 * 1024);
  assert.equal(readMounts().find((m) => m.mountPoint === dir)?.fsType, 'ext4');
  const r = await exec('filler', 'dd if=/dev/zero of=/data/big bs=1M count=32');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr + r.stdout, /No space left on device/);
  // The host's disk was not written past the size.
  assert.ok(fs.statSync(`${dir}.img`).size === 16 * 1024 * 1024);
  await execOk('filler', 'rm /data/big && echo sized > /data/marker');

  // A restart unmounts the image with the node's clean-up and mounts it again for the pod.
  server = await server!.restart();
  const marker = await until('filler running again with its volume', async () => {
    const p = await getJson<Pod>('pod', 'filler');
    const r = p?.status?.phase === 'Running' ? await exec('filler', 'cat /data/marker') : undefined;
    return r?.code === 0 ? r.stdout : undefined;
  });
  assert.equal(marker, 'sized\n');
  assert.equal(readMounts().filter((m) => m.mountPoint === dir).length, 1, 'mounted once');
  assert.match(await execOk('filler', 'df -k /data | tail -1'), /\s1[0-9]{4}\s/, 'still a 16Mi filesystem');

  await deletePod('filler');
  await kubectlOk(['delete', 'pvc', 'small', '--wait=true', '--timeout=60s']);
  await until('the image unmounted and removed', async () => !fs.existsSync(`${dir}.img`) && !fs.existsSync(dir) && !readMounts().some((m) => m.mountPoint === dir));
});

test('an emptyDir is wiped when its pod goes', { skip }, async () => {
  const manifest = sleeper('scratch', { volumes: [{ name: 'tmp', emptyDir: {} }], volumeMounts: [{ name: 'tmp', mountPath: '/scratch' }] });
  await kubectlOk(['apply', '-f', '-'], manifest);
  const pod = await running('scratch');
  await execOk('scratch', 'echo gone > /scratch/file');
  const hostDir = path.join(server!.dataDir, 'agent', 'pod-data', pod.metadata!.uid!, 'volumes', 'kubernetes.io~empty-dir', 'tmp');
  assert.equal(fs.readFileSync(path.join(hostDir, 'file'), 'utf8'), 'gone\n');
  await deletePod('scratch');
  await until('the emptyDir removed from the host', async () => !fs.existsSync(hostDir));
  await kubectlOk(['apply', '-f', '-'], manifest);
  await running('scratch');
  const r = await exec('scratch', 'test -e /scratch/file');
  assert.notEqual(r.code, 0, 'a new pod starts with an empty emptyDir');
  await deletePod('scratch');
});

test('a non-root container (runAsUser 1000, fsGroup 2000) writes its claim; subPath and readOnly mounts', { skip }, async () => {
  await kubectlOk(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'shared' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  }));
  await kubectlOk(['apply', '-f', '-'], sleeper('nonroot', {
    securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000 },
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'shared' } }],
    volumeMounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'data', mountPath: '/sub', subPath: 'nested/dir' },
      { name: 'data', mountPath: '/ro', readOnly: true },
    ],
  }));
  const claim = await bound('shared');
  assert.equal(claim.spec?.storageClassName, 'local-path', 'the default class');
  await running('nonroot');
  assert.match(await execOk('nonroot', 'id'), /uid=1000 .*groups=.*2000/);
  await execOk('nonroot', 'echo mine > /data/owned && echo deep > /sub/file');
  assert.equal(await execOk('nonroot', 'cat /data/nested/dir/file'), 'deep\n');
  assert.match(await execOk('nonroot', 'stat -c "%u %g" /data/owned'), /^1000 2000$/m);
  const ro = await exec('nonroot', 'echo x > /ro/nope');
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr + ro.stdout, /Read-only file system/);
  const dir = path.join(storageDir(), `pvc-${claim.metadata?.uid}_default_shared`);
  assert.equal(fs.statSync(dir).gid, 2000);
  assert.equal(fs.statSync(path.join(dir, 'nested', 'dir')).gid, 2000, 'the subPath dir inherits the group');
  await deletePod('nonroot');
  await kubectlOk(['delete', 'pvc', 'shared', '--wait=true', '--timeout=60s']);
});

async function eventsOf(pod: string): Promise<Event[]> {
  const list = JSON.parse(await kubectlOk(['get', 'events', '--field-selector', `involvedObject.name=${pod}`, '-o', 'json'])) as { items: Event[] };
  return list.items;
}

test('a pod whose claim does not exist is not started and says so', { skip }, async () => {
  // Placed on the node directly: the agent itself must refuse, whatever the scheduler does.
  await kubectlOk(['apply', '-f', '-'], sleeper('orphan', { nodeName: node.nodeName, volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'nope' } }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }));
  const message = await until('the pod reports the missing claim', async () => {
    const p = await getJson<Pod>('pod', 'orphan');
    const w = p?.status?.containerStatuses?.[0]?.state?.waiting;
    return w?.message?.includes('persistentvolumeclaim "nope" not found') ? w.message : undefined;
  });
  assert.match(message, /not found/);
  const events = await eventsOf('orphan');
  assert.ok(events.some((e) => e.type === 'Warning' && e.reason === 'FailedMount' && /persistentvolumeclaim "nope" not found/.test(e.message ?? '')), JSON.stringify(events.map((e) => [e.reason, e.message])));
  assert.notEqual((await getJson<Pod>('pod', 'orphan'))?.status?.phase, 'Running');
  await deletePod('orphan');
});

test('the course pod with an awsElasticBlockStore volume is reported unsupported by this node', { skip }, async () => {
  await kubectlOk(['apply', '-f', path.join(EXAMPLES, 'ebs-pod.yaml')]);
  await until('the pod reports the unsupported volume', async () => {
    const p = await getJson<Pod>('pod', 'test-eps');
    return p?.status?.containerStatuses?.[0]?.state?.waiting?.message?.includes('awsElasticBlockStore, which this node does not support');
  });
  const events = await eventsOf('test-eps');
  assert.ok(events.some((e) => e.type === 'Warning' && e.reason === 'UnsupportedVolume' && /awsElasticBlockStore/.test(e.message ?? '')), JSON.stringify(events.map((e) => [e.reason, e.message])));
  await deletePod('test-eps');
});
