import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { availableLowerBound, findActiveOrLatest, findNewReplicaSet, isSaturated, newRSNewReplicas, podUpperBound } from './replica-sets.js';
import { deployment, rs } from './test-fixtures.js';

describe('ReplicaSet arithmetic', () => {
  it('finds the new ReplicaSet by template, the oldest if several match', () => {
    const d = deployment(3, {}, 'v2');
    const a = rs('a', { replicas: 1, image: 'v1' });
    const b = rs('b', { replicas: 1, image: 'v2', created: '2025-01-02T00:00:00Z' });
    const c = rs('c', { replicas: 1, image: 'v2', created: '2025-01-01T12:00:00Z' });
    assert.equal(findNewReplicaSet(d, [a, b, c])?.metadata!.name, 'c');
    assert.equal(findNewReplicaSet(deployment(3, {}, 'v3'), [a, b, c]), undefined);
  });

  const newCases: { name: string; d: ReturnType<typeof deployment>; old: number[]; newRS: number; oldActual?: number[]; want: number }[] = [
    { name: 'first rollout grows to replicas+surge-current', d: deployment(10, { maxSurge: 3 }), old: [10], newRS: 0, want: 3 },
    { name: 'no room: unchanged', d: deployment(10, { maxSurge: 3 }), old: [10], newRS: 3, want: 3 },
    { name: 'never past replicas', d: deployment(10, { maxSurge: 3 }), old: [0], newRS: 9, want: 10 },
    { name: 'old pods still being deleted hold the room', d: deployment(10, { maxSurge: 3 }), old: [8], oldActual: [10], newRS: 3, want: 3 },
    { name: 'Recreate takes all at once', d: deployment(4, 'Recreate'), old: [0], newRS: 0, want: 4 },
  ];
  for (const c of newCases) {
    it(`newRSNewReplicas: ${c.name}`, () => {
      const olds = c.old.map((n, i) => rs(`old${i}`, { replicas: n, actual: c.oldActual?.[i] }));
      const n = rs('new', { replicas: c.newRS });
      assert.equal(newRSNewReplicas(c.d, [...olds, n], n), c.want);
    });
  }

  it('bounds pods from above and availability from below', () => {
    const sets = [rs('a', { replicas: 2, actual: 5, available: 5 }), rs('b', { replicas: 4, actual: 1, available: 1 })];
    assert.equal(podUpperBound(sets), 5 + 4);
    assert.equal(availableLowerBound(sets), 2 + 1);
  });

  const activeCases: { name: string; newRS?: number; old: number[]; want: string | undefined }[] = [
    { name: 'nothing', old: [], want: undefined },
    { name: 'the only active one', newRS: 0, old: [0, 3], want: 'old1' },
    { name: 'the new one when none is active', newRS: 0, old: [0, 0], want: 'new' },
    { name: 'the newest old one when there is no new one', old: [0, 0], want: 'old1' },
    { name: 'none when several are active', newRS: 2, old: [1], want: undefined },
  ];
  for (const c of activeCases) {
    it(`findActiveOrLatest: ${c.name}`, () => {
      const olds = c.old.map((n, i) => rs(`old${i}`, { replicas: n, created: `2025-01-0${i + 1}T00:00:00Z` }));
      const n = c.newRS === undefined ? undefined : rs('new', { replicas: c.newRS, created: '2025-02-01T00:00:00Z' });
      assert.equal(findActiveOrLatest(n, olds)?.metadata!.name, c.want);
    });
  }

  it('isSaturated: sized for the current replicas and all available', () => {
    const d = deployment(3);
    assert.ok(isSaturated(d, rs('n', { replicas: 3, available: 3, desired: 3 })));
    assert.ok(!isSaturated(d, rs('n', { replicas: 3, available: 2, desired: 3 })));
    assert.ok(!isSaturated(d, rs('n', { replicas: 3, available: 3, desired: 2 })));
    assert.ok(!isSaturated(d, undefined));
  });
});
