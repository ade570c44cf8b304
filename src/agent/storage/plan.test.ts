import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { isOwnedVolumeDir, volumeDirName } from './names.js';
import { buildPersistentVolume, decideClaim, decidePv, isClaimForNode, orphanDirOf, pvNode } from './plan.js';

const STORAGE = '/var/lib/orch/agent/storage';

const claim = (over: { annotations?: Record<string, string>; spec?: PersistentVolumeClaim['spec']; status?: PersistentVolumeClaim['status']; deleting?: boolean } = {}): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: {
    name: 'data',
    namespace: 'apps',
    uid: '1111-2222',
    resourceVersion: '7',
    annotations: over.annotations ?? { 'volume.kubernetes.io/storage-provisioner': 'orch.io/local-path', 'volume.kubernetes.io/selected-node': 'n1' },
    ...(over.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } }, storageClassName: 'local-path', ...over.spec },
  status: over.status ?? { phase: 'Pending' },
});

const cls = (over: Partial<StorageClass> = {}): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local-path' },
  provisioner: 'orch.io/local-path',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
  ...over,
});

test('the volume directory is pvc-<uid>_<namespace>_<name>, and only such children of the storage dir are ours', () => {
  assert.equal(volumeDirName(claim()), 'pvc-1111-2222_apps_data');
  assert.ok(isOwnedVolumeDir(STORAGE, `${STORAGE}/pvc-1111-2222_apps_data`));
  for (const p of [undefined, '', '/', STORAGE, `${STORAGE}/other`, `${STORAGE}/pvc-x/inner`, `${STORAGE}/../pvc-x`, `${STORAGE}/pvc-x.img`, 'pvc-x', `/tmp/pvc-x`, `${STORAGE}//pvc-x/..`])
    assert.equal(isOwnedVolumeDir(STORAGE, p), false, String(p));
});

test('a claim is this node\'s to provision only with both annotations naming it, unbound and Pending', () => {
  assert.equal(isClaimForNode(claim(), 'n1'), true);
  assert.equal(isClaimForNode(claim(), 'n2'), false, 'another node');
  assert.equal(isClaimForNode(claim({ annotations: { 'volume.beta.kubernetes.io/storage-provisioner': 'orch.io/local-path', 'volume.kubernetes.io/selected-node': 'n1' } }), 'n1'), true, 'beta annotation');
  assert.equal(isClaimForNode(claim({ annotations: { 'volume.kubernetes.io/storage-provisioner': 'example.com/nfs', 'volume.kubernetes.io/selected-node': 'n1' } }), 'n1'), false, 'another provisioner');
  assert.equal(isClaimForNode(claim({ annotations: { 'volume.kubernetes.io/storage-provisioner': 'orch.io/local-path' } }), 'n1'), false, 'no node chosen yet');
  assert.equal(isClaimForNode(claim({ spec: { volumeName: 'pv-1' } }), 'n1'), false, 'volume chosen');
  assert.equal(isClaimForNode(claim({ status: { phase: 'Bound' } }), 'n1'), false, 'bound');
  assert.equal(isClaimForNode(claim({ deleting: true }), 'n1'), false, 'being deleted');
});

test('a provisioned PV is pre-bound to its claim, pinned to the node, with the class\'s reclaim policy', () => {
  const d = decideClaim(claim(), cls({ reclaimPolicy: 'Retain' }), 'n1', STORAGE);
  assert.equal(d.kind, 'provision');
  if (d.kind !== 'provision') return;
  assert.equal(d.plan.pvName, 'pvc-1111-2222');
  assert.equal(d.plan.dir, `${STORAGE}/pvc-1111-2222_apps_data`);
  assert.equal(d.plan.image, undefined);
  assert.deepEqual(d.plan.pv, {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'pvc-1111-2222', annotations: { 'pv.kubernetes.io/provisioned-by': 'orch.io/local-path' } },
    spec: {
      capacity: { storage: '16Mi' },
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'local-path',
      persistentVolumeReclaimPolicy: 'Retain',
      volumeMode: 'Filesystem',
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'apps', name: 'data', uid: '1111-2222', resourceVersion: '7' },
      local: { path: `${STORAGE}/pvc-1111-2222_apps_data` },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } },
    },
  });
  assert.equal(pvNode(d.plan.pv), 'n1');
  // No reclaim policy on the class means Delete, as in Kubernetes.
  assert.equal(buildPersistentVolume(claim(), cls({ reclaimPolicy: undefined }), 'n1', '/x', '1Gi').spec?.persistentVolumeReclaimPolicy, 'Delete');
});

