import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { proportionalSizes } from './scale.js';
import { proportion } from './replica-sets.js';
import { deployment, rs } from './test-fixtures.js';

describe('proportional scaling', () => {
  const cases: {
    name: string;
    replicas: number;
    surge: number;
    sets: { name: string; replicas: number; max: number; created: string }[];
    want: Record<string, number>;
    op: string;
  }[] = [
    {
      name: 'up 10 -> 20 mid-rollout (surge 3): 8·23/13 and 5·23/13',
      replicas: 20,
      surge: 3,
      sets: [
        { name: 'old', replicas: 8, max: 13, created: '2025-01-01T00:00:00Z' },
        { name: 'new', replicas: 5, max: 13, created: '2025-01-02T00:00:00Z' },
      ],
      want: { old: 14, new: 9 },
      op: 'up',
    },
    {
      name: 'down 10 -> 5 mid-rollout (surge 3)',
      replicas: 5,
      surge: 3,
      sets: [
        { name: 'old', replicas: 8, max: 13, created: '2025-01-01T00:00:00Z' },
        { name: 'new', replicas: 5, max: 13, created: '2025-01-02T00:00:00Z' },
      ],
      want: { old: 5, new: 3 },
      op: 'down',
    },
    {
      name: 'the rounding leftover goes to the newest of equals when adding',
      replicas: 4,
      surge: 0,
      sets: [
        { name: 'a', replicas: 1, max: 3, created: '2025-01-01T00:00:00Z' },
        { name: 'b', replicas: 1, max: 3, created: '2025-01-02T00:00:00Z' },
        { name: 'c', replicas: 1, max: 3, created: '2025-01-03T00:00:00Z' },
      ],
      want: { a: 1, b: 1, c: 2 },
      op: 'up',
    },
    {
      name: 'to zero: everything goes',
      replicas: 0,
      surge: 0,
      sets: [
        { name: 'a', replicas: 3, max: 5, created: '2025-01-01T00:00:00Z' },
        { name: 'b', replicas: 2, max: 5, created: '2025-01-02T00:00:00Z' },
      ],
      want: { a: 0, b: 0 },
      op: 'down',
    },
    {
      name: 'nothing to do when the total fits',
      replicas: 10,
      surge: 3,
      sets: [
        { name: 'a', replicas: 8, max: 13, created: '2025-01-01T00:00:00Z' },
        { name: 'b', replicas: 5, max: 13, created: '2025-01-02T00:00:00Z' },
      ],
      want: { a: 8, b: 5 },
      op: '',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = deployment(c.replicas, { maxSurge: c.surge, maxUnavailable: 1 });
      const sets = c.sets.map((s) => rs(s.name, { replicas: s.replicas, maxReplicas: s.max, created: s.created }));
      const plan = proportionalSizes(c.replicas, c.surge, sets, (r, toAdd, added) => proportion(r, d, toAdd, added));
      assert.deepEqual(Object.fromEntries(plan.map((p) => [p.rs.metadata!.name, p.size])), c.want);
      assert.ok(plan.every((p) => p.operation === c.op));
      assert.equal(
        plan.reduce((n, p) => n + p.size, 0),
        c.replicas > 0 ? c.replicas + c.surge : 0,
      );
    });
  }
});
