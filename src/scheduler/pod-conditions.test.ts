import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodCondition } from 'kubernetes-types/core/v1.js';
import { makePod } from './testing.js';
import { unschedulableConditionPatch } from './pod-conditions.js';

const now = new Date('2024-05-01T10:00:00.123Z');
const withCondition = (c?: PodCondition) => ({ ...makePod(), status: { conditions: c ? [c] : [] } });

test('unschedulableConditionPatch', async (t) => {
  await t.test('first failure: transition now', () => {
    assert.deepEqual(unschedulableConditionPatch(withCondition(), 'Unschedulable', 'm', now), {
      status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'm', lastTransitionTime: '2024-05-01T10:00:00Z', lastProbeTime: null }] },
    });
  });
  await t.test('same condition again: nothing to write', () => {
    const c: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'm', lastTransitionTime: '2024-01-01T00:00:00Z' };
    assert.equal(unschedulableConditionPatch(withCondition(c), 'Unschedulable', 'm', now), undefined);
  });
  await t.test('new message: keeps the first transition time', () => {
    const c: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'old', lastTransitionTime: '2024-01-01T00:00:00Z' };
    const p = unschedulableConditionPatch(withCondition(c), 'Unschedulable', 'new', now) as any;
    assert.equal(p.status.conditions[0].lastTransitionTime, '2024-01-01T00:00:00Z');
    assert.equal(p.status.conditions[0].message, 'new');
  });
});
