import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { calculateStatus, statusEqual } from './status.js';

const NOW = Date.parse('2025-01-01T00:01:00Z');
const rs = (minReadySeconds = 0, conditions?: any[]): ReplicaSet => ({
  metadata: { name: 'rs', generation: 4 },
  spec: { replicas: 3, minReadySeconds, selector: {}, template: { metadata: { labels: { app: 'a', tier: 't' } } } },
  status: { replicas: 0, conditions },
});
const pod = (labels: Record<string, string>, readySince?: string): Pod => ({
  metadata: { labels },
  status: { conditions: readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }] : [] },
});

describe('ReplicaSet calculateStatus', () => {
  const pods = [pod({ app: 'a', tier: 't' }, '2025-01-01T00:00:00Z'), pod({ app: 'a', tier: 't' }, '2025-01-01T00:00:50Z'), pod({ app: 'a' })];
  const cases = [
    { name: 'counts replicas, fully labelled, ready and available', minReady: 0, want: { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 4 } },
    { name: 'minReadySeconds holds back recently ready pods', minReady: 30, want: { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 4 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(calculateStatus(rs(c.minReady), pods, NOW), c.want);
    });
  }

  it('adds ReplicaFailure on a failed create and drops it once creation works', () => {
    const failed = calculateStatus(rs(), [], NOW, { create: true, message: 'quota exceeded' });
    assert.deepEqual(
      failed.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
      [['ReplicaFailure', 'True', 'FailedCreate', 'quota exceeded']],
    );
    const again = calculateStatus(rs(0, failed.conditions), [], NOW + 5000, { create: true, message: 'quota exceeded' });
    assert.equal(again.conditions![0].lastTransitionTime, failed.conditions![0].lastTransitionTime, 'the same failure keeps its time');
    assert.equal(calculateStatus(rs(0, failed.conditions), [], NOW).conditions, undefined);
  });

  it('statusEqual compares counts, generation and conditions', () => {
    const s = calculateStatus(rs(), pods, NOW);
    assert.ok(statusEqual({ ...s }, s));
    assert.ok(!statusEqual({ ...s, readyReplicas: 1 }, s));
    assert.ok(!statusEqual({ ...s, observedGeneration: 3 }, s));
    assert.ok(!statusEqual(undefined, s));
  });
});
