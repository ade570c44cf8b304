/** The node lifecycle state machine, driven step by step with a fake clock and in-memory caches. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import type { Handlers } from '../../client/informer.js';
import { silentLogger } from '../../machinery/log.js';
import { NodeLifecycleController, POD_NODE_INDEX } from './controller.js';
import { TAINT_UNREACHABLE } from './taints.js';
import { DEFAULT_DISRUPTION } from './zones.js';

const GRACE = 40_000;
const EVICT = 300_000;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const ts = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function cache<T extends { metadata?: any }>(keyOf: (o: T) => string) {
  const items = new Map<string, T>();
  const hs: Handlers<T>[] = [];
  return {
    items,
    get: (k: string) => items.get(k),
    list: () => [...items.values()],
    on: (h: Handlers<T>) => void hs.push(h),
    byIndex: (_i: string, v: string) => [...items.values()].filter((o: any) => o.spec?.nodeName === v),
    put(o: T) {
      const old = items.get(keyOf(o));
      items.set(keyOf(o), o);
      for (const h of hs) {
        if (old) h.update?.(old, o);
        else h.add?.(o);
      }
    },
    remove(k: string) {
      const old = items.get(k);
      items.delete(k);
      if (old) for (const h of hs) h.delete?.(old);
    },
  };
}

function cluster(nodeNames: string[], opts: { zones?: Record<string, string> } = {}) {
  let clock = T0;
  const nodes = cache<Node>((n) => n.metadata!.name!);
  const leases = cache<Lease>((l) => `${l.metadata!.namespace}/${l.metadata!.name}`);
  const pods = cache<Pod>((p) => `${p.metadata!.namespace}/${p.metadata!.name}`);
  const calls: string[] = [];
  const events: string[] = [];
  const ctl = new NodeLifecycleController({
    nodes,
    leases,
    pods,
    api: {
      async updateNodeStatus(n) {
        calls.push(`status ${n.metadata!.name} Ready=${n.status!.conditions!.find((c) => c.type === 'Ready')!.status}`);
        nodes.put(n);
      },
      async updateNode(n) {
        calls.push(`taints ${n.metadata!.name} [${(n.spec!.taints ?? []).map((t) => `${t.key.split('/')[1]}:${t.effect}`).join(' ')}]`);
        nodes.put(n);
      },
      async updatePodStatus(p) {
        calls.push(`not-ready ${p.metadata!.name}`);
        pods.put(p);
      },
      async deletePod(ns, name, o) {
        calls.push(`delete ${name} grace=${o.gracePeriodSeconds}`);
        pods.remove(`${ns}/${name}`);
      },
    },
    event: (_s, obj: any, _t, reason) => events.push(`${reason} ${obj.metadata.name}`),
    log: silentLogger(),
    now: () => clock,
    nodeMonitorGracePeriodMs: GRACE,
    podEvictionTimeoutMs: EVICT,
    workers: 1,
    disruption: DEFAULT_DISRUPTION,
  });
  const heartbeat = (name: string) =>
    leases.put({ metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, renewTime: new Date(clock).toISOString().replace('Z', '000Z') } });
  const postReady = (name: string) => {
    const n = nodes.get(name)!;
    const conds = (n.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
    nodes.put({ ...n, status: { conditions: [...conds, { type: 'Ready', status: 'True', lastHeartbeatTime: ts(clock), lastTransitionTime: ts(clock) }] } });
  };
  for (const name of nodeNames) {
    const labels: Record<string, string> = opts.zones?.[name] ? { 'topology.kubernetes.io/zone': opts.zones[name] } : {};
    nodes.put({
      metadata: { name, labels, creationTimestamp: ts(T0) },
      spec: {},
      status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: ts(T0), lastTransitionTime: ts(T0) }] },
    });
    heartbeat(name);
  }
  const addPod = (name: string, node: string, tolerations?: Toleration[]) =>
    pods.put({
      metadata: { name, namespace: 'default', uid: `uid-${name}` },
      spec: { nodeName: node, containers: [{ name: 'c' }], tolerations },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ts(T0) }] },
    });
  /** Syncs every node until no more writes happen (the watch events' follow-up passes). */
  const settle = async () => {
    for (let i = 0; i < 10; i++) {
      const before = calls.length;
      for (const n of nodeNames) await ctl.sync(n);
      if (calls.length === before) return;
    }
    throw new Error('no steady state');
  };
  const stop = async () => {
    const ac = new AbortController();
    ac.abort();
    await ctl.run(ac.signal);
  };
  return {
    ctl,
    nodes,
    pods,
    calls,
    events,
    heartbeat,
    postReady,
    addPod,
    settle,
    stop,
    tick: (ms: number) => (clock += ms),
    take: () => calls.splice(0),
  };
}

