/**
 * The node controllers against the real API server, with fake nodes as agents:
 * lifecycle (a node whose agent dies goes Unknown and tainted, its pods are marked not
 * ready and then evicted, the healthy node is untouched, and a returning agent clears it
 * all) and IPAM (distinct ranges, CIDRNotAvailable, ranges freed by deleted nodes).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import type { ClientConfig } from '../../src/client/config.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { EventRecorder } from '../../src/client/events.js';
import { silentLogger } from '../../src/machinery/log.js';
import { DEFAULT_CONTROLLERS_CONFIG, type ControllerDescriptor, type ControllersConfig } from '../../src/controllers/types.js';
import { controller as nodeLifecycle } from '../../src/controllers/node-lifecycle/index.js';
import { controller as nodeIpam } from '../../src/controllers/node-ipam/index.js';
import { FakeNodes } from '../../src/agent/fake/fake-nodes.js';

const GRACE_MS = 2000;
const EVICTION_MS = 3000;
const HEARTBEAT_MS = 300;

/** Polls until `probe` returns something truthy; fails with `what` and the last value after the timeout. */
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await probe();
    if (v) return v;
    last = v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function startControllers(s: TestServer, descriptors: ControllerDescriptor[], config: Partial<ControllersConfig> = {}) {
  const client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
  const informers = new InformerFactory(client);
  const ctx = {
    client,
    informers,
    log: silentLogger(),
    recorder: (c: string) => new EventRecorder(client, c, 'integration-test'),
    config: { ...DEFAULT_CONTROLLERS_CONFIG, ...config },
  };
  const controllers = descriptors.map((d) => d.create(ctx));
  const ac = new AbortController();
  informers.start(ac.signal);
  await informers.waitForSync();
  const runs = controllers.map((c) => c.run(ac.signal));
  return {
    async stop() {
      ac.abort();
      await Promise.all(runs);
      await informers.stopped();
      client.close();
    },
  };
}

function startFake(cfg: ClientConfig, prefix: string, removeOnStop: boolean) {
  const fake = new FakeNodes({ client: cfg, log: silentLogger(), count: 1, namePrefix: prefix, heartbeatIntervalMs: HEARTBEAT_MS, podStartDelayMs: 50, podDeleteDelayMs: 50, removeOnStop });
  const ac = new AbortController();
  const run = fake.run(ac.signal);
  return {
    ready: fake.ready,
    async stop() {
      ac.abort();
      await run;
    },
  };
}

const ready = (n: Node | Pod) => (n.status?.conditions ?? []).find((c) => c.type === 'Ready');
const taintsOf = (n: Node) => (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

describe('node lifecycle', () => {
  let s: TestServer;
  let client: Client;
  let cfg: ClientConfig;
  let controllers: Awaited<ReturnType<typeof startControllers>>;

  before(async () => {
    s = await startTestServer('sqlite');
    cfg = { server: s.api.url, ca: s.api.caPem, token: s.api.adminToken };
    client = new Client(cfg);
    controllers = await startControllers(s, [nodeLifecycle, nodeIpam], { nodeMonitorGracePeriodMs: GRACE_MS, podEvictionTimeoutMs: EVICTION_MS });
  });
  after(async () => {
    await controllers.stop();
    client.close();
    await s.cleanup();
  });

  const node = (name: string) => client.resource<Node>('nodes').get(undefined, name);
  const pod = (name: string) => client.resource<Pod>('pods').get('default', name);
  const podNames = async () => (await client.pods.list('default')).items.map((p: Pod) => p.metadata!.name!).sort();
  async function bindPod(name: string, nodeName: string, tolerations?: Toleration[]) {
    await client.pods.create('default', { metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }], tolerations } });
    await client.pods.postSub('default', name, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: nodeName } });
  }

  it('a node whose agent stops goes Unknown and tainted within the grace period, its pods are evicted after the timeout; the other node is unaffected', async (t) => {
    const a = startFake(cfg, 'a', false);
    const b = startFake(cfg, 'b', true);
    await Promise.all([a.ready, b.ready]);
    await bindPod('a1', 'a-0');
    await bindPod('a2', 'a-0');
    await bindPod('a-tolerant', 'a-0', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]);
    await bindPod('b1', 'b-0');
    await until('pods running', async () => {
      const items: Pod[] = (await client.pods.list('default')).items;
      return items.length === 4 && items.every((p) => ready(p)?.status === 'True');
    });

    // The agent of node a dies (its nodes stay registered).
    const stoppedAt = Date.now();
    await a.stop();
    const unknown = await until('a-0 Ready=Unknown', async () => {
      const n = await node('a-0');
      return ready(n)?.status === 'Unknown' && n;
    });
    const unknownAfter = Date.now() - stoppedAt;
    t.diagnostic(`a-0 went Unknown ${unknownAfter} ms after its agent stopped (grace ${GRACE_MS} ms, heartbeat ${HEARTBEAT_MS} ms)`);
    assert.ok(unknownAfter >= GRACE_MS - HEARTBEAT_MS - 100, `not before the grace period: ${unknownAfter} ms`);
    assert.ok(unknownAfter <= GRACE_MS + 3000, `soon after the grace period: ${unknownAfter} ms`);
    assert.equal(ready(unknown)!.reason, 'NodeStatusUnknown');
    assert.equal(ready(unknown)!.message, 'Kubelet stopped posting node status.');

    const tainted = await until('a-0 tainted unreachable', async () => {
      const n = await node('a-0');
      return taintsOf(n).includes('node.kubernetes.io/unreachable:NoExecute') && n;
    });
    const taintedAt = Date.now();
    assert.deepEqual(taintsOf(tainted), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    const timeAdded = Date.parse(tainted.spec!.taints!.find((x) => x.effect === 'NoExecute')!.timeAdded!);
    assert.deepEqual(await podNames(), ['a-tolerant', 'a1', 'a2', 'b1'], 'nothing evicted before the timeout');

    // Pods on the unreachable node stop being Ready at once.
    await until('a1 and a2 not ready', async () => ready(await pod('a1'))?.status === 'False' && ready(await pod('a2'))?.status === 'False');

    // After the eviction timeout the untolerating pods are deleted outright (no agent is left to finish a graceful delete).
    await until('a1 and a2 evicted', async () => {
      const names = await podNames();
      return !names.includes('a1') && !names.includes('a2');
    });
    const evictedAfter = Date.now() - timeAdded;
    t.diagnostic(`pods evicted ${evictedAfter} ms after the NoExecute taint was added (timeout ${EVICTION_MS} ms; observed ${Date.now() - taintedAt} ms after the taint was seen)`);
    assert.ok(evictedAfter >= EVICTION_MS - 50, `not before the eviction timeout: ${evictedAfter} ms`);
    assert.ok(Date.now() - taintedAt >= EVICTION_MS - 500, `not before the eviction timeout from when the taint was seen: ${Date.now() - taintedAt} ms`);
    assert.deepEqual(await podNames(), ['a-tolerant', 'b1'], 'the tolerating pod stays; b is untouched');

    // Node b and its pod are untouched.
    const nb = await node('b-0');
    assert.equal(ready(nb)?.status, 'True');
    assert.deepEqual(taintsOf(nb), []);
    assert.equal(ready(await pod('b1'))?.status, 'True');

    // Events are written in the background: wait for them rather than race them.
    const hasEvent = (kind: string, name: string, reason: string) => async () =>
      (await client.events.list('default')).items.some((e: any) => e.involvedObject.kind === kind && e.involvedObject.name === name && e.reason === reason);
    await until('a NodeNotReady event for a-0', hasEvent('Node', 'a-0', 'NodeNotReady'));
    await until('a TaintManagerEviction event for a1', hasEvent('Pod', 'a1', 'TaintManagerEviction'));

    // The agent comes back: Ready again, taints gone, the surviving pod Ready again.
    const again = startFake(cfg, 'a', true);
    await again.ready;
    await until('a-0 Ready and untainted', async () => {
      const n = await node('a-0');
      return ready(n)?.status === 'True' && taintsOf(n).length === 0;
    });
    await until('a-tolerant Ready again', async () => ready(await pod('a-tolerant'))?.status === 'True');
    await again.stop();
    await b.stop();
  });
});