test('enforceSize "true" plans an image of exactly the requested bytes beside the directory', () => {
  const d = decideClaim(claim({ spec: { resources: { requests: { storage: '16Mi' } } } }), cls({ parameters: { enforceSize: 'true' } }), 'n1', STORAGE);
  assert.equal(d.kind, 'provision');
  if (d.kind !== 'provision') return;
  assert.deepEqual(d.plan.image, { path: `${STORAGE}/pvc-1111-2222_apps_data.img`, sizeBytes: 16 * 1024 * 1024 });
  assert.equal(decideClaim(claim(), cls({ parameters: { enforceSize: 'false' } }), 'n1', STORAGE).kind, 'provision');
});

test('claims that cannot be provisioned as asked fail with a reason', () => {
  const fail = (c: PersistentVolumeClaim, sc: StorageClass | undefined) => {
    const d = decideClaim(c, sc, 'n1', STORAGE);
    assert.equal(d.kind, 'fail');
    return d.kind === 'fail' ? d.message : '';
  };
  assert.equal(fail(claim(), undefined), 'storageclass.storage.k8s.io "local-path" not found');
  assert.match(fail(claim(), cls({ provisioner: 'example.com/nfs' })), /provisioned by example.com\/nfs/);
  assert.equal(fail(claim({ spec: { selector: { matchLabels: { a: 'b' } } } }), cls()), 'claim Selector is not supported');
  assert.match(fail(claim({ spec: { volumeMode: 'Block' } }), cls()), /only provides volumeMode Filesystem, not Block/);
  assert.match(fail(claim({ spec: { accessModes: ['ReadWriteMany'] } }), cls()), /cannot be ReadWriteMany/);
  assert.match(fail(claim({ spec: { dataSource: { kind: 'VolumeSnapshot', name: 's' } } }), cls()), /data source/);
  assert.match(fail(claim({ spec: { resources: {} } }), cls()), /requests no storage size/);
  assert.match(fail(claim({ spec: { resources: { requests: { storage: '512Ki' } } } }), cls({ parameters: { enforceSize: 'true' } })), /at least 1Mi/);
  assert.match(fail(claim(), cls({ parameters: { enforceSize: 'yes' } })), /want "true" or "false"/);
  // Not ours at all: no event.
  assert.equal(decideClaim(claim(), undefined, 'n2', STORAGE).kind, 'ignore');
});

const pv = (over: { phase?: string; policy?: string; node?: string; path?: string; by?: string } = {}): PersistentVolume => ({
  metadata: { name: 'pvc-1111-2222', annotations: { 'pv.kubernetes.io/provisioned-by': over.by ?? 'orch.io/local-path' } },
  spec: {
    persistentVolumeReclaimPolicy: over.policy ?? 'Delete',
    local: { path: over.path ?? `${STORAGE}/pvc-1111-2222_apps_data` },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [over.node ?? 'n1'] }] }] } },
  },
  status: { phase: over.phase ?? 'Released' },
});

test('only a Released Delete volume this node provisioned is reclaimed, and only inside the storage dir', () => {
  assert.deepEqual(decidePv(pv(), 'n1', STORAGE), { kind: 'delete', dir: `${STORAGE}/pvc-1111-2222_apps_data` });
  assert.equal(decidePv(pv({ policy: 'Retain' }), 'n1', STORAGE).kind, 'ignore');
  assert.equal(decidePv(pv({ phase: 'Bound' }), 'n1', STORAGE).kind, 'ignore');
  assert.equal(decidePv(pv({ phase: 'Available' }), 'n1', STORAGE).kind, 'ignore');
  assert.equal(decidePv(pv({ node: 'n2' }), 'n1', STORAGE).kind, 'ignore');
  assert.equal(decidePv(pv({ by: 'someone-else' }), 'n1', STORAGE).kind, 'ignore');
  const bad = decidePv(pv({ path: '/etc' }), 'n1', STORAGE);
  assert.equal(bad.kind, 'fail');
  assert.match(bad.kind === 'fail' ? bad.message : '', /refusing to delete \/etc/);
});

test('a deleted claim leaves an orphan directory to check only if it was this node\'s and never bound', () => {
  assert.equal(orphanDirOf(claim(), 'n1', STORAGE), `${STORAGE}/pvc-1111-2222_apps_data`);
  assert.equal(orphanDirOf(claim({ status: { phase: 'Bound' } }), 'n1', STORAGE), `${STORAGE}/pvc-1111-2222_apps_data`, 'phase alone does not matter');
  assert.equal(orphanDirOf(claim({ spec: { volumeName: 'pvc-1111-2222' } }), 'n1', STORAGE), undefined, 'bound: the PV reclaims');
  assert.equal(orphanDirOf(claim(), 'n2', STORAGE), undefined);
  assert.equal(orphanDirOf(claim({ annotations: {} }), 'n1', STORAGE), undefined);
});
