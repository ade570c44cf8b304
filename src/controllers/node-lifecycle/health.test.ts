import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { observeHealth, staleConditions } from './health.js';

const T = Date.parse('2025-01-01T00:00:00Z');
const node = (beat?: string, extra: { type: string; status: string }[] = []): Node => ({
  metadata: { name: 'n', creationTimestamp: '2024-12-31T23:00:00Z' },
  status: { conditions: [...(beat ? [{ type: 'Ready', status: 'True', lastHeartbeatTime: beat, lastTransitionTime: '2024-12-31T23:00:00Z' }] : []), ...extra] },
});
const lease = (renew: string): Lease => ({ metadata: { name: 'n' }, spec: { renewTime: renew } });

test('observeHealth moves the probe time only when the node shows a sign of life', () => {
  const first = observeHealth(undefined, node('2024-12-31T23:59:00Z'), lease('2025-01-01T00:00:00.000000Z'), T);
  assert.equal(first.probeAt, T, 'first sight: a full grace period from now');
  const steps: { name: string; node: Node; lease?: Lease; moves: boolean }[] = [
    { name: 'nothing changed', node: node('2024-12-31T23:59:00Z'), lease: lease('2025-01-01T00:00:00.000000Z'), moves: false },
    { name: 'lease renewed', node: node('2024-12-31T23:59:00Z'), lease: lease('2025-01-01T00:00:10.000000Z'), moves: true },
    { name: 'lease went backwards (stale cache)', node: node('2024-12-31T23:59:00Z'), lease: lease('2025-01-01T00:00:05.000000Z'), moves: false },
    { name: 'status heartbeat posted', node: node('2025-01-01T00:00:20Z'), lease: lease('2025-01-01T00:00:10.000000Z'), moves: true },
    { name: 'lease deleted', node: node('2025-01-01T00:00:20Z'), moves: false },
  ];
  let prev = first;
  let now = T;
  for (const s of steps) {
    now += 1000;
    const next = observeHealth(prev, s.node, s.lease, now);
    assert.equal(next.probeAt, s.moves ? now : prev.probeAt, s.name);
    prev = next;
  }
});

test('a node that never posted status is judged from its creation', () => {
  const h = observeHealth(undefined, node(), undefined, T);
  assert.equal(h.probeAt, Date.parse('2024-12-31T23:00:00Z'));
});

test('staleConditions: Unknown after the grace period, never twice', () => {
  const grace = 40_000;
  const h = { probeAt: T };
  const n = node('2024-12-31T23:59:00Z', [
    { type: 'MemoryPressure', status: 'False' },
    { type: 'NetworkUnavailable', status: 'False' },
  ]);
  assert.equal(staleConditions(n, h, grace, T + grace, 'now'), undefined, 'exactly at the grace period: still fine');
  const c = staleConditions(n, h, grace, T + grace + 1, '2025-01-01T00:00:41Z')!;
  const by = Object.fromEntries(c.map((x) => [x.type, x]));
  assert.equal(by.Ready.status, 'Unknown');
  assert.equal(by.Ready.reason, 'NodeStatusUnknown');
  assert.equal(by.Ready.message, 'Kubelet stopped posting node status.');
  assert.equal(by.Ready.lastTransitionTime, '2025-01-01T00:00:41Z');
  assert.equal(by.Ready.lastHeartbeatTime, '2024-12-31T23:59:00Z', 'the heartbeat is the node’s, not ours');
  assert.equal(by.MemoryPressure.status, 'Unknown');
  assert.equal(by.DiskPressure.reason, 'NodeStatusNeverUpdated');
  assert.equal(by.NetworkUnavailable.status, 'False', 'the control plane owns NetworkUnavailable');
  assert.equal(staleConditions({ ...n, status: { conditions: c } }, h, grace, T + grace + 5000, 'later'), undefined);
  assert.equal(n.status!.conditions![0].status, 'True', 'the input is not mutated');
});
