import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { replicaSetsToCleanUp } from './cleanup.js';
import { deployment, rs } from './test-fixtures.js';

describe('replicaSetsToCleanUp', () => {
  const d = (limit?: number) => {
    const x = deployment(1);
    x.spec!.revisionHistoryLimit = limit;
    return x;
  };
  const cases = [
    { name: 'within the limit', limit: 3, old: [rs('a', { replicas: 0, revision: 1 }), rs('b', { replicas: 0, revision: 2 })], want: [] },
    { name: 'lowest revisions beyond the limit', limit: 1, old: [rs('c', { replicas: 0, revision: 3 }), rs('a', { replicas: 0, revision: 1 }), rs('b', { replicas: 0, revision: 2 })], want: ['a', 'b'] },
    { name: 'limit 0 removes every old set', limit: 0, old: [rs('a', { replicas: 0, revision: 1 })], want: ['a'] },
    { name: 'never one with replicas', limit: 0, old: [rs('a', { replicas: 1, revision: 1 })], want: [] },
    { name: 'never one whose pods are still going', limit: 0, old: [rs('a', { replicas: 0, actual: 1, revision: 1 })], want: [] },
    { name: 'never one whose controller has not caught up', limit: 0, old: [rs('a', { replicas: 0, revision: 1, generation: 3, observedGeneration: 2 })], want: [] },
    { name: 'no limit, no cleanup', limit: undefined, old: [rs('a', { replicas: 0, revision: 1 })], want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(replicaSetsToCleanUp(d(c.limit), c.old).map((r) => r.metadata!.name), c.want));
  }
});
