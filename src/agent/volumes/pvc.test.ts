import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/client.js';
import { ApiError } from '../../machinery/errors.js';
import { silentLogger } from '../../machinery/log.js';
import { createVolumeManager } from './manager.js';
import { VolumeError } from './errors.js';

/** Answers GETs of claims and volumes from a map, 404 otherwise; anything else is a test failure. */
function objectsClient(objects: Record<string, object>): Client {
  return {
    resource(plural: string) {
      return {
        async get(ns: string | undefined, name: string) {
          const o = objects[`${plural}/${ns ?? ''}/${name}`];
          if (!o) throw new ApiError(404, 'NotFound', `${plural} "${name}" not found`);
          return structuredClone(o);
        },
      };
    },
  } as unknown as Client;
}

const claim = (name: string, over: Partial<PersistentVolumeClaim> = {}): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, ...over.metadata },
  spec: { volumeName: `pv-${name}`, ...over.spec },
  status: { phase: 'Bound', ...over.status },
});

const podUsing = (claimName: string, readOnly = false, fsGroup?: number): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'pod-uid' },
  spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName, readOnly } }], ...(fsGroup !== undefined ? { securityContext: { fsGroup } } : {}) },
});

async function setUpError(client: Client, pod: Pod): Promise<VolumeError> {
  const podsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-vm-'));
  try {
    const vm = createVolumeManager({ client, podsDir, log: silentLogger() });
    const err = await vm.setUp(pod).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof VolumeError, `expected a VolumeError, got ${String(err)}`);
    return err;
  } finally {
    fs.rmSync(podsDir, { recursive: true, force: true });
  }
}

test('a pod whose claim is missing, unbound, being deleted or bound elsewhere is refused with the reason', async () => {
  const pv = (name: string, claimUid: string): PersistentVolume => ({ metadata: { name }, spec: { local: { path: '/nonexistent' }, claimRef: { namespace: 'default', name: 'x', uid: claimUid } } });
  const client = objectsClient({
    'persistentvolumeclaims/default/pending': claim('pending', { spec: {}, status: { phase: 'Pending' } }),
    'persistentvolumeclaims/default/going': claim('going', { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }),
    'persistentvolumeclaims/default/stolen': claim('stolen'),
    'persistentvolumes//pv-stolen': pv('pv-stolen', 'someone-else'),
    'persistentvolumeclaims/default/nopv': claim('nopv'),
  });
  const cases: [string, string][] = [
    ['missing', 'persistentvolumeclaim "missing" not found'],
    ['pending', 'PersistentVolumeClaim is not bound: "pending"'],
    ['going', 'persistentvolumeclaim "going" is being deleted'],
    ['stolen', 'persistentvolume "pv-stolen" is bound to another claim (default/x)'],
    ['nopv', 'persistentvolume "pv-nopv" not found'],
  ];
  for (const [name, message] of cases) {
    const err = await setUpError(client, podUsing(name));
    assert.equal(err.reason, 'FailedMount', name);
    assert.equal(err.message, message, name);
  }
});

test('a claim bound to an nfs or cloud PV is reported unsupported by this node', async () => {
  const client = objectsClient({
    'persistentvolumeclaims/default/nfs': claim('nfs'),
    'persistentvolumes//pv-nfs': { metadata: { name: 'pv-nfs' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany'], nfs: { server: 'nfs.example', path: '/exports' } } },
  });
  const err = await setUpError(client, podUsing('nfs'));
  assert.equal(err.reason, 'UnsupportedVolume');
  assert.match(err.message, /bound to PersistentVolume "pv-nfs", whose nfs source this node does not support/);
});

test('a local PV is mounted from its path, readOnly as the pod volume says, owned by fsGroup', async () => {
  const podsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-vm-'));
  const local = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-vm-local-'));
  try {
    fs.writeFileSync(path.join(local, 'old'), 'x', { mode: 0o600 });
    const client = objectsClient({
      'persistentvolumeclaims/default/data': claim('data'),
      'persistentvolumes//pv-data': { metadata: { name: 'pv-data' }, spec: { local: { path: local }, claimRef: { uid: 'uid-data' } } },
    });
    const vm = createVolumeManager({ client, podsDir, log: silentLogger() });
    assert.deepEqual(Object.fromEntries(await vm.setUp(podUsing('data', false, 2000))), { data: { hostPath: local, readOnly: false } });
    assert.equal(fs.statSync(local).gid, 2000);
    assert.equal(fs.statSync(local).mode & 0o2070, 0o2070, 'setgid and g+rwx');
    assert.equal(fs.statSync(path.join(local, 'old')).mode & 0o060, 0o060, 'existing files g+rw');
    const ro = podUsing('data', true);
    const roPod: Pod = { ...ro, metadata: { ...ro.metadata, uid: 'pod-uid-2' } };
    assert.deepEqual(Object.fromEntries(await vm.setUp(roPod)), { data: { hostPath: local, readOnly: true } });
    await vm.tearDown('pod-uid');
    await vm.tearDown('pod-uid-2');
    assert.ok(fs.existsSync(path.join(local, 'old')), 'tearDown never touches the volume\'s data');
  } finally {
    fs.rmSync(podsDir, { recursive: true, force: true });
    fs.rmSync(local, { recursive: true, force: true });
  }
});
