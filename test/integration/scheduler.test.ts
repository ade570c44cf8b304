/**
 * The scheduler against the real API server: nodes are plain Node objects created through
 * the API (no agent), pods are created directly, and everything the scheduler does is
 * read back through the API — bindings, PodScheduled conditions, events, the Lease.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Taint, Event } from 'kubernetes-types/core/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import { silentLogger } from '../../src/machinery/log.js';
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.js';

const TIMEOUT = 30_000;

/** Polls until `fn` returns a value (not undefined/false), or fails with `what` after TIMEOUT. */
async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeout = TIMEOUT): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface NodeSpec {
  name: string;
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
}

function node(n: NodeSpec): Node {
  const resources = { cpu: n.cpu ?? '4', memory: n.memory ?? '32Gi', pods: n.pods ?? '110' };
  return {
    metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...n.labels } },
    spec: { taints: n.taints, unschedulable: n.unschedulable },
    status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }] },
  };
}

interface PodSpec {
  name: string;
  cpu?: string;
  owner?: string;
  hostPort?: number;
  spec?: Pod['spec'];
}

function pod(p: PodSpec): Pod {
  return {
    metadata: {
      name: p.name,
      ownerReferences: p.owner ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: p.owner, controller: true }] : undefined,
    },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'registry.example/app:1',
          resources: p.cpu ? { requests: { cpu: p.cpu } } : undefined,
          ports: p.hostPort ? [{ containerPort: 80, hostPort: p.hostPort }] : undefined,
        },
      ],
      ...p.spec,
    },
  };
}

class Cluster {
  private constructor(
    readonly server: TestServer,
    readonly client: Client,
    readonly scheduler: Scheduler,
    private readonly ac: AbortController,
    private readonly running: Promise<void>,
  ) {}

  static async start(opts: Partial<SchedulerOptions> = {}): Promise<Cluster> {
    const server = await startTestServer('sqlite');
    const config = { server: server.api.url, ca: server.api.caPem, token: server.api.adminToken };
    const client = new Client(config);
    const scheduler = new Scheduler({ client: config, log: silentLogger(), identity: 'it-scheduler', ...opts });
    const ac = new AbortController();
    const running = scheduler.run(ac.signal);
    await scheduler.ready;
    return new Cluster(server, client, scheduler, ac, running);
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.running;
    this.client.close();
    await this.server.cleanup();
  }

  async nodes(...specs: NodeSpec[]): Promise<void> {
    for (const n of specs) await this.client.nodes.create(undefined, node(n));
  }

  async pods(ns: string, ...specs: PodSpec[]): Promise<void> {
    await Promise.all(specs.map((p) => this.client.pods.create(ns, pod(p))));
  }

  async namespace(name: string): Promise<string> {
    await this.client.namespaces.create(undefined, { metadata: { name } });
    return name;
  }

  async list(ns: string): Promise<Pod[]> {
    return (await this.client.pods.list(ns)).items as Pod[];
  }

  /** Waits until every pod in `ns` is bound; returns pod name -> node name. */
  async allBound(ns: string, count: number): Promise<Map<string, string>> {
    return waitFor(`${count} pods bound in ${ns}`, async () => {
      const pods = await this.list(ns);
      if (pods.length !== count || pods.some((p) => !p.spec?.nodeName)) return undefined;
      return new Map(pods.map((p) => [p.metadata!.name!, p.spec!.nodeName!]));
    });
  }

  async events(ns: string, podName: string, reason: string): Promise<Event[]> {
    const list = await this.client.events.list(ns, { fieldSelector: `involvedObject.name=${podName},reason=${reason}` });
    return list.items as Event[];
  }
}

const counts = (placement: Map<string, string>) => {
  const c: Record<string, number> = {};
  for (const n of placement.values()) c[n] = (c[n] ?? 0) + 1;
  return c;
};

