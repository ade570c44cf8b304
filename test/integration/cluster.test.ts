/**
 * The whole control plane together — API server, scheduler, controller manager — with
 * fake nodes as the agents, every part talking to the API server over HTTPS: Deployments
 * scaling and rolling out with their pods going Running on nodes, pods replaced elsewhere
 * when a node's agent dies, cascading and orphaning deletes, pods that wait for room and
 * run once a big enough node joins, and a namespace deletion that takes running pods with it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentStrategy, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Node, Pod, ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../src/machinery/errors.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { StateRecorder, waitFor } from './support-pods.js';

interface DeploymentOptions {
  replicas: number;
  image?: string;
  strategy?: DeploymentStrategy;
  resources?: ResourceRequirements;
}

function deployment(name: string, o: DeploymentOptions): Deployment {
  return {
    metadata: { name },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { app: name } },
      strategy: o.strategy,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: o.image ?? 'nginx:1.26', resources: o.resources }] },
      },
    },
  };
}

/** `kubectl rollout status`: the controller has seen the spec and every wanted replica is updated and available. */
function rolledOut(d: Deployment | undefined): boolean {
  if (!d) return false;
  const st = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  return (
    (st.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    st.updatedReplicas === want &&
    st.replicas === want &&
    st.availableReplicas === want
  );
}

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const isActive = (p: Pod) => !p.metadata?.deletionTimestamp;
/** Bound to a node, Running, Ready, with an IP: what a fake node reports for a started pod. */
const isRunningOnNode = (p: Pod) => !!p.spec?.nodeName && p.status?.phase === 'Running' && isReady(p) && !!p.status?.podIP;
const isCode = (err: unknown, code: number) => err instanceof ApiError && err.code === code;

/** Seconds-scale waits on a loaded 2-core machine: generous, but bounded. */
const WAIT_MS = 30_000;

describe('cluster: control plane with fake nodes', () => {
  let c: TestCluster;
  let nsCount = 0;

  before(async () => {
    // Pods take a little while to "start" so rollouts pass through several steps.
    c = await startTestCluster({ nodes: 2, podStartDelayMs: 150, podDeleteDelayMs: 100 });
  });
  after(async () => {
    await c?.cleanup();
  });

  const newNamespace = async (prefix: string) => {
    const ns = `${prefix}-${++nsCount}`;
    await c.client.namespaces.create(undefined, { metadata: { name: ns } });
    return ns;
  };
  const getD = (ns: string, name: string): Promise<Deployment> => c.client.deployments.get(ns, name);
  const podsOf = async (ns: string, app?: string): Promise<Pod[]> =>
    (await c.client.pods.list(ns, app ? { labelSelector: `app=${app}` } : {})).items;
  const rsOf = async (ns: string, app: string): Promise<ReplicaSet[]> => (await c.client.replicaSets.list(ns, { labelSelector: `app=${app}` })).items;
  const waitRolledOut = (ns: string, name: string, what = `${ns}/${name} rolled out`) =>
    waitFor(what, async () => {
      const d = await getD(ns, name);
      return rolledOut(d) && d;
    }, WAIT_MS);
  /** Every pod of the app Running on a node, none terminating, exactly `n` of them. */
  const waitPodsRunning = (ns: string, app: string, n: number) =>
    waitFor(`${n} pods of ${ns}/${app} running on nodes and no others`, async () => {
      const pods = await podsOf(ns, app);
      return pods.length === n && pods.every((p) => isActive(p) && isRunningOnNode(p)) && pods;
    }, WAIT_MS);

  it('scales a Deployment up and down, its pods going Running on the fake nodes and terminating there', async (t) => {
    const ns = await newNamespace('scale');
    const started = Date.now();
    await c.client.deployments.create(ns, deployment('web', { replicas: 3 }));
    await waitRolledOut(ns, 'web');
    let pods = await waitPodsRunning(ns, 'web', 3);
    t.diagnostic(`3 replicas available in ${Date.now() - started} ms`);
    const nodeNames = new Set(c.nodes!.names);
    assert.ok(pods.every((p) => nodeNames.has(p.spec!.nodeName!)), 'bound to the fake nodes');
    assert.equal(new Set(pods.map((p) => p.status!.podIP)).size, 3, 'distinct pod IPs');

    // Scale up through the scale subresource, as kubectl scale does.
    await c.client.deployments.patch(ns, 'web', { spec: { replicas: 7 } }, 'merge', 'scale');
    const up = await waitRolledOut(ns, 'web', 'scaled up to 7');
    assert.equal(up.status!.availableReplicas, 7);
    pods = await waitPodsRunning(ns, 'web', 7);
    assert.equal(new Set(pods.map((p) => p.spec!.nodeName)).size, 2, 'spread over both nodes');

    // Scale down: the surplus pods are deleted gracefully and the fake nodes finish them.
    await c.client.deployments.patch(ns, 'web', { spec: { replicas: 2 } }, 'merge');
    const down = await waitRolledOut(ns, 'web', 'scaled down to 2');
    assert.equal(down.status!.availableReplicas, 2);
    await waitPodsRunning(ns, 'web', 2);
    const [rs] = await rsOf(ns, 'web');
    assert.equal(rs.spec!.replicas, 2);
    assert.equal((await rsOf(ns, 'web')).length, 1, 'scaling makes no new ReplicaSet');
  });

  it('completes a rolling update within maxSurge and maxUnavailable at every recorded pod state', async () => {
    const ns = await newNamespace('roll');
    const replicas = 6;
    const surge = 2;
    const unavailable = 1;
    await c.client.deployments.create(
      ns,
      deployment('app', { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } }),
    );
    await waitRolledOut(ns, 'app');
    await waitPodsRunning(ns, 'app', replicas);

    // Terminating pods count for neither bound, as in Kubernetes: they are no longer replicas.
    let maxActive = 0;
    let minAvailable = Infinity;
    const images = new Set<string>();
    // The initial list arrives one add at a time: judge only whole states, from after the sync.
    let armed = false;
    const pods = new StateRecorder<Pod>(c.client, 'pods', '', ns, (all) => {
      if (!armed) return undefined;
      const active = all.filter(isActive);
      const available = active.filter(isReady).length;
      maxActive = Math.max(maxActive, active.length);
      minAvailable = Math.min(minAvailable, available);
      for (const p of active) images.add(p.spec!.containers[0].image!);
      if (active.length > replicas + surge) return `${active.length} pods > ${replicas}+${surge}`;
      if (available < replicas - unavailable) return `${available} available pods < ${replicas}-${unavailable}`;
      return undefined;
    });
    const rss = new StateRecorder<ReplicaSet>(c.client, 'replicasets', 'apps', ns, (all) => {
      if (!armed) return undefined;
      const spec = all.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
      return spec > replicas + surge ? `ReplicaSets ask for ${spec} > ${replicas}+${surge}` : undefined;
    });
    await pods.start();
    await rss.start();
    armed = true;
    try {
      await c.client.deployments.patch(ns, 'app', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } } }, 'strategic');
      const d = await waitRolledOut(ns, 'app', 'rolling update complete');
      assert.equal(d.metadata!.generation, 2);
      const final = await waitPodsRunning(ns, 'app', replicas);
      assert.ok(final.every((p) => p.spec!.containers[0].image === 'nginx:1.27'), 'every pod runs the new image');
    } finally {
      await pods.stop();
      await rss.stop();
    }
    assert.deepEqual(pods.violations, [], 'pod bounds held at every step');
    assert.deepEqual(rss.violations, [], 'ReplicaSet bounds held at every step');
    assert.ok(pods.steps > 3 * replicas, `recorded ${pods.steps} pod states`);
    assert.deepEqual([...images].sort(), ['nginx:1.26', 'nginx:1.27'], 'old and new pods overlapped');
    assert.ok(maxActive > replicas, `the rollout used its surge (at most ${maxActive} pods)`);
    assert.ok(minAvailable >= replicas - unavailable, `never fewer than ${replicas - unavailable} available (least: ${minAvailable})`);
    const sets = await rsOf(ns, 'app');
    assert.deepEqual(sets.map((rs) => rs.spec!.replicas).sort(), [0, replicas], 'old ReplicaSet at 0, new at full size');
  });

  it('cascades a Deployment delete to its ReplicaSet and pods', async () => {
    const ns = await newNamespace('cascade');
    await c.client.deployments.create(ns, deployment('gone', { replicas: 3 }));
    await waitRolledOut(ns, 'gone');
    await waitPodsRunning(ns, 'gone', 3);
    await c.client.deployments.delete(ns, 'gone');
    await waitFor('ReplicaSet and pods gone', async () => (await rsOf(ns, 'gone')).length === 0 && (await podsOf(ns, 'gone')).length === 0, WAIT_MS);
    await assert.rejects(getD(ns, 'gone'), (err) => isCode(err, 404));
  });

  it('orphans the ReplicaSet on propagationPolicy Orphan: it stays, without the owner reference, with its pods running', async () => {
    const ns = await newNamespace('orphan');
    await c.client.deployments.create(ns, deployment('left', { replicas: 2 }));
    await waitRolledOut(ns, 'left');
    const before = await waitPodsRunning(ns, 'left', 2);
    const [rs] = await rsOf(ns, 'left');
    assert.equal(rs.metadata!.ownerReferences?.[0]?.kind, 'Deployment');

    await c.client.deployments.delete(ns, 'left', { propagationPolicy: 'Orphan' });
    await waitFor('Deployment gone', async () => getD(ns, 'left').then(() => false, (err) => isCode(err, 404)), WAIT_MS);
    const orphan = await waitFor('ReplicaSet without owner references', async () => {
      const [r] = await rsOf(ns, 'left');
      return r && (r.metadata!.ownerReferences ?? []).length === 0 && r;
    }, WAIT_MS);
    assert.equal(orphan.metadata!.uid, rs.metadata!.uid, 'the same ReplicaSet');
    assert.equal(orphan.spec!.replicas, 2);
    assert.ok(!orphan.metadata!.deletionTimestamp, 'not being deleted');
    const after = await waitPodsRunning(ns, 'left', 2);
    assert.deepEqual(after.map((p) => p.metadata!.uid).sort(), before.map((p) => p.metadata!.uid).sort(), 'the same pods, untouched');
    assert.ok(after.every((p) => p.metadata!.ownerReferences?.[0]?.uid === rs.metadata!.uid), 'still owned by the ReplicaSet');
  });

  it('reports FailedScheduling for pods no node can hold, and runs them once a big enough node group joins', async (t) => {
    const ns = await newNamespace('big');
    // The nodes have 32 cpu; each pod asks for 48.
    await c.client.deployments.create(ns, deployment('huge', { replicas: 2, resources: { requests: { cpu: '48', memory: '1Gi' } } }));
    const events = await waitFor('FailedScheduling events for both pods', async () => {
      const evs: Event[] = (await c.client.events.list(ns)).items;
      const failed = evs.filter((e) => e.reason === 'FailedScheduling' && e.involvedObject.kind === 'Pod');
      return new Set(failed.map((e) => e.involvedObject.name)).size === 2 && failed;
    }, WAIT_MS);
    t.diagnostic(`FailedScheduling: ${events[0].message}`);
    assert.match(events[0].message ?? '', /Insufficient cpu/);
    assert.equal(events[0].type, 'Warning');
    // The condition is a separate write from the event: wait for it rather than race it.
    const pending = await waitFor('both pods PodScheduled=False/Unschedulable', async () => {
      const pods = await podsOf(ns, 'huge');
      const unschedulable = (p: Pod) => p.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.status === 'False' && x.reason === 'Unschedulable');
      return pods.length === 2 && pods.every(unschedulable) && pods;
    }, WAIT_MS);
    assert.ok(pending.every((p) => !p.spec!.nodeName), 'not bound');
    assert.equal((await getD(ns, 'huge')).status?.availableReplicas ?? 0, 0);

    const joinedAt = Date.now();
    const big = await c.addNodes(2, 'big', { capacity: { cpu: '64', memory: '256Gi', pods: '110' } });
    try {
      await waitRolledOut(ns, 'huge', 'huge running once big nodes joined');
      const pods = await waitPodsRunning(ns, 'huge', 2);
      t.diagnostic(`running ${Date.now() - joinedAt} ms after the big nodes joined`);
      assert.ok(pods.every((p) => big.names.includes(p.spec!.nodeName!)), `on the big nodes: ${pods.map((p) => p.spec!.nodeName).join(', ')}`);
      // Its pods leave first, so the group's removal strands nothing the scheduler would retry.
      await c.client.deployments.delete(ns, 'huge');
      await waitFor('huge pods gone', async () => (await podsOf(ns, 'huge')).length === 0, WAIT_MS);
    } finally {
      await big.stop();
    }
    await assert.rejects(c.client.nodes.get(undefined, 'big-0'), (err) => isCode(err, 404), 'the group removed its nodes');
  });

  it('deleting a namespace removes its running Deployment, whose pods terminate on the fake nodes, and then the namespace', async () => {
    const ns = await newNamespace('doomed');
    await c.client.deployments.create(ns, deployment('inside', { replicas: 3 }));
    await waitRolledOut(ns, 'inside');
    await waitPodsRunning(ns, 'inside', 3);
    const terminated = new Set<string>();
    const watch = new StateRecorder<Pod>(c.client, 'pods', '', ns, (all) => {
      for (const p of all) if (p.metadata?.deletionTimestamp) terminated.add(p.metadata.name!);
      return undefined;
    });
    await watch.start();
    try {
      await c.client.namespaces.delete(undefined, ns);
      await waitFor('namespace gone', async () => c.client.namespaces.get(undefined, ns).then(() => false, (err) => isCode(err, 404)), WAIT_MS);
    } finally {
      await watch.stop();
    }
    assert.equal(terminated.size, 3, 'every pod went through a graceful termination finished by its node');
    assert.deepEqual(await podsOf(ns), []);
    assert.deepEqual((await c.client.replicaSets.list(ns)).items, []);
    assert.deepEqual((await c.client.deployments.list(ns)).items, []);
  });
});

