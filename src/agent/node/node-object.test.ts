import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNode, KUBELET_VERSION, nodeStatus, type NodeDescription } from './node-object.js';

const desc: NodeDescription = {
  name: 'n1',
  labels: { type: 'fake' },
  capacity: { cpu: '8', memory: '32Gi', pods: '110' },
  addresses: [{ type: 'InternalIP', address: '10.192.0.1' }],
  nodeInfo: { containerRuntimeVersion: 'fake://0.1.0' },
  os: 'linux',
  arch: 'amd64',
};

test('buildNode carries the well-known labels, capacity as allocatable and system info', () => {
  const n = buildNode(desc, { ready: true }, Date.parse('2025-01-01T00:00:00Z'));
  assert.deepEqual(n.metadata?.labels, {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': 'n1',
    'kubernetes.io/os': 'linux',
    type: 'fake',
  });
  assert.deepEqual(n.status?.allocatable, desc.capacity);
  assert.equal(n.status?.nodeInfo?.kubeletVersion, KUBELET_VERSION);
  assert.equal(n.status?.nodeInfo?.containerRuntimeVersion, 'fake://0.1.0');
  assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.equal(n.spec?.taints, undefined);
});

test('nodeStatus keeps transition times of conditions from the previous status', () => {
  const first = nodeStatus(desc, { ready: true }, Date.parse('2025-01-01T00:00:00Z'));
  const second = nodeStatus(desc, { ready: true }, Date.parse('2025-01-01T00:05:00Z'), first);
  const ready = second.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.lastTransitionTime, '2025-01-01T00:00:00Z');
  assert.equal(ready?.lastHeartbeatTime, '2025-01-01T00:05:00Z');
});