describe('scheduler', () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start();
  });
  after(async () => {
    await c.stop();
  });

  it('holds the orch-scheduler Lease in kube-system', async () => {
    const lease: any = await c.client.leases.get('kube-system', 'orch-scheduler');
    assert.equal(lease.spec.holderIdentity, 'it-scheduler');
  });

  it('spreads the pods of one controller evenly across identical nodes and records Scheduled events', async () => {
    const ns = await c.namespace('spread');
    await c.nodes({ name: 'spread-1', labels: { pool: 'spread' } }, { name: 'spread-2', labels: { pool: 'spread' } }, { name: 'spread-3', labels: { pool: 'spread' } });
    const spec = { ...pod({ name: 'x', cpu: '100m' }).spec!, nodeSelector: { pool: 'spread' } };
    await c.pods(ns, ...Array.from({ length: 9 }, (_, i) => ({ name: `web-${i}`, owner: 'rs-spread', spec })));
    const placement = await c.allBound(ns, 9);
    assert.deepEqual(counts(placement), { 'spread-1': 3, 'spread-2': 3, 'spread-3': 3 });

    const bound = (await c.list(ns)).find((p) => p.metadata!.name === 'web-0')!;
    const cond = bound.status?.conditions?.find((x) => x.type === 'PodScheduled');
    assert.equal(cond?.status, 'True');
    const events = await waitFor('Scheduled event', async () => {
      const e = await c.events(ns, 'web-0', 'Scheduled');
      return e.length ? e : undefined;
    });
    assert.equal(events[0].type, 'Normal');
    assert.equal(events[0].message, `Successfully assigned spread/web-0 to ${placement.get('web-0')}`);
    assert.equal(events[0].source?.component, 'default-scheduler');
  });

  it('honours nodeSelector and required node affinity, and prefers preferred affinity', async () => {
    const ns = await c.namespace('affinity');
    await c.nodes(
      { name: 'aff-a', labels: { pool: 'aff', zone: 'a', cores: '8' } },
      { name: 'aff-b', labels: { pool: 'aff', zone: 'b', cores: '32' } },
      { name: 'aff-c', labels: { pool: 'aff', zone: 'c', cores: '64', disk: 'ssd' } },
    );
    const base = pod({ name: 'x', cpu: '10m' }).spec!;
    await c.pods(
      ns,
      ...Array.from({ length: 4 }, (_, i) => ({ name: `sel-${i}`, spec: { ...base, nodeSelector: { zone: 'b' } } })),
      ...Array.from({ length: 4 }, (_, i) => ({
        name: `req-${i}`,
        spec: {
          ...base,
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['aff'] }, { key: 'cores', operator: 'Gt', values: ['16'] }, { key: 'disk', operator: 'DoesNotExist' }] }],
              },
            },
          },
        },
      })),
      ...Array.from({ length: 4 }, (_, i) => ({
        name: `pref-${i}`,
        spec: {
          ...base,
          nodeSelector: { pool: 'aff' },
          affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } },
        },
      })),
      { name: 'field', spec: { ...base, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['aff-a'] }] }] } } } } },
    );
    const placement = await c.allBound(ns, 13);
    for (const [name, nodeName] of placement) {
      if (name.startsWith('sel-') || name.startsWith('req-')) assert.equal(nodeName, 'aff-b', name);
      if (name.startsWith('pref-')) assert.equal(nodeName, 'aff-c', name);
    }
    assert.equal(placement.get('field'), 'aff-a');
  });

  it('keeps pods off tainted nodes unless they tolerate the taint', async () => {
    const ns = await c.namespace('taints');
    await c.nodes(
      { name: 'taint-notready', labels: { pool: 'taint' }, taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] },
      { name: 'taint-unreachable', labels: { pool: 'taint' }, taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
      { name: 'taint-gpu', labels: { pool: 'taint' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
      { name: 'taint-clean', labels: { pool: 'taint' } },
    );
    const base = { ...pod({ name: 'x', cpu: '10m' }).spec!, nodeSelector: { pool: 'taint' } };
    await c.pods(
      ns,
      ...Array.from({ length: 5 }, (_, i) => ({ name: `plain-${i}`, spec: base })),
      ...Array.from({ length: 3 }, (_, i) => ({
        name: `gpu-${i}`,
        spec: { ...base, nodeSelector: { 'kubernetes.io/hostname': 'taint-gpu' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] },
      })),
    );
    const placement = await c.allBound(ns, 8);
    for (const [name, nodeName] of placement) assert.equal(nodeName, name.startsWith('gpu-') ? 'taint-gpu' : 'taint-clean', name);
  });

  it('never places two pods with the same host port on one node', async () => {
    const ns = await c.namespace('ports');
    const labels = { pool: 'ports' };
    await c.nodes({ name: 'ports-1', labels }, { name: 'ports-2', labels });
    const base = { ...pod({ name: 'x', cpu: '10m', hostPort: 8080 }).spec!, nodeSelector: labels };
    await c.pods(ns, { name: 'hp-0', spec: base }, { name: 'hp-1', spec: base }, { name: 'hp-2', spec: base });
    const bound = await waitFor('two of three bound and one refused', async () => {
      const pods = await c.list(ns);
      const b = pods.filter((p) => p.spec?.nodeName);
      const refused = pods.find((p) => p.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.status === 'False'));
      return b.length === 2 && refused ? { b, refused } : undefined;
    });
    assert.deepEqual(bound.b.map((p) => p.spec!.nodeName).sort(), ['ports-1', 'ports-2']);
    assert.match(bound.refused.status!.conditions!.find((x) => x.type === 'PodScheduled')!.message!, /2 node\(s\) didn't have free ports for the requested pod ports/);

    // Freeing the port lets the third pod in.
    await c.client.pods.delete(ns, bound.b[0].metadata!.name!, { gracePeriodSeconds: 0 });
    await c.allBound(ns, 2);
  });
});