describe('cluster: node failure', () => {
  const GRACE_MS = 2000;
  const EVICTION_MS = 3000;
  const HEARTBEAT_MS = 300;
  let c: TestCluster;

  before(async () => {
    c = await startTestCluster({
      nodes: 0,
      heartbeatIntervalMs: HEARTBEAT_MS,
      podStartDelayMs: 50,
      controllerConfig: { nodeMonitorGracePeriodMs: GRACE_MS, podEvictionTimeoutMs: EVICTION_MS },
    });
  });
  after(async () => {
    await c?.cleanup();
  });

  it('replaces the pods of a node whose agent dies on the other nodes, soon after the grace period and eviction timeout', async (t) => {
    const ns = 'failure';
    await c.client.namespaces.create(undefined, { metadata: { name: ns } });
    const a = await c.addNodes(1, 'a');
    const b = await c.addNodes(2, 'b');
    await c.client.deployments.create(ns, deployment('survivor', { replicas: 4 }));
    await waitFor('4 available', async () => rolledOut(await c.client.deployments.get(ns, 'survivor')), WAIT_MS);
    const before: Pod[] = (await c.client.pods.list(ns)).items;
    const onA = before.filter((p) => p.spec!.nodeName === 'a-0').map((p) => p.metadata!.name!);
    t.diagnostic(`placement before: ${before.map((p) => `${p.metadata!.name}@${p.spec!.nodeName}`).join(', ')}`);
    assert.ok(onA.length > 0, 'the scheduler spread some pods onto a-0');

    // a's agent dies: heartbeats stop, the Node stays.
    const stoppedAt = Date.now();
    await a.stop({ keepNodes: true });
    const taints = await waitFor('a-0 tainted unreachable', async () => {
      const n: Node = await c.client.nodes.get(undefined, 'a-0');
      const keys = (n.spec?.taints ?? []).map((x) => `${x.key}:${x.effect}`);
      return keys.includes('node.kubernetes.io/unreachable:NoExecute') && keys;
    }, WAIT_MS);
    const taintedAfter = Date.now() - stoppedAt;
    assert.ok(taints.includes('node.kubernetes.io/unreachable:NoSchedule'), `NoSchedule too: ${taints.join(', ')}`);

    const restored = await waitFor('4 available replicas again, all on b', async () => {
      const d: Deployment = await c.client.deployments.get(ns, 'survivor');
      if (!rolledOut(d)) return false;
      const pods: Pod[] = (await c.client.pods.list(ns)).items;
      return pods.length === 4 && pods.every((p) => isRunningOnNode(p) && b.names.includes(p.spec!.nodeName!)) && pods;
    }, WAIT_MS);
    const restoredAfter = Date.now() - stoppedAt;
    t.diagnostic(`a-0 tainted ${taintedAfter} ms and 4 replicas available on b ${restoredAfter} ms after its agent stopped (grace ${GRACE_MS} ms + eviction ${EVICTION_MS} ms)`);
    assert.ok(restoredAfter >= GRACE_MS + EVICTION_MS - HEARTBEAT_MS - 200, `not replaced before grace + eviction timeout: ${restoredAfter} ms`);
    // Bounded: the replacement itself (evict, create, schedule, start) takes well under the slack.
    assert.ok(restoredAfter <= GRACE_MS + EVICTION_MS + 10_000, `replaced within ${GRACE_MS + EVICTION_MS + 10_000} ms: ${restoredAfter} ms`);
    const names = new Set(restored.map((p) => p.metadata!.name!));
    assert.ok(onA.every((n) => !names.has(n)), 'the pods of a-0 are gone');
    const survivors = before.filter((p) => p.spec!.nodeName !== 'a-0').map((p) => p.metadata!.name!);
    assert.ok(survivors.every((n) => names.has(n)), 'the pods on b were left alone');

    const node: Node = await c.client.nodes.get(undefined, 'a-0');
    assert.equal(node.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'Unknown');
  });
});