test('a silent node goes Unknown, gets tainted, its pods not ready, then evicted; a live one is untouched', async () => {
  const c = cluster(['a', 'b']);
  c.addPod('plain', 'a');
  c.addPod('short', 'a', [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]);
  c.addPod('forever', 'a', [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }]);
  c.addPod('other', 'b');
  c.ctl.updateZones();
  await c.settle();
  assert.deepEqual(c.take(), [], 'healthy: nothing written');

  c.tick(GRACE);
  c.heartbeat('b');
  await c.settle();
  assert.deepEqual(c.take(), [], 'exactly at the grace period: nothing yet');

  c.tick(1000);
  c.heartbeat('b');
  await c.settle();
  assert.deepEqual(c.take(), [
    'status a Ready=Unknown',
    'taints a [unreachable:NoSchedule unreachable:NoExecute]',
    'not-ready plain',
    'not-ready short',
    'not-ready forever',
  ]);
  assert.deepEqual(c.events.splice(0), ['NodeNotReady a', 'NodeNotReady plain', 'NodeNotReady short', 'NodeNotReady forever']);

  c.tick(61_000); // timeAdded is cut to the second: the clock runs from the end of it
  c.heartbeat('b');
  await c.settle();
  assert.deepEqual(c.take(), ['delete short grace=0'], 'tolerationSeconds ran out first');

  c.tick(EVICT - 60_000);
  c.heartbeat('b');
  await c.settle();
  assert.deepEqual(c.take(), ['delete plain grace=0'], 'the eviction timeout for pods without a toleration');
  assert.deepEqual(c.events.splice(0), ['TaintManagerEviction short', 'TaintManagerEviction plain']);
  assert.deepEqual(
    c.pods.list().map((p) => p.metadata!.name),
    ['forever', 'other'],
  );
  assert.equal(c.nodes.get('b')!.spec!.taints, undefined);

  // The agent comes back: heartbeat, then it posts Ready.
  c.tick(1000);
  c.heartbeat('a');
  c.postReady('a');
  await c.settle();
  assert.deepEqual(c.take(), ['taints a []']);
  await c.stop();
});

test('a node reporting Ready=False gets not-ready taints and graceful evictions', async () => {
  const c = cluster(['a', 'b']);
  c.addPod('p', 'a');
  c.ctl.updateZones();
  const n = c.nodes.get('a')!;
  c.nodes.put({ ...n, status: { conditions: [{ type: 'Ready', status: 'False', lastHeartbeatTime: ts(T0), lastTransitionTime: ts(T0) }] } });
  c.ctl.updateZones();
  await c.settle();
  assert.deepEqual(c.take(), ['taints a [not-ready:NoSchedule not-ready:NoExecute]', 'not-ready p']);
  c.tick(EVICT + 1000);
  c.heartbeat('a');
  c.heartbeat('b');
  await c.settle();
  // The agent is alive and will finish the deletion: the default grace period applies.
  assert.deepEqual(c.take(), ['delete p grace=undefined']);
  await c.stop();
});