describe('node IPAM', () => {
  let s: TestServer;
  let client: Client;
  let controllers: Awaited<ReturnType<typeof startControllers>>;

  before(async () => {
    s = await startTestServer('sqlite');
    client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
    // Room for exactly four nodes, one of them pre-assigned before the controller starts.
    await client.nodes.create(undefined, { metadata: { name: 'pre' }, spec: { podCIDR: '10.99.0.0/24', podCIDRs: ['10.99.0.0/24'] } });
    controllers = await startControllers(s, [nodeIpam], { clusterCidr: '10.99.0.0/22', nodeCidrMaskSize: 24 });
  });
  after(async () => {
    await controllers.stop();
    client.close();
    await s.cleanup();
  });

  const cidrOf = async (name: string) => (await client.resource<Node>('nodes').get(undefined, name)).spec?.podCIDR;

  it('gives nodes created at once distinct ranges, reports CIDRNotAvailable when full, and reuses a deleted node’s range', async () => {
    await Promise.all(['n1', 'n2', 'n3', 'n4'].map((name) => client.nodes.create(undefined, { metadata: { name } })));
    const assigned = await until('three nodes assigned', async () => {
      const all = await Promise.all(['n1', 'n2', 'n3', 'n4'].map(cidrOf));
      return all.filter(Boolean).length === 3 && all;
    });
    const got = assigned.filter(Boolean) as string[];
    assert.deepEqual([...got].sort(), ['10.99.1.0/24', '10.99.2.0/24', '10.99.3.0/24'], 'distinct, and never the pre-assigned 10.99.0.0/24');
    const starved = ['n1', 'n2', 'n3', 'n4'][assigned.findIndex((c) => !c)];
    const n = await client.resource<Node>('nodes').get(undefined, starved);
    assert.deepEqual(n.spec?.podCIDRs ?? [], []);
    await until('a CIDRNotAvailable event', async () =>
      (await client.events.list('default')).items.some((e: any) => e.reason === 'CIDRNotAvailable' && e.involvedObject.name === starved),
    );

    // Deleting a node frees its range for the node that is waiting.
    const donor = ['n1', 'n2', 'n3', 'n4'].find((x) => x !== starved)!;
    const freed = await cidrOf(donor);
    await client.nodes.delete(undefined, donor);
    assert.equal(await until(`${starved} to get the freed range`, () => cidrOf(starved)), freed);
    const final = await client.resource<Node>('nodes').get(undefined, starved);
    assert.deepEqual(final.spec!.podCIDRs, [freed]);
  });
});
