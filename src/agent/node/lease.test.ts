import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../client/client.js';
import { ApiError } from '../../machinery/errors.js';
import { NodeLease, runLeaseHeartbeat } from './lease.js';

/** An in-memory leases API with the optimistic concurrency of the real one. */
function fakeClient() {
  const store = new Map<string, any>();
  let rv = 0;
  const calls: string[] = [];
  const leases = {
    async create(ns: string, obj: any) {
      calls.push('create');
      const k = `${ns}/${obj.metadata.name}`;
      if (store.has(k)) throw new ApiError(409, 'AlreadyExists', 'exists');
      const o = { ...obj, metadata: { ...obj.metadata, uid: 'lease-uid', resourceVersion: String(++rv) } };
      store.set(k, o);
      return structuredClone(o);
    },
    async get(ns: string, name: string) {
      calls.push('get');
      const o = store.get(`${ns}/${name}`);
      if (!o) throw new ApiError(404, 'NotFound', 'not found');
      return structuredClone(o);
    },
    async update(obj: any) {
      calls.push('update');
      const k = `${obj.metadata.namespace}/${obj.metadata.name}`;
      const cur = store.get(k);
      if (!cur) throw new ApiError(404, 'NotFound', 'not found');
      if (cur.metadata.resourceVersion !== obj.metadata.resourceVersion) throw new ApiError(409, 'Conflict', 'modified');
      const o = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
      store.set(k, o);
      return structuredClone(o);
    },
    async delete(ns: string, name: string) {
      calls.push('delete');
      if (!store.delete(`${ns}/${name}`)) throw new ApiError(404, 'NotFound', 'not found');
    },
  };
  return { client: { resource: () => leases } as unknown as Client, store, calls, bump: (k: string) => (store.get(k).metadata.resourceVersion = String(++rv)) };
}

test('a node lease is created owned by its node, then renewed by updates', async () => {
  const f = fakeClient();
  const lease = new NodeLease(f.client, 'n1', { durationSeconds: 40, ownerUid: 'node-uid' });
  await lease.renew(Date.parse('2025-01-01T00:00:00Z'));
  const created = f.store.get('kube-node-lease/n1');
  assert.deepEqual(created.spec, { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2025-01-01T00:00:00.000000Z' });
  assert.deepEqual(created.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid' }]);
  await lease.renew(Date.parse('2025-01-01T00:00:10Z'));
  assert.equal(f.store.get('kube-node-lease/n1').spec.renewTime, '2025-01-01T00:00:10.000000Z');
  assert.deepEqual(f.calls, ['create', 'update']);
  assert.equal(lease.lastRenew, Date.parse('2025-01-01T00:00:10Z'));
});

test('a renewal that lost a race re-reads the lease and retries; a lease left by an older node is re-owned', async () => {
  const f = fakeClient();
  await new NodeLease(f.client, 'n1', { durationSeconds: 40, ownerUid: 'old-uid' }).renew();
  const lease = new NodeLease(f.client, 'n1', { durationSeconds: 40, ownerUid: 'new-uid' });
  await lease.renew(); // create -> 409 -> get -> update
  assert.deepEqual(f.calls.splice(0), ['create', 'create', 'get', 'update']);
  assert.equal(f.store.get('kube-node-lease/n1').metadata.ownerReferences[0].uid, 'new-uid');
  f.bump('kube-node-lease/n1'); // someone else wrote it
  await lease.renew();
  assert.deepEqual(f.calls.splice(0), ['update', 'get', 'update']);
  f.store.delete('kube-node-lease/n1');
  await lease.renew();
  assert.deepEqual(f.calls.splice(0), ['update', 'create']);
  await lease.remove();
  await lease.remove();
  assert.equal(f.store.size, 0);
});

test('runLeaseHeartbeat renews on schedule, retries failures sooner, and stops on abort', async () => {
  const times: number[] = [];
  let failuresLeft = 2;
  const lease = {
    nodeName: 'n1',
    async renew() {
      times.push(Date.now());
      if (failuresLeft-- > 0) throw new Error('server down');
    },
  } as unknown as NodeLease;
  const ac = new AbortController();
  const start = Date.now();
  // A 60 s interval: only failure retries (200 ms, 400 ms) can make three calls happen soon.
  const done = runLeaseHeartbeat(lease, { intervalMs: 60_000 }, ac.signal);
  const deadline = Date.now() + 5000;
  while (times.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(times.length, 3, 'first renewal at once, then two quick retries');
  assert.ok(times[2] - start < 5000);
  ac.abort();
  await done;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(times.length, 3, 'no renewal after abort');
});