test('when every node is down nothing is evicted, and NoExecute taints are lifted', async () => {
  const c = cluster(['a', 'b']);
  c.addPod('p', 'a');
  c.ctl.updateZones();
  await c.settle();
  c.tick(GRACE + 1000);
  await c.settle();
  c.ctl.updateZones();
  await c.settle();
  const writes = c.take();
  assert.ok(writes.includes('status a Ready=Unknown') && writes.includes('status b Ready=Unknown'), writes.join('; '));
  for (const n of ['a', 'b']) {
    assert.deepEqual(
      c.nodes.get(n)!.spec!.taints!.map((t) => `${t.key}:${t.effect}`),
      [`${TAINT_UNREACHABLE}:NoSchedule`],
      `${n}: only NoSchedule while the control plane may be the one cut off`,
    );
  }
  c.tick(EVICT * 2);
  await c.settle();
  assert.deepEqual(c.take(), []);
  assert.equal(c.pods.list().length, 1);

  // One node comes back: disruption mode ends, the silent one is tainted again, and
  // its pods get the full eviction timeout from then.
  c.heartbeat('b');
  c.postReady('b');
  c.ctl.updateZones();
  await c.settle();
  assert.deepEqual(c.take().sort(), ['taints a [unreachable:NoSchedule unreachable:NoExecute]', 'taints b []']);
  c.tick(EVICT - 1000);
  c.heartbeat('b');
  await c.settle();
  assert.deepEqual(c.take(), []);
  c.tick(2000);
  c.heartbeat('b');
  await c.settle();
  assert.deepEqual(c.take(), ['delete p grace=0']);
  await c.stop();
});

test('new NoExecute taints are rate limited per zone', async () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  const c = cluster(names);
  c.ctl.updateZones();
  await c.settle();
  c.tick(GRACE + 1000);
  for (const n of names.slice(2)) c.heartbeat(n);
  await c.settle();
  c.ctl.updateZones();
  await c.settle();
  const noExecute = () => names.filter((n) => c.nodes.get(n)!.spec!.taints?.some((t) => t.effect === 'NoExecute'));
  assert.equal(noExecute().length, 1, 'two nodes down (20%): one tainted now');
  assert.deepEqual(
    names.slice(0, 2).map((n) => c.nodes.get(n)!.spec!.taints!.some((t) => t.effect === 'NoSchedule')),
    [true, true],
    'NoSchedule is not rate limited',
  );
  assert.ok(c.ctl.pendingWakeups > 0);
  c.tick(10_000);
  for (const n of names.slice(2)) c.heartbeat(n);
  await c.settle();
  assert.equal(noExecute().length, 2, 'the next one after 1/rate = 10 s');
  await c.stop();
});

test('a partially disrupted small zone stops tainting while other zones carry on', async () => {
  const zones = { a: 'z1', b: 'z1', c: 'z1', d: 'z1', e: 'z2', f: 'z2' };
  const c = cluster(Object.keys(zones), { zones });
  c.ctl.updateZones();
  await c.settle();
  c.tick(GRACE + 1000);
  for (const n of ['d', 'f']) c.heartbeat(n);
  await c.settle();
  c.ctl.updateZones(); // z1: 3 of 4 down (75%) -> partial, small zone -> rate 0; z2: 1 of 2 -> normal
  await c.settle();
  const ne = (n: string) => !!c.nodes.get(n)!.spec!.taints?.some((t) => t.effect === 'NoExecute');
  // One z1 node may have been tainted before the zone state was known; no more after.
  const z1Tainted = ['a', 'b', 'c'].filter(ne).length;
  c.tick(60_000);
  for (const n of ['d', 'f']) c.heartbeat(n);
  c.ctl.updateZones();
  await c.settle();
  assert.equal(['a', 'b', 'c'].filter(ne).length, z1Tainted, 'z1 stopped');
  assert.ok(z1Tainted <= 1);
  assert.equal(ne('e'), true, 'z2 evicts normally');
  await c.stop();
});

test('pods re-marked ready by a live agent after the node went not ready are left alone', async () => {
  const c = cluster(['a', 'b']);
  c.ctl.updateZones();
  await c.settle();
  c.tick(GRACE + 1000);
  c.heartbeat('b');
  await c.settle();
  c.take();
  // A pod whose Ready turned True after the node's Ready went Unknown.
  c.pods.put({
    metadata: { name: 'late', namespace: 'default', uid: 'u' },
    spec: { nodeName: 'a', containers: [], tolerations: [{ operator: 'Exists' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ts(T0 + GRACE + 5000) }] },
  });
  await c.settle();
  assert.deepEqual(c.take(), []);
  await c.stop();
});

test('a deleted node is forgotten', async () => {
  const c = cluster(['a', 'b']);
  await c.settle();
  c.nodes.remove('a');
  await c.ctl.sync('a');
  c.tick(GRACE * 3);
  await c.ctl.sync('a');
  assert.deepEqual(c.take().filter((x) => x.includes(' a')), []);
  assert.equal(POD_NODE_INDEX, 'spec.nodeName');
  await c.stop();
});
