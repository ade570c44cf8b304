import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeCondition } from 'kubernetes-types/core/v1.js';
import { conditionsDiffer, kubeletConditions, readyHeartbeat } from './conditions.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const T1 = T0 + 60_000;
const byType = (cs: NodeCondition[]) => Object.fromEntries(cs.map((c) => [c.type, c]));

test('a healthy node reports Ready=True and no pressure, in kubelet words', () => {
  const c = byType(kubeletConditions({ ready: true }, T0));
  assert.deepEqual(
    Object.values(c).map((x) => [x.type, x.status, x.reason]),
    [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ],
  );
  assert.equal(c.Ready.message, 'kubelet is posting ready status');
  assert.equal(c.Ready.lastHeartbeatTime, '2025-01-01T00:00:00Z');
});

test('transition times move only when a status changes; heartbeats always move', () => {
  const cases: { name: string; before: boolean; after: boolean; transitionMoves: boolean }[] = [
    { name: 'still ready', before: true, after: true, transitionMoves: false },
    { name: 'became not ready', before: true, after: false, transitionMoves: true },
    { name: 'recovered', before: false, after: true, transitionMoves: true },
  ];
  for (const tc of cases) {
    const first = kubeletConditions({ ready: tc.before }, T0);
    const second = byType(kubeletConditions({ ready: tc.after, notReadyMessage: 'runtime down' }, T1, first));
    assert.equal(second.Ready.lastHeartbeatTime, '2025-01-01T00:01:00Z', tc.name);
    assert.equal(second.Ready.lastTransitionTime, tc.transitionMoves ? '2025-01-01T00:01:00Z' : '2025-01-01T00:00:00Z', tc.name);
    assert.equal(second.MemoryPressure.lastTransitionTime, '2025-01-01T00:00:00Z', tc.name);
    if (!tc.after) assert.equal(second.Ready.message, 'runtime down');
  }
});

test('conditions the agent does not own are kept', () => {
  const previous: NodeCondition[] = [{ type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated' }];
  const out = kubeletConditions({ ready: true }, T0, previous);
  assert.deepEqual(out.at(-1), previous[0]);
});

test('conditionsDiffer ignores times but sees status, reason and message', () => {
  const a = kubeletConditions({ ready: true }, T0);
  assert.equal(conditionsDiffer(a, kubeletConditions({ ready: true }, T1)), false);
  assert.equal(conditionsDiffer(a, kubeletConditions({ ready: false }, T1)), true);
  const unknown = a.map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
  assert.equal(conditionsDiffer(unknown, a), true);
  assert.equal(conditionsDiffer(undefined, a), true);
});

test('readyHeartbeat reads the Ready heartbeat, 0 when absent', () => {
  assert.equal(readyHeartbeat(kubeletConditions({ ready: true }, T0)), T0);
  assert.equal(readyHeartbeat([]), 0);
  assert.equal(readyHeartbeat(undefined), 0);
});
