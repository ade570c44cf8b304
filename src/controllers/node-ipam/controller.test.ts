import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Handlers } from '../../client/informer.js';
import { ApiError } from '../../machinery/errors.js';
import { silentLogger } from '../../machinery/log.js';
import { NodeIpamController } from './controller.js';

/** A node cache and an API that applies merge patches to it, answering after a tick. */
function harness(opts: { clusterCidr: string; mask: number; nodes?: Node[]; failWith?: ApiError }) {
  const store = new Map<string, Node>((opts.nodes ?? []).map((n) => [n.metadata!.name!, n]));
  const handlers: Handlers<Node>[] = [];
  const events: { reason: string; name: string }[] = [];
  let rv = 1;
  const patches: string[] = [];
  const ctl = new NodeIpamController({
    nodes: { get: (n) => store.get(n), list: () => [...store.values()], on: (h) => handlers.push(h) },
    async patchNode(name, patch: any) {
      patches.push(name);
      await new Promise((r) => setImmediate(r));
      if (opts.failWith) throw opts.failWith;
      const cur = store.get(name);
      if (!cur) throw new ApiError(404, 'NotFound', 'gone');
      if (patch.metadata?.resourceVersion && patch.metadata.resourceVersion !== cur.metadata!.resourceVersion) throw new ApiError(409, 'Conflict', 'changed');
      store.set(name, { ...cur, metadata: { ...cur.metadata, resourceVersion: String(++rv) }, spec: { ...cur.spec, ...patch.spec } });
    },
    event: (obj: any, _type, reason) => events.push({ reason, name: obj.metadata.name }),
    log: silentLogger(),
    clusterCidr: opts.clusterCidr,
    nodeCidrMaskSize: opts.mask,
    workers: 4,
  });
  const add = (name: string, podCIDR?: string) => store.set(name, { metadata: { name, resourceVersion: String(++rv) }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} });
  return { ctl, store, events, patches, add, cidrOf: (n: string) => store.get(n)?.spec?.podCIDR };
}

const existing = (name: string, cidr: string): Node => ({ metadata: { name, resourceVersion: '1' }, spec: { podCIDR: cidr, podCIDRs: [cidr] } });

/** run() takes the ranges nodes already hold; started here and stopped at once. */
async function rebuild(ctl: NodeIpamController) {
  const ac = new AbortController();
  const done = ctl.run(ac.signal);
  ac.abort();
  await done;
}

test('ranges already on nodes are taken at start and never handed out again', async () => {
  const h = harness({ clusterCidr: '10.0.0.0/22', mask: 24, nodes: [existing('a', '10.0.0.0/24'), existing('b', '10.0.2.0/24')] });
  await rebuild(h.ctl);
  h.add('c');
  h.add('d');
  await h.ctl.sync('c');
  await h.ctl.sync('d');
  assert.deepEqual([h.cidrOf('c'), h.cidrOf('d')].sort(), ['10.0.1.0/24', '10.0.3.0/24']);
  assert.equal(h.ctl.freeRanges, 0);
  assert.deepEqual(h.patches, ['c', 'd']);
});

test('nodes synced concurrently all get distinct ranges', async () => {
  const h = harness({ clusterCidr: '10.244.0.0/16', mask: 24 });
  const names = Array.from({ length: 40 }, (_, i) => `n${i}`);
  for (const n of names) h.add(n);
  await Promise.all(names.map((n) => h.ctl.sync(n)));
  const cidrs = names.map(h.cidrOf);
  assert.equal(new Set(cidrs).size, 40);
  assert.ok(cidrs.every((c) => c && /^10\.244\.\d+\.0\/24$/.test(c)));
  for (const n of names) assert.deepEqual(h.store.get(n)!.spec!.podCIDRs, [h.cidrOf(n)]);
});

test('a full range records CIDRNotAvailable, and a deleted node frees its range for the waiting one', async () => {
  const h = harness({ clusterCidr: '10.0.0.0/23', mask: 24 });
  for (const n of ['a', 'b', 'c']) h.add(n);
  await h.ctl.sync('a');
  await h.ctl.sync('b');
  await h.ctl.sync('c');
  assert.equal(h.cidrOf('c'), undefined);
  await h.ctl.sync('c');
  assert.deepEqual(h.events, [{ reason: 'CIDRNotAvailable', name: 'c' }], 'reported once while it waits');
  const freed = h.cidrOf('a');
  h.store.delete('a');
  await h.ctl.sync('a');
  assert.equal(h.ctl.freeRanges, 1);
  await h.ctl.sync('c');
  assert.equal(h.cidrOf('c'), freed);
});

test('a failed write gives the range back and is retried by throwing', async () => {
  const h = harness({ clusterCidr: '10.0.0.0/23', mask: 24, failWith: new ApiError(409, 'Conflict', 'changed') });
  h.add('a');
  await assert.rejects(h.ctl.sync('a'), /changed/);
  assert.equal(h.ctl.freeRanges, 2);
});

test('a node that is already gone when the write lands frees its range quietly', async () => {
  const h = harness({ clusterCidr: '10.0.0.0/23', mask: 24, failWith: new ApiError(404, 'NotFound', 'gone') });
  h.add('a');
  await h.ctl.sync('a');
  assert.equal(h.ctl.freeRanges, 2);
});

test('a node created with its own podCIDR is counted, not patched', async () => {
  const h = harness({ clusterCidr: '10.0.0.0/23', mask: 24 });
  h.add('own', '10.0.0.0/24');
  h.add('new');
  await h.ctl.sync('own');
  await h.ctl.sync('new');
  assert.equal(h.cidrOf('new'), '10.0.1.0/24');
  assert.deepEqual(h.patches, ['new']);
});
