import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { Strategy } from '../strategy.js';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy } from './persistent-volume.js';

const base: Strategy = {
  tracksGeneration: false,
  hasStatusSubresource: true,
  prepareForCreate() {},
  prepareForUpdate() {},
  validate: () => [],
  validateUpdate: () => [],
};
const def = (name: string, created: string): StorageClass => ({
  metadata: { name, creationTimestamp: created, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'p',
});

describe('PersistentVolumeClaim admission', () => {
  const classes = [def('local-path', '2025-01-01T00:00:00Z'), { metadata: { name: 'default' }, provisioner: 'p' }];
  const create = (spec: any, annotations?: Record<string, string>) => {
    const pvc = { metadata: { name: 'c', annotations }, spec };
    persistentVolumeClaimStrategy(base, () => classes).prepareForCreate(pvc);
    return pvc as any;
  };

  it('gives a claim with no class the default class and the protection finalizer', () => {
    const pvc = create({ accessModes: ['ReadWriteOnce'] });
    assert.equal(pvc.spec.storageClassName, 'local-path');
    assert.deepEqual(pvc.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  });

  it('leaves "" (no class, on purpose) and named classes alone', () => {
    assert.equal(create({ storageClassName: '' }).spec.storageClassName, '');
    assert.equal(create({ storageClassName: 'default' }).spec.storageClassName, 'default');
    assert.equal(create({}, { 'volume.beta.kubernetes.io/storage-class': 'x' }).spec.storageClassName, undefined);
  });

  it('leaves the class unset when there is no default', () => {
    const pvc: any = { metadata: { name: 'c' }, spec: {} };
    persistentVolumeClaimStrategy(base, () => []).prepareForCreate(pvc);
    assert.equal(pvc.spec.storageClassName, undefined);
  });

  it('does not add the finalizer twice', () => {
    const pvc: any = { metadata: { name: 'c', finalizers: ['kubernetes.io/pvc-protection'] }, spec: {} };
    persistentVolumeClaimStrategy(base, () => []).prepareForCreate(pvc);
    assert.deepEqual(pvc.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  });
});

describe('PersistentVolume admission', () => {
  it('adds the protection finalizer', () => {
    const pv: any = { metadata: { name: 'v', finalizers: ['custom'] }, spec: {} };
    persistentVolumeStrategy(base).prepareForCreate(pv);
    assert.deepEqual(pv.metadata.finalizers, ['custom', 'kubernetes.io/pv-protection']);
  });
});
