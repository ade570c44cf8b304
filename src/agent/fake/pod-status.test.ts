import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isRunning, runningPodStatus } from './pod-status.js';

const NOW = Date.parse('2025-01-01T00:00:10Z');
const pending = (extra: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'nginx' }, { name: 'side', image: 'busybox' }], ...extra },
  status: {
    phase: 'Pending',
    qosClass: 'BestEffort',
    conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' }],
  },
});

test('a started pod is Running and Ready with one running container status per container', () => {
  const st = runningPodStatus(pending(), { podIP: '10.244.0.2', hostIP: '10.192.0.1', now: NOW });
  assert.equal(st.phase, 'Running');
  assert.deepEqual(st.podIPs, [{ ip: '10.244.0.2' }]);
  assert.equal(st.hostIP, '10.192.0.1');
  assert.equal(st.startTime, '2025-01-01T00:00:10Z');
  assert.equal(st.qosClass, 'BestEffort');
  const conds = Object.fromEntries(st.conditions!.map((c) => [c.type, c]));
  for (const t of ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled', 'PodReadyToStartContainers']) assert.equal(conds[t].status, 'True', t);
  // The scheduler's transition time is kept; new conditions take now.
  assert.equal(conds.PodScheduled.lastTransitionTime, '2025-01-01T00:00:00Z');
  assert.equal(conds.Ready.lastTransitionTime, '2025-01-01T00:00:10Z');
  assert.deepEqual(
    st.containerStatuses!.map((c) => [c.name, c.ready, c.started, c.restartCount, !!c.state?.running, c.containerID!.startsWith('fake://')]),
    [
      ['app', true, true, 0, true, true],
      ['side', true, true, 0, true, true],
    ],
  );
  assert.notEqual(st.containerStatuses![0].containerID, st.containerStatuses![1].containerID);
});

test('init containers are reported as completed', () => {
  const st = runningPodStatus(pending({ initContainers: [{ name: 'init', image: 'busybox' }] }), { podIP: '10.0.0.2', hostIP: '10.0.0.1', now: NOW });
  assert.equal(st.initContainerStatuses![0].state?.terminated?.reason, 'Completed');
  assert.equal(st.initContainerStatuses![0].state?.terminated?.exitCode, 0);
});

test('a pod with a readiness gate that is not open stays not Ready', () => {
  const st = runningPodStatus(pending({ readinessGates: [{ conditionType: 'example.com/lb' }] }), { podIP: '10.0.0.2', hostIP: '10.0.0.1', now: NOW });
  assert.equal(st.conditions!.find((c) => c.type === 'Ready')?.status, 'False');
});

test('isRunning tells whether the stored status still needs writing', () => {
  const p = pending();
  assert.equal(isRunning(p), false);
  const running: Pod = { ...p, status: runningPodStatus(p, { podIP: '10.0.0.2', hostIP: '10.0.0.1', now: NOW }) };
  assert.equal(isRunning(running), true);
  const markedNotReady: Pod = {
    ...running,
    status: { ...running.status, conditions: running.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c)) },
  };
  assert.equal(isRunning(markedNotReady), false);
});
