import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { storageClassPrinter } from './storage-class.js';
import { ago, cellsOf } from './testing.js';

const sc = (sc: Omit<StorageClass, 'metadata'>, annotations: Record<string, string> = {}): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local-path', annotations, creationTimestamp: ago(4, 'h') },
  ...sc,
});

test('storage class rows', () => {
  const cases: [name: string, s: StorageClass, want: Record<string, unknown>][] = [
    [
      'the default class',
      sc(
        {
          provisioner: 'orch.io/local-path',
          reclaimPolicy: 'Delete',
          volumeBindingMode: 'WaitForFirstConsumer',
          allowVolumeExpansion: false,
        },
        { 'storageclass.kubernetes.io/is-default-class': 'true' },
      ),
      {
        Name: 'local-path (default)',
        Provisioner: 'orch.io/local-path',
        ReclaimPolicy: 'Delete',
        VolumeBindingMode: 'WaitForFirstConsumer',
        AllowVolumeExpansion: false,
        Age: '4h',
      },
    ],
    [
      'beta default annotation, unset fields at their defaults',
      sc({ provisioner: 'example.com/nfs' }, { 'storageclass.beta.kubernetes.io/is-default-class': 'true' }),
      {
        Name: 'local-path (default)',
        Provisioner: 'example.com/nfs',
        ReclaimPolicy: 'Delete',
        VolumeBindingMode: 'Immediate',
        AllowVolumeExpansion: false,
        Age: '4h',
      },
    ],
    [
      'not default when the annotation is not exactly "true"',
      sc(
        { provisioner: 'example.com/nfs', reclaimPolicy: 'Retain', allowVolumeExpansion: true },
        { 'storageclass.kubernetes.io/is-default-class': 'false' },
      ),
      {
        Name: 'local-path',
        Provisioner: 'example.com/nfs',
        ReclaimPolicy: 'Retain',
        VolumeBindingMode: 'Immediate',
        AllowVolumeExpansion: true,
        Age: '4h',
      },
    ],
  ];
  for (const [name, s, want] of cases) assert.deepEqual(cellsOf(storageClassPrinter, s), want, name);
});