describe('scheduler with no room', () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start({ leaderElection: false });
  });
  after(async () => {
    await c.stop();
  });

  it('marks an unschedulable pod PodScheduled=False with a Kubernetes-style message and event, then schedules it when room appears', async () => {
    const ns = await c.namespace('pending');
    await c.nodes({ name: 'pend-1', cpu: '1' }, { name: 'pend-2', cpu: '1' }, { name: 'pend-3', cpu: '8', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] });
    await c.pods(ns, { name: 'big', cpu: '2' });

    const want =
      '0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
    const cond = await waitFor('PodScheduled=False', async () => {
      const p = (await c.client.pods.get(ns, 'big')) as Pod;
      return p.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
    });
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(cond.message, want);
    const events = await waitFor('FailedScheduling event', async () => {
      const e = await c.events(ns, 'big', 'FailedScheduling');
      return e.length ? e : undefined;
    });
    assert.equal(events[0].type, 'Warning');
    assert.equal(events[0].message, want);

    await c.nodes({ name: 'pend-4', cpu: '4' });
    const placement = await c.allBound(ns, 1);
    assert.equal(placement.get('big'), 'pend-4');
    const after = (await c.client.pods.get(ns, 'big')) as Pod;
    assert.equal(after.status?.conditions?.find((x) => x.type === 'PodScheduled')?.status, 'True');
  });


  it('retries a parked pod when a node is uncordoned or gains capacity', async () => {
    const ns = await c.namespace('wake');
    await c.nodes({ name: 'wake-cordoned', cpu: '16', unschedulable: true });
    await c.pods(ns, { name: 'huge', cpu: '12' });
    const cond = await waitFor('huge parked', async () => {
      const p = (await c.client.pods.get(ns, 'huge')) as Pod;
      return p.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
    });
    assert.match(cond.message!, /^0\/5 nodes are available: .*1 node\(s\) were unschedulable/);

    // Growing another node is an update that matters: the pod is tried again and fits.
    await c.client.nodes.patch(undefined, 'pend-1', { status: { allocatable: { cpu: '16' }, capacity: { cpu: '16' } } }, 'merge', 'status');
    assert.equal((await c.allBound(ns, 1)).get('huge'), 'pend-1');

    await c.pods(ns, { name: 'huge-2', cpu: '12' });
    await waitFor('huge-2 parked', async () => {
      const p = (await c.client.pods.get(ns, 'huge-2')) as Pod;
      return p.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.status === 'False');
    });
    await c.client.nodes.patch(undefined, 'wake-cordoned', { spec: { unschedulable: false } }, 'merge');
    assert.equal((await c.allBound(ns, 2)).get('huge-2'), 'wake-cordoned');
  });
});

describe('scheduler under contention', () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start({ leaderElection: false });
  });
  after(async () => {
    await c.stop();
  });

  it('never over-commits a node when 200 pods race for room for 50', async () => {
    const ns = await c.namespace('race');
    // 5 nodes x 1 cpu; 200 pods x 100m: exactly 50 fit.
    await c.nodes(...Array.from({ length: 5 }, (_, i) => ({ name: `race-${i}`, cpu: '1' })));
    await c.pods(ns, ...Array.from({ length: 200 }, (_, i) => ({ name: `p-${i}`, cpu: '100m' })));
    const settled = await waitFor('50 bound and 150 marked unschedulable', async () => {
      const pods = await c.list(ns);
      const bound = pods.filter((p) => p.spec?.nodeName);
      const refused = pods.filter((p) => !p.spec?.nodeName && p.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.status === 'False'));
      return bound.length === 50 && refused.length === 150 ? bound : undefined;
    });
    const perNode = counts(new Map(settled.map((p) => [p.metadata!.name!, p.spec!.nodeName!])));
    assert.deepEqual(perNode, { 'race-0': 10, 'race-1': 10, 'race-2': 10, 'race-3': 10, 'race-4': 10 });

    // Nothing more gets bound later (no late over-commit once conditions are written).
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await c.list(ns)).filter((p) => p.spec?.nodeName).length, 50);

    // Deleting 5 bound pods frees room for exactly 5 parked ones.
    for (const p of settled.slice(0, 5)) await c.client.pods.delete(ns, p.metadata!.name!, { gracePeriodSeconds: 0 });
    const after = await waitFor('5 more bound', async () => {
      const pods = await c.list(ns);
      const bound = pods.filter((p) => p.spec?.nodeName);
      return pods.length === 195 && bound.length === 50 ? bound : undefined;
    });
    const perNodeAfter = counts(new Map(after.map((p) => [p.metadata!.name!, p.spec!.nodeName!])));
    for (const n of Object.values(perNodeAfter)) assert.ok(n <= 10, `a node holds ${n} pods of 100m on 1 cpu`);
    assert.equal(c.scheduler.stats.bindFailures, 0);
  });
});
