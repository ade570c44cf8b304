import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/client.js';
import { silentLogger } from '../../machinery/log.js';
import { checkSupported, createVolumeManager, memoryVolumeSize, volumeKind } from './manager.js';
import { VolumeError } from './errors.js';

/** A client that must not be used: these volumes need nothing from the API. */
const noClient = {
  resource() {
    throw new Error('the API was called');
  },
} as unknown as Client;

const podWith = (uid: string, volumes: Volume[]): Pod => ({ metadata: { name: 'p', namespace: 'default', uid }, spec: { containers: [{ name: 'c', image: 'x' }], volumes } });

test('unsupported volume types are refused by name, before anything is created', async () => {
  const cases: [Volume, string][] = [
    [{ name: 'data', awsElasticBlockStore: { volumeID: 'vol-1' } }, 'volume "data" uses awsElasticBlockStore, which this node does not support'],
    [{ name: 'data', gcePersistentDisk: { pdName: 'pd' } }, 'volume "data" uses gcePersistentDisk, which this node does not support'],
    [{ name: 'data', azureDisk: { diskName: 'd', diskURI: 'u' } }, 'volume "data" uses azureDisk, which this node does not support'],
    [{ name: 'data', nfs: { server: 's', path: '/' } }, 'volume "data" uses nfs, which this node does not support'],
    [{ name: 'data', iscsi: { targetPortal: 't', iqn: 'i', lun: 0 } }, 'volume "data" uses iscsi, which this node does not support'],
    [{ name: 'data', cephfs: { monitors: ['m'] } }, 'volume "data" uses cephfs, which this node does not support'],
    [{ name: 'data', rbd: { monitors: ['m'], image: 'i' } }, 'volume "data" uses rbd, which this node does not support'],
    [{ name: 'data', glusterfs: { endpoints: 'e', path: 'p' } }, 'volume "data" uses glusterfs, which this node does not support'],
    [{ name: 'data', cinder: { volumeID: 'v' } }, 'volume "data" uses cinder, which this node does not support'],
    [{ name: 'data', csi: { driver: 'd' } }, 'volume "data" uses csi, which this node does not support'],
    [{ name: 'data', gitRepo: { repository: 'r' } }, 'volume "data" uses gitRepo, which this node does not support'],
    [{ name: 'data', ephemeral: { volumeClaimTemplate: { spec: {} } } }, 'volume "data" uses ephemeral, which this node does not support'],
    [{ name: 'data', emptyDir: { medium: 'HugePages' } }, 'volume "data" uses emptyDir medium HugePages, which this node does not support'],
    [
      { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
      'volume "token" projects a serviceAccountToken, which orch cannot issue yet (no token issuer)',
    ],
    [{ name: 'ctb', projected: { sources: [{ clusterTrustBundle: { path: 'b' } }] } }, 'volume "ctb" projects clusterTrustBundle, which this node does not support'],
  ];
  const podsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-vm-'));
  try {
    const vm = createVolumeManager({ client: noClient, podsDir, log: silentLogger() });
    for (const [v, message] of cases) {
      assert.throws(() => checkSupported(podWith('u', [v])), (e: unknown) => e instanceof VolumeError && e.reason === 'UnsupportedVolume' && e.message === message);
      // An emptyDir first: a failing pod must not leave even its good volumes behind.
      await assert.rejects(vm.setUp(podWith('u1', [{ name: 'scratch', emptyDir: {} }, v])), (e: unknown) => e instanceof VolumeError && e.reason === 'UnsupportedVolume' && e.message === message);
    }
    assert.deepEqual(fs.readdirSync(podsDir), []);
  } finally {
    fs.rmSync(podsDir, { recursive: true, force: true });
  }
});

test('volumeKind is the source field, emptyDir when none is given', () => {
  assert.equal(volumeKind({ name: 'a' }), 'emptyDir');
  assert.equal(volumeKind({ name: 'a', hostPath: { path: '/x' } }), 'hostPath');
  assert.equal(volumeKind({ name: 'a', persistentVolumeClaim: { claimName: 'c' } }), 'persistentVolumeClaim');
});

test('emptyDir on disk and hostPath: set up idempotently, torn down with the emptyDir data', async () => {
  const podsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-vm-'));
  const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-vm-host-'));
  try {
    const vm = createVolumeManager({ client: noClient, podsDir, log: silentLogger() });
    const hp = path.join(hostDir, 'created');
    const pod = podWith('uid-1', [
      { name: 'scratch', emptyDir: {} },
      { name: 'host', hostPath: { path: hp, type: 'DirectoryOrCreate' } },
    ]);
    const mounts = await vm.setUp(pod);
    const scratch = path.join(podsDir, 'uid-1/volumes/kubernetes.io~empty-dir/scratch');
    assert.deepEqual(Object.fromEntries(mounts), { scratch: { hostPath: scratch, readOnly: false }, host: { hostPath: hp, readOnly: false } });
    assert.equal(fs.statSync(scratch).mode & 0o7777, 0o777);
    fs.writeFileSync(path.join(scratch, 'data'), 'kept across setUp');
    await vm.setUp(pod);
    assert.equal(fs.readFileSync(path.join(scratch, 'data'), 'utf8'), 'kept across setUp');
    await vm.refresh(pod);
    await vm.tearDown('uid-1');
    await vm.tearDown('uid-1');
    assert.deepEqual(fs.readdirSync(podsDir), []);
    assert.ok(fs.statSync(hp).isDirectory(), 'a hostPath is the host\'s: tearDown leaves it');
  } finally {
    fs.rmSync(podsDir, { recursive: true, force: true });
    fs.rmSync(hostDir, { recursive: true, force: true });
  }
});

test('pod uids and volume names that are not one path component are refused', async () => {
  const podsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-vm-'));
  try {
    const vm = createVolumeManager({ client: noClient, podsDir, log: silentLogger() });
    await assert.rejects(vm.tearDown('../etc'), /invalid pod uid/);
    await assert.rejects(vm.setUp(podWith('..', [])), /invalid pod uid/);
    await assert.rejects(vm.setUp(podWith('u', [{ name: '../x', emptyDir: {} }])), /invalid volume name/);
    assert.deepEqual(fs.readdirSync(podsDir).filter((n) => n !== 'u'), []);
  } finally {
    fs.rmSync(podsDir, { recursive: true, force: true });
  }
});

test('memory-backed volumes are sized by the pod memory limit, node allocatable, and sizeLimit', () => {
  const alloc = { cpuMilli: 2000, memoryBytes: 8 * 2 ** 30, ephemeralStorageBytes: 0 };
  const pod = (...limits: (string | undefined)[]): Pod => ({
    spec: { containers: limits.map((l, i) => ({ name: `c${i}`, image: 'x', resources: l ? { limits: { memory: l } } : {} })) },
  });
  const Mi = 2 ** 20;
  const cases: [string, Pod, string | undefined, number][] = [
    ['every container limited: the sum', pod('64Mi', '32Mi'), undefined, 96 * Mi],
    ['one unlimited container: node allocatable', pod('64Mi', undefined), undefined, 8 * 2 ** 30],
    ['sizeLimit below the pod limit wins', pod('64Mi'), '16Mi', 16 * Mi],
    ['sizeLimit above the pod limit is capped', pod('64Mi'), '1Gi', 64 * Mi],
    ['sizeLimit with no pod limit', pod(undefined), '100Mi', 100 * Mi],
    ['sizeLimit 0 means none', pod('64Mi'), '0', 64 * Mi],
  ];
  for (const [name, p, sizeLimit, want] of cases) assert.equal(memoryVolumeSize(p, sizeLimit, alloc), want, name);
});
