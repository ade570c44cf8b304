/**
 * The fake node runtime against the real API server: 50 nodes register and heartbeat,
 * get pod ranges from node IPAM, run the pods bound to them and finish their deletion,
 * survive an agent restart, and are removed on stop. Also `orch agent --runtime fake`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import type { ClientConfig } from '../../src/client/config.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { EventRecorder } from '../../src/client/events.js';
import { silentLogger } from '../../src/machinery/log.js';
import { DEFAULT_CONTROLLERS_CONFIG, type ControllerDescriptor, type ControllersConfig } from '../../src/controllers/types.js';
import { controller as nodeIpam } from '../../src/controllers/node-ipam/index.js';
import { FakeNodes } from '../../src/agent/fake/fake-nodes.js';
import { parseAgentConfig, runAgent, type AgentConfig } from '../../src/cli/agent-command.js';

/** Polls until `probe` returns something truthy; fails with `what` and the last value after the timeout. */
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await probe();
    if (v) return v;
    last = v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
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

function inCidr(ip: string, cidr: string): boolean {
  const toInt = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return toInt(ip) >= toInt(base) && toInt(ip) < toInt(base) + size;
}

describe('fake nodes', () => {
  let s: TestServer;
  let client: Client;
  let cfg: ClientConfig;
  let controllers: Awaited<ReturnType<typeof startControllers>>;

  before(async () => {
    s = await startTestServer('sqlite');
    cfg = { server: s.api.url, ca: s.api.caPem, token: s.api.adminToken };
    client = new Client(cfg);
    controllers = await startControllers(s, [nodeIpam], { clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 24 });
  });
  after(async () => {
    await controllers.stop();
    client.close();
    await s.cleanup();
  });

  const fakeNodes = () => client.resource<Node>('nodes').list(undefined, { labelSelector: 'type=fake' });
  const leasesOf = async (prefix: string) =>
    (await client.resource<Lease>('leases', 'coordination.k8s.io').list('kube-node-lease')).items.filter((l) => l.metadata!.name!.startsWith(`${prefix}-`));

  it('50 nodes register, heartbeat, run their pods on IPs of their own ranges, finish deletions, and are removed on stop', async (t) => {
    const count = 50;
    const fake = new FakeNodes({ client: cfg, log: silentLogger(), count, namePrefix: 'fk', heartbeatIntervalMs: 500, podStartDelayMs: 100, podDeleteDelayMs: 100 });
    const ac = new AbortController();
    const started = Date.now();
    const run = fake.run(ac.signal);
    try {
      await fake.ready;
      const registeredMs = Date.now() - started;

      // Registered as kubelets register: labels, capacity, addresses, system info, conditions.
      const nodes = (await fakeNodes()).items;
      assert.equal(nodes.length, count);
      const n0 = nodes.find((n) => n.metadata!.name === 'fk-0')!;
      assert.equal(n0.metadata!.labels!['kubernetes.io/hostname'], 'fk-0');
      assert.equal(n0.metadata!.labels!['kubernetes.io/os'], 'linux');
      assert.equal(n0.metadata!.labels!['node.kubernetes.io/instance-type'], 'fake');
      assert.deepEqual(
        n0.status!.conditions!.map((c) => `${c.type}=${c.status}`),
        ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True'],
      );
      assert.deepEqual(n0.status!.capacity, { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' });
      assert.equal(n0.status!.nodeInfo!.kubeletVersion, 'v1.32.0-orch');
      assert.match(n0.status!.nodeInfo!.containerRuntimeVersion, /^fake:\/\//);
      const internal = new Set(nodes.map((n) => n.status!.addresses!.find((a) => a.type === 'InternalIP')!.address));
      assert.equal(internal.size, count, 'every node has its own InternalIP');

      // Node IPAM gives each a distinct /24.
      const cidrs = await until('every fake node to get a podCIDR', async () => {
        const items = (await fakeNodes()).items;
        return items.every((n) => n.spec?.podCIDR) && new Map(items.map((n) => [n.metadata!.name!, n.spec!.podCIDR!]));
      });
      assert.equal(new Set(cidrs.values()).size, count);

      // Leases exist, are owned by their Node, and keep being renewed.
      const first = new Map((await leasesOf('fk')).map((l) => [l.metadata!.name!, l.spec!.renewTime!]));
      assert.equal(first.size, count);
      const owner = (await leasesOf('fk')).find((l) => l.metadata!.name === 'fk-0')!.metadata!.ownerReferences![0];
      assert.deepEqual([owner.kind, owner.name, owner.uid], ['Node', 'fk-0', n0.metadata!.uid]);
      await until('every lease to be renewed', async () => (await leasesOf('fk')).every((l) => l.spec!.renewTime! > first.get(l.metadata!.name!)!), 10_000);

      // Pods bound to them (as the scheduler would, through pods/binding) go Running and Ready.
      const pods = client.resource<Pod>('pods');
      const names = Array.from({ length: 100 }, (_, i) => `web-${i}`);
      for (const [i, name] of names.entries()) {
        await pods.create('default', { metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
        await pods.postSub('default', name, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: `fk-${i % count}` } });
      }
      const running = await until('100 pods Running and Ready', async () => {
        const items = (await pods.list('default', { labelSelector: 'app=web' })).items;
        const ok = items.filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        return ok.length === names.length && items;
      });
      const ips = new Set<string>();
      for (const p of running) {
        const node = p.spec!.nodeName!;
        assert.ok(inCidr(p.status!.podIP!, cidrs.get(node)!), `${p.metadata!.name} IP ${p.status!.podIP} is in ${node}'s ${cidrs.get(node)}`);
        ips.add(p.status!.podIP!);
        assert.equal(p.status!.hostIP, nodes.find((n) => n.metadata!.name === node)!.status!.addresses![0].address);
        const cs = p.status!.containerStatuses![0];
        assert.deepEqual([cs.ready, cs.started, cs.restartCount, !!cs.state?.running], [true, true, 0, true]);
        assert.match(cs.containerID!, /^fake:\/\//);
        assert.ok(p.status!.startTime);
      }
      assert.equal(ips.size, names.length, 'pod IPs are unique');

      // Deleting a bound pod is graceful; the fake node finishes it.
      for (const name of names.slice(0, 10)) {
        const d: any = await pods.delete('default', name);
        assert.ok(d.metadata?.deletionTimestamp, 'a pod on a node is deleted gracefully');
      }
      await until('deleted pods to vanish', async () => (await pods.list('default', { labelSelector: 'app=web' })).items.length === 90);
      t.diagnostic(`50 fake nodes registered and ready in ${registeredMs} ms`);
    } finally {
      ac.abort();
      await run;
    }
    assert.equal((await fakeNodes()).items.length, 0, 'nodes removed on stop');
    assert.equal((await leasesOf('fk')).length, 0, 'leases removed on stop');
    assert.equal((await client.pods.list('default', { labelSelector: 'app=web' })).items.length, 0, 'their pods removed on stop');
  });

  it('a restarted agent adopts its nodes and keeps its running pods and their IPs', async () => {
    const opts = { client: cfg, log: silentLogger(), count: 2, namePrefix: 'rs', heartbeatIntervalMs: 500, podStartDelayMs: 50, removeOnStop: false };
    let ac = new AbortController();
    let fake = new FakeNodes(opts);
    let run = fake.run(ac.signal);
    await fake.ready;
    const uid = (await client.nodes.get(undefined, 'rs-0')).metadata.uid;
    await until('a podCIDR on rs-0', async () => (await client.nodes.get(undefined, 'rs-0')).spec?.podCIDR);
    await client.pods.create('default', { metadata: { name: 'keep' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await client.pods.postSub('default', 'keep', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'keep' }, target: { kind: 'Node', name: 'rs-0' } });
    const ip = await until('pod keep running', async () => {
      const p = await client.pods.get('default', 'keep');
      return p.status?.phase === 'Running' && p.status.podIP;
    });
    ac.abort();
    await run;
    assert.equal((await client.nodes.get(undefined, 'rs-0')).metadata.uid, uid, 'removeOnStop=false leaves the node');

    ac = new AbortController();
    fake = new FakeNodes({ ...opts, removeOnStop: true });
    run = fake.run(ac.signal);
    try {
      await fake.ready;
      assert.equal((await client.nodes.get(undefined, 'rs-0')).metadata.uid, uid, 'the same Node object was adopted');
      await client.pods.create('default', { metadata: { name: 'new' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      await client.pods.postSub('default', 'new', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'new' }, target: { kind: 'Node', name: 'rs-0' } });
      const newIp = await until('pod new running', async () => {
        const p = await client.pods.get('default', 'new');
        return p.status?.phase === 'Running' && p.status.podIP;
      });
      assert.notEqual(newIp, ip, 'the IP of the pod that kept running was not handed out again');
      assert.equal((await client.pods.get('default', 'keep')).status.podIP, ip);
    } finally {
      ac.abort();
      await run;
    }
    await assert.rejects(client.nodes.get(undefined, 'rs-0'), /not found/);
  });

  it('gives up at once when the server refuses its token, instead of retrying every node forever', async () => {
    const fake = new FakeNodes({ client: { ...cfg, token: 'not-the-token' }, log: silentLogger(), count: 20, namePrefix: 'bad' });
    const ac = new AbortController();
    await assert.rejects(fake.run(ac.signal), (e: any) => e.code === 401);
    await assert.rejects(fake.ready, (e: any) => e.code === 401);
  });

  it('orch agent --runtime fake joins nodes with a CA file and removes them on exit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'orch-agent-'));
    try {
      await writeFile(join(dir, 'ca.pem'), s.api.caPem);
      const config = parseAgentConfig([
        '--runtime', 'fake', '--server', s.api.url, '--token', s.api.adminToken, '--ca-file', join(dir, 'ca.pem'),
        '--nodes', '3', '--node-name-prefix', 'cli', '--heartbeat-interval', '1s', '--log-level', 'silent',
      ]) as AgentConfig;
      const ac = new AbortController();
      const run = runAgent(config, ac.signal);
      await until('3 cli nodes Ready', async () => {
        const items = (await fakeNodes()).items.filter((n) => n.metadata!.name!.startsWith('cli-'));
        return items.length === 3 && items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      });
      ac.abort();
      await run;
      assert.equal((await fakeNodes()).items.filter((n) => n.metadata!.name!.startsWith('cli-')).length, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
