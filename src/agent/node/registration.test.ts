import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/client.js';
import { ApiError } from '../../machinery/errors.js';
import { buildNode } from './node-object.js';
import { registerNode } from './registration.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const desc = { name: 'n1', labels: { role: 'new' }, capacity: { cpu: '4' }, addresses: [{ type: 'InternalIP', address: '10.192.0.1' }] };

function fakeNodes(existing?: Node) {
  const calls: string[] = [];
  let stored = existing;
  const api = {
    async create(_ns: undefined, n: Node) {
      calls.push('create');
      if (stored) throw new ApiError(409, 'AlreadyExists', 'exists');
      return (stored = { ...n, metadata: { ...n.metadata, uid: 'u1', resourceVersion: '1' } });
    },
    async get() {
      calls.push('get');
      return structuredClone(stored!);
    },
    async update(n: Node) {
      calls.push('update');
      return (stored = { ...n, status: stored!.status });
    },
    async updateStatus(n: Node) {
      calls.push('updateStatus');
      return (stored = { ...stored!, status: n.status });
    },
  };
  return { client: { resource: () => api } as unknown as Client, calls, stored: () => stored! };
}

test('a new node is created with its status', async () => {
  const f = fakeNodes();
  const n = await registerNode(f.client, buildNode(desc, { ready: true }, T0));
  assert.deepEqual(f.calls, ['create']);
  assert.equal(n.metadata!.uid, 'u1');
});

test('an existing node is adopted: our labels win, the control plane’s spec stays, transition times carry over', async () => {
  const built = buildNode({ ...desc, labels: { role: 'old', zone: 'a' } }, { ready: true }, T0 - 3_600_000);
  const old: Node = { ...built, metadata: { ...built.metadata, uid: 'u0' } };
  old.spec = { podCIDR: '10.244.7.0/24', podCIDRs: ['10.244.7.0/24'], taints: [{ key: 'k', effect: 'NoSchedule' }] };
  old.status!.conditions = old.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
  const f = fakeNodes(old);
  const n = await registerNode(f.client, buildNode(desc, { ready: true }, T0));
  assert.deepEqual(f.calls, ['create', 'get', 'update', 'updateStatus']);
  assert.equal(n.metadata!.uid, 'u0');
  assert.equal(n.metadata!.labels!.role, 'new');
  assert.equal(n.metadata!.labels!.zone, 'a', 'labels someone else added are kept');
  assert.deepEqual(n.spec!.podCIDRs, ['10.244.7.0/24']);
  assert.equal(n.spec!.taints!.length, 1);
  const by = Object.fromEntries(n.status!.conditions!.map((c) => [c.type, c]));
  assert.equal(by.Ready.status, 'True');
  assert.equal(by.Ready.lastTransitionTime, '2025-01-01T00:00:00Z', 'Ready changed: a new transition');
  assert.equal(by.MemoryPressure.lastTransitionTime, '2024-12-31T23:00:00Z', 'unchanged: the old transition');
});
