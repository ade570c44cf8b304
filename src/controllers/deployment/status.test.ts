import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploymentStatus } from 'kubernetes-types/apps/v1.js';
import { newCondition, setCondition } from './conditions.js';
import { calculateStatus, deploymentComplete, deploymentProgressing, deploymentTimedOut } from './status.js';
import { deployment, rs } from './test-fixtures.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');

describe('Deployment status', () => {
  it('sums the ReplicaSets and sets Available by maxUnavailable', () => {
    const d = deployment(10, { maxSurge: 3, maxUnavailable: 2 });
    (d.metadata as any).generation = 7;
    const old = rs('old', { replicas: 5, actual: 6, available: 5, ready: 6 });
    const cur = rs('new', { replicas: 5, actual: 4, available: 3, ready: 3 });
    const st = calculateStatus(d, [old, cur], cur, T0);
    assert.deepEqual(
      { ...st, conditions: st.conditions!.map((c) => [c.type, c.status, c.reason]) },
      {
        observedGeneration: 7,
        replicas: 10,
        updatedReplicas: 4,
        readyReplicas: 9,
        availableReplicas: 8,
        unavailableReplicas: 2,
        conditions: [['Available', 'True', 'MinimumReplicasAvailable']],
      },
    );
    const low = calculateStatus(d, [rs('new', { replicas: 10, available: 7 })], undefined, T0);
    assert.deepEqual(low.conditions!.map((c) => [c.status, c.reason]), [['False', 'MinimumReplicasUnavailable']]);
  });

  it('setCondition keeps times unless status or reason change', () => {
    const st: DeploymentStatus = {};
    setCondition(st, newCondition('Progressing', 'True', 'A', 'm', T0));
    setCondition(st, newCondition('Progressing', 'True', 'A', 'other message', T0 + 5000));
    assert.equal(st.conditions![0].lastUpdateTime, '2025-01-01T00:00:00Z', 'same status and reason: untouched');
    setCondition(st, newCondition('Progressing', 'True', 'B', 'm', T0 + 5000));
    assert.deepEqual([st.conditions![0].reason, st.conditions![0].lastUpdateTime, st.conditions![0].lastTransitionTime], ['B', '2025-01-01T00:00:05Z', '2025-01-01T00:00:00Z']);
    setCondition(st, newCondition('Progressing', 'False', 'C', 'm', T0 + 9000));
    assert.equal(st.conditions![0].lastTransitionTime, '2025-01-01T00:00:09Z');
  });

  const complete: [string, DeploymentStatus, boolean][] = [
    ['all updated and available', { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }, true],
    ['old replicas remain', { replicas: 4, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }, false],
    ['not all available', { replicas: 3, updatedReplicas: 3, availableReplicas: 2, observedGeneration: 1 }, false],
    ['older generation', { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 0 }, false],
  ];
  for (const [name, st, want] of complete) it(`deploymentComplete: ${name}`, () => assert.equal(deploymentComplete(deployment(3), st), want));

  const progressing: [string, DeploymentStatus, boolean][] = [
    ['more updated', { updatedReplicas: 2, replicas: 4, readyReplicas: 2, availableReplicas: 2 }, true],
    ['fewer old', { updatedReplicas: 1, replicas: 2, readyReplicas: 2, availableReplicas: 2 }, true],
    ['more ready', { updatedReplicas: 1, replicas: 3, readyReplicas: 3, availableReplicas: 2 }, true],
    ['more available', { updatedReplicas: 1, replicas: 3, readyReplicas: 2, availableReplicas: 3 }, true],
    ['nothing moved', { updatedReplicas: 1, replicas: 3, readyReplicas: 2, availableReplicas: 2 }, false],
  ];
  for (const [name, next, want] of progressing) {
    it(`deploymentProgressing: ${name}`, () => {
      const d = deployment(3);
      d.status = { updatedReplicas: 1, replicas: 3, readyReplicas: 2, availableReplicas: 2 };
      assert.equal(deploymentProgressing(d, next), want);
    });
  }

  const timedOut: [string, string | undefined, string, number, boolean][] = [
    ['no condition', undefined, '', 0, false],
    ['complete never times out', 'NewReplicaSetAvailable', '2025-01-01T00:00:00Z', 3600, false],
    ['already timed out', 'ProgressDeadlineExceeded', '2025-01-01T00:00:00Z', 0, true],
    ['within the deadline', 'ReplicaSetUpdated', '2025-01-01T00:00:00Z', 600, false],
    ['past the deadline', 'ReplicaSetUpdated', '2025-01-01T00:00:00Z', 601, true],
  ];
  for (const [name, reason, at, after, want] of timedOut) {
    it(`deploymentTimedOut: ${name}`, () => {
      const d = deployment(3);
      const st: DeploymentStatus = reason ? { conditions: [{ type: 'Progressing', status: 'True', reason, lastUpdateTime: at, lastTransitionTime: at }] } : {};
      assert.equal(deploymentTimedOut(d, st, T0 + after * 1000), want);
    });
  }
});
