import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { persistentVolumeClaimPrinter, persistentVolumePrinter } from './volume.js';
import { ago, cellsOf, pick } from './testing.js';

const pv = (
  spec: PersistentVolume['spec'],
  status: PersistentVolume['status'] = {},
  meta: PersistentVolume['metadata'] = {},
): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pvc-4f1c', creationTimestamp: ago(2, 'd'), ...meta },
  spec,
  status,
});

test('persistent volume rows', () => {
  const bound = pv(
    {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadOnlyMany', 'ReadWriteOnce', 'ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data' },
      storageClassName: 'local-path',
      volumeMode: 'Filesystem',
      hostPath: { path: '/var/lib/orch/storage/pvc-4f1c' },
    },
    { phase: 'Bound' },
  );
  assert.deepEqual(cellsOf(persistentVolumePrinter, bound), {
    Name: 'pvc-4f1c',
    Capacity: '1Gi',
    'Access Modes': 'RWO,ROX',
    'Reclaim Policy': 'Delete',
    Status: 'Bound',
    Claim: 'default/data',
    StorageClass: 'local-path',
    VolumeAttributesClass: '<unset>',
    Reason: '',
    Age: '2d',
    VolumeMode: 'Filesystem',
  });

  const cases: [name: string, v: PersistentVolume, want: Record<string, unknown>][] = [
    [
      'released and being deleted',
      pv(
        { capacity: { storage: '5Gi' }, persistentVolumeReclaimPolicy: 'Retain' },
        { phase: 'Released' },
        { deletionTimestamp: ago(1) },
      ),
      { Status: 'Terminating', Claim: '', VolumeMode: '<unset>' },
    ],
    [
      'failed with a reason, beta class annotation wins',
      pv(
        { accessModes: ['ReadWriteOncePod', 'ReadWriteMany'], storageClassName: 'fast' },
        { phase: 'Failed', reason: 'ProvisioningFailed' },
        { annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } },
      ),
      { Capacity: '0', 'Access Modes': 'RWX,RWOP', Status: 'Failed', Reason: 'ProvisioningFailed', StorageClass: 'slow' },
    ],
    ['attributes class', pv({ volumeAttributesClassName: 'gold' }), { VolumeAttributesClass: 'gold' }],
  ];
  for (const [name, v, want] of cases) assert.deepEqual(pick(persistentVolumePrinter, v, Object.keys(want)), want, name);
});

const pvc = (
  spec: PersistentVolumeClaim['spec'],
  status: PersistentVolumeClaim['status'] = {},
  meta: PersistentVolumeClaim['metadata'] = {},
): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'default', creationTimestamp: ago(30, 'm'), ...meta },
  spec,
  status,
});

test('persistent volume claim rows', () => {
  const request = {
    resources: { requests: { storage: '1Gi' } },
    accessModes: ['ReadWriteOnce'],
    storageClassName: 'local-path',
    volumeMode: 'Filesystem',
  };
  const cases: [name: string, c: PersistentVolumeClaim, want: Record<string, unknown>][] = [
    [
      'bound',
      pvc(
        { ...request, volumeName: 'pvc-4f1c' },
        { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] },
      ),
      {
        Name: 'data',
        Status: 'Bound',
        Volume: 'pvc-4f1c',
        Capacity: '1Gi',
        'Access Modes': 'RWO',
        StorageClass: 'local-path',
        VolumeAttributesClass: '<unset>',
        Age: '30m',
        VolumeMode: 'Filesystem',
      },
    ],
    [
      'pending: capacity and modes wait for a volume',
      pvc(request, { phase: 'Pending' }),
      {
        Name: 'data',
        Status: 'Pending',
        Volume: '',
        Capacity: '',
        'Access Modes': '',
        StorageClass: 'local-path',
        VolumeAttributesClass: '<unset>',
        Age: '30m',
        VolumeMode: 'Filesystem',
      },
    ],
    [
      'being deleted, no class',
      pvc({ resources: { requests: { storage: '1Gi' } } }, { phase: 'Bound' }, { deletionTimestamp: ago(2) }),
      {
        Name: 'data',
        Status: 'Terminating',
        Volume: '',
        Capacity: '',
        'Access Modes': '',
        StorageClass: '',
        VolumeAttributesClass: '<unset>',
        Age: '30m',
        VolumeMode: '<unset>',
      },
    ],
  ];
  for (const [name, c, want] of cases) assert.deepEqual(cellsOf(persistentVolumeClaimPrinter, c), want, name);
});
