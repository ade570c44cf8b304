import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ANN_BETA_STORAGE_CLASS, accessModesSatisfied, defaultClassName, findMatchingVolume, podClaims, storageClassOf, volumeHostnames } from './persistent-volumes.js';
import { pv, pvc, storageClass } from './persistent-volumes-testing.js';

describe('findMatchingVolume', () => {
  const cases: { name: string; claim: ReturnType<typeof pvc>; volumes: ReturnType<typeof pv>[]; delay?: boolean; want: string | undefined }[] = [
    { name: 'smallest volume that fits wins', claim: pvc({ name: 'c', size: '5Gi' }), volumes: [pv({ name: 'big', size: '100Gi' }), pv({ name: 'small', size: '4Gi' }), pv({ name: 'fit', size: '6Gi' })], want: 'fit' },
    { name: 'equal size fits', claim: pvc({ name: 'c', size: '8Gi' }), volumes: [pv({ name: 'a', size: '8Gi' })], want: 'a' },
    { name: 'binary and decimal units compare exactly', claim: pvc({ name: 'c', size: '1Gi' }), volumes: [pv({ name: 'a', size: '1G' }), pv({ name: 'b', size: '1074M' })], want: 'b' },
    { name: 'too small matches nothing', claim: pvc({ name: 'c', size: '20Gi' }), volumes: [pv({ name: 'a', size: '10Gi' })], want: undefined },
    { name: 'access modes must be a superset', claim: pvc({ name: 'c', modes: ['ReadWriteMany'] }), volumes: [pv({ name: 'rwo' }), pv({ name: 'rwx', modes: ['ReadWriteOnce', 'ReadWriteMany'], size: '50Gi' })], want: 'rwx' },
    { name: 'class must be equal', claim: pvc({ name: 'c', className: 'fast' }), volumes: [pv({ name: 'none' }), pv({ name: 'slow', className: 'slow' }), pv({ name: 'fast', className: 'fast', size: '99Gi' })], want: 'fast' },
    { name: 'no class matches only volumes of no class', claim: pvc({ name: 'c', className: '' }), volumes: [pv({ name: 'fast', className: 'fast', size: '1Gi' }), pv({ name: 'none' })], want: 'none' },
    { name: 'selector filters by labels', claim: pvc({ name: 'c', selector: { matchLabels: { tier: 'gold' } } }), volumes: [pv({ name: 'plain', size: '1Gi' }), pv({ name: 'gold', labels: { tier: 'gold' } })], want: 'gold' },
    { name: 'volume bound to another claim is skipped', claim: pvc({ name: 'c' }), volumes: [pv({ name: 'taken', claimRef: 'default/other/u2', size: '1Gi' }), pv({ name: 'free' })], want: 'free' },
    { name: 'volume reserved for the claim wins even if bigger', claim: pvc({ name: 'c' }), volumes: [pv({ name: 'free', size: '1Gi' }), pv({ name: 'mine', claimRef: 'default/c', size: '1Ti' })], want: 'mine' },
    { name: 'reservation with another uid is for an older claim', claim: pvc({ name: 'c' }), volumes: [pv({ name: 'old', claimRef: 'default/c/other-uid' })], want: undefined },
    { name: 'released and failed volumes are not reused', claim: pvc({ name: 'c' }), volumes: [pv({ name: 'r', phase: 'Released' }), pv({ name: 'f', phase: 'Failed' })], want: undefined },
    { name: 'volumes being deleted are skipped', claim: pvc({ name: 'c' }), volumes: [pv({ name: 'd', deleting: true })], want: undefined },
    { name: 'volume mode must match', claim: pvc({ name: 'c' }), volumes: [pv({ name: 'block', volumeMode: 'Block' })], want: undefined },
    { name: 'delayed binding without a node takes only a reserved volume', claim: pvc({ name: 'c' }), volumes: [pv({ name: 'free' })], delay: true, want: undefined },
    { name: 'delayed binding still finds its reservation', claim: pvc({ name: 'c' }), volumes: [pv({ name: 'mine', claimRef: 'default/c/uid-c' })], delay: true, want: 'mine' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(findMatchingVolume(c.claim, c.volumes, { delayBinding: c.delay })?.metadata?.name, c.want);
    });
  }

  it('fitsNode and exclude narrow the choice', () => {
    const volumes = [pv({ name: 'a', node: 'n1', size: '1Gi' }), pv({ name: 'b', node: 'n2', size: '2Gi' }), pv({ name: 'c', node: 'n2', size: '3Gi' })];
    const onN2 = (p: ReturnType<typeof pv>) => volumeHostnames(p)?.includes('n2') ?? true;
    assert.equal(findMatchingVolume(pvc({ name: 'x' }), volumes, { delayBinding: true, fitsNode: onN2 })?.metadata?.name, 'b');
    assert.equal(findMatchingVolume(pvc({ name: 'x' }), volumes, { delayBinding: true, fitsNode: onN2, exclude: new Set(['b']) })?.metadata?.name, 'c');
  });
});

describe('claims and classes', () => {
  it('the beta class annotation wins over spec.storageClassName', () => {
    const c = pvc({ name: 'c', className: 'a', annotations: { [ANN_BETA_STORAGE_CLASS]: 'b' } });
    assert.equal(storageClassOf(c), 'b');
    assert.equal(storageClassOf(pvc({ name: 'c' })), '');
  });

  it('access modes are a superset check', () => {
    assert.equal(accessModesSatisfied(['ReadWriteOnce'], ['ReadWriteOnce', 'ReadOnlyMany']), true);
    assert.equal(accessModesSatisfied(['ReadWriteMany'], ['ReadWriteOnce']), false);
  });

  it('the newest default class is the default, ties by name', () => {
    const def = { 'storageclass.kubernetes.io/is-default-class': 'true' };
    const a = { ...storageClass('a', 'p', 'Immediate', def), metadata: { name: 'a', annotations: def, creationTimestamp: '2025-01-01T00:00:00Z' } };
    const b = { ...storageClass('b', 'p', 'Immediate', def), metadata: { name: 'b', annotations: def, creationTimestamp: '2025-02-01T00:00:00Z' } };
    const c = { ...storageClass('c', 'p', 'Immediate', def), metadata: { name: 'c', annotations: def, creationTimestamp: '2025-02-01T00:00:00Z' } };
    assert.equal(defaultClassName([a, c, b, storageClass('z', 'p')]), 'b');
    assert.equal(defaultClassName([storageClass('z', 'p')]), undefined);
    const beta = storageClass('beta', 'p', 'Immediate', { 'storageclass.beta.kubernetes.io/is-default-class': 'true' });
    assert.equal(defaultClassName([beta]), 'beta');
  });

  it('a pod uses its persistentVolumeClaim and ephemeral volumes', () => {
    const pod: Pod = {
      metadata: { name: 'web', namespace: 'ns' },
      spec: {
        containers: [],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-claim' } }, { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } }, { name: 'tmp', emptyDir: {} }],
      },
    };
    assert.deepEqual(podClaims(pod), [
      { name: 'data-claim', ephemeral: false },
      { name: 'web-scratch', ephemeral: true },
    ]);
  });
});
