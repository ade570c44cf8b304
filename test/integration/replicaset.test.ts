/** The ReplicaSet controller against the real API server: pods follow spec.replicas and the selector. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import { clientConfig, createNamespace, runningReadyStatus, startControllers, StateRecorder, TestKubelet, waitFor, type RunningControllers } from './support-pods.js';

function replicaSet(name: string, replicas: number, extra: { minReadySeconds?: number } = {}): ReplicaSet {
  return {
    metadata: { name },
    spec: {
      replicas,
      minReadySeconds: extra.minReadySeconds,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'web' } },
        spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
      },
    },
  };
}

describe('replicaset controller', () => {
  let s: TestServer;
  let ctl: RunningControllers;
  let client: Client;
  let nsCount = 0;
  const newNamespace = async () => {
    const ns = `rs-${++nsCount}`;
    await createNamespace(client, ns);
    return ns;
  };
  const podsOf = async (ns: string, sel: string): Promise<Pod[]> => (await client.pods.list(ns, { labelSelector: sel })).items;
  const getRS = (ns: string, name: string): Promise<ReplicaSet> => client.replicaSets.get(ns, name);

  before(async () => {
    s = await startTestServer('sqlite');
    client = new Client(clientConfig(s));
    ctl = await startControllers(s, ['replicaset']);
  });
  after(async () => {
    await ctl?.stop();
    client?.close();
    await s?.cleanup();
  });

  it('creates pods named after the ReplicaSet, labelled from the template and owned by it, then scales up and down', async () => {
    const ns = await newNamespace();
    const rs = await client.replicaSets.create(ns, replicaSet('web', 3));
    const pods = await waitFor('3 pods', async () => {
      const p = await podsOf(ns, 'app=web');
      return p.length === 3 && p;
    });
    for (const p of pods) {
      assert.match(p.metadata!.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual(p.metadata!.labels, { app: 'web', tier: 'web' });
      assert.deepEqual(p.metadata!.ownerReferences, [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata!.uid, controller: true, blockOwnerDeletion: true },
      ]);
    }
    await waitFor('status.replicas 3', async () => {
      const st = (await getRS(ns, 'web')).status;
      return st?.replicas === 3 && st.fullyLabeledReplicas === 3 && st.readyReplicas === 0 && st.observedGeneration === 1;
    });

    await client.replicaSets.patch(ns, 'web', { spec: { replicas: 5 } }, 'merge');
    await waitFor('5 pods', async () => (await podsOf(ns, 'app=web')).length === 5);
    await client.replicaSets.patch(ns, 'web', { spec: { replicas: 1 } }, 'merge');
    await waitFor('1 pod and status replicas 1', async () => (await podsOf(ns, 'app=web')).length === 1 && (await getRS(ns, 'web')).status?.replicas === 1);
    await client.replicaSets.patch(ns, 'web', { spec: { replicas: 0 } }, 'merge');
    await waitFor('no pods', async () => (await podsOf(ns, 'app=web')).length === 0);
    const final = await waitFor('status for generation 4', async () => {
      const r = await getRS(ns, 'web');
      return r.status?.observedGeneration === 4 && r.status.replicas === 0 && r;
    });
    assert.equal(final.status!.replicas, 0);

    const events = ctl.events.filter((e) => e.name === 'web');
    const created = events.find((e) => e.reason === 'SuccessfulCreate');
    assert.match(created?.message ?? '', /^Created pod: web-[a-z0-9]{5}$/);
    assert.equal(created?.kind, 'ReplicaSet');
    assert.equal(created?.component, 'replicaset-controller');
    assert.ok(events.some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: web-/.test(e.message)));
  });

  it('reports ready and available replicas, honouring minReadySeconds', async () => {
    const ns = await newNamespace();
    await client.replicaSets.create(ns, replicaSet('slow', 2, { minReadySeconds: 2 }));
    const pods = await waitFor('2 pods', async () => {
      const p = await podsOf(ns, 'app=slow');
      return p.length === 2 && p;
    });
    for (const p of pods) await client.pods.patch(ns, p.metadata!.name!, { status: runningReadyStatus(p) }, 'merge', 'status');
    // Availability counts from the pods' Ready transition times (whole seconds).
    const readySince = Math.max(
      ...(await podsOf(ns, 'app=slow')).map((p) => Date.parse(p.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!)),
    );
    let sawReadyNotAvailable = false;
    await waitFor(
      'available 2',
      async () => {
        const st = (await getRS(ns, 'slow')).status!;
        const now = Date.now();
        if (st.readyReplicas === 2 && !st.availableReplicas) sawReadyNotAvailable = true;
        if ((st.availableReplicas ?? 0) > 0) assert.ok(now > readySince + 2000, `available at +${now - readySince} ms, before minReadySeconds`);
        return st.availableReplicas === 2;
      },
      15_000,
    );
    assert.ok(sawReadyNotAvailable || Date.now() - readySince > 2000, 'ready pods were not available at once');
  });

  it('deletes unready pods before ready ones when scaling down', async () => {
    const ns = await newNamespace();
    await client.replicaSets.create(ns, replicaSet('pick', 4));
    const pods = await waitFor('4 pods', async () => {
      const p = await podsOf(ns, 'app=pick');
      return p.length === 4 && p;
    });
    const ready = pods.slice(0, 2).map((p) => p.metadata!.name!);
    for (const p of pods.slice(0, 2)) await client.pods.patch(ns, p.metadata!.name!, { status: runningReadyStatus(p) }, 'merge', 'status');
    await waitFor('ready 2', async () => (await getRS(ns, 'pick')).status?.readyReplicas === 2);
    await client.replicaSets.patch(ns, 'pick', { spec: { replicas: 2 } }, 'merge');
    const left = await waitFor('2 pods', async () => {
      const p = await podsOf(ns, 'app=pick');
      return p.length === 2 && p;
    });
    assert.deepEqual(left.map((p) => p.metadata!.name).sort(), [...ready].sort());
  });

  it('adopts matching orphans and releases pods whose labels stop matching', async () => {
    const ns = await newNamespace();
    const orphan = await client.pods.create(ns, {
      metadata: { name: 'orphan', labels: { app: 'adopt', tier: 'web' } },
      spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
    });
    const rs = await client.replicaSets.create(ns, replicaSet('adopt', 2));
    await waitFor('orphan adopted', async () => (await client.pods.get(ns, 'orphan')).metadata?.ownerReferences?.[0]?.uid === rs.metadata!.uid);
    await waitFor('2 pods in all', async () => (await podsOf(ns, 'app=adopt')).length === 2);
    // Only one pod was created: the orphan counted.
    await waitFor('status replicas 2', async () => (await getRS(ns, 'adopt')).status?.replicas === 2);
    assert.equal((await podsOf(ns, 'app=adopt')).filter((p) => p.metadata!.name !== orphan.metadata!.name).length, 1);

    // Relabel the adopted pod: it is released and replaced.
    await client.pods.patch(ns, 'orphan', { metadata: { labels: { app: 'other' } } }, 'merge');
    await waitFor('released', async () => !(await client.pods.get(ns, 'orphan')).metadata?.ownerReferences?.length);
    await waitFor('replacement created', async () => (await podsOf(ns, 'app=adopt')).length === 2);
    const stillOrphan = await client.pods.get(ns, 'orphan');
    assert.equal(stillOrphan.metadata!.labels!.app, 'other');
  });

  it('replaces a terminating pod at once and leaves it out of status', async () => {
    const ns = await newNamespace();
    await client.replicaSets.create(ns, replicaSet('term', 2));
    const pods = await waitFor('2 pods', async () => {
      const p = await podsOf(ns, 'app=term');
      return p.length === 2 && p;
    });
    // A pod on a node is deleted gracefully: it stays, terminating, until its node is done.
    const victim = pods[0].metadata!.name!;
    await client.pods.postSub(ns, victim, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: victim }, target: { kind: 'Node', name: 'node-a' } });
    await client.pods.delete(ns, victim);
    assert.ok((await client.pods.get(ns, victim)).metadata!.deletionTimestamp, 'the pod is terminating');
    await waitFor('a replacement', async () => (await podsOf(ns, 'app=term')).filter((p) => !p.metadata!.deletionTimestamp).length === 2);
    await waitFor('status.replicas 2', async () => (await getRS(ns, 'term')).status?.replicas === 2);
    assert.equal((await podsOf(ns, 'app=term')).length, 3);
    await client.pods.delete(ns, victim, { gracePeriodSeconds: 0 });
  });

  it('ignores terminating and finished pods in its count', async () => {
    const ns = await newNamespace();
    await client.replicaSets.create(ns, replicaSet('done', 2));
    const pods = await waitFor('2 pods', async () => {
      const p = await podsOf(ns, 'app=done');
      return p.length === 2 && p;
    });
    await client.pods.patch(ns, pods[0].metadata!.name!, { status: { phase: 'Succeeded' } }, 'merge', 'status');
    await waitFor('a replacement for the finished pod', async () => (await podsOf(ns, 'app=done')).filter((p) => p.status?.phase !== 'Succeeded').length === 2);
    await waitFor('status counts active pods only', async () => (await getRS(ns, 'done')).status?.replicas === 2);
  });

  it('never has more pods than replicas while creating a large ReplicaSet (expectations)', async () => {
    const ns = await newNamespace();
    let max = 0;
    const rec = new StateRecorder<Pod>(client, 'pods', '', ns, (all) => {
      max = Math.max(max, all.length);
      return all.length > 300 ? `${all.length} pods for 300 replicas` : undefined;
    });
    await rec.start();
    const kubelet = new TestKubelet(client, ns, { delayMs: [0, 50] });
    await kubelet.start();
    try {
      await client.replicaSets.create(ns, replicaSet('big', 300));
      await waitFor('300 ready', async () => (await getRS(ns, 'big')).status?.readyReplicas === 300, 60_000);
      // Writes arriving late would show here.
      await waitFor('recorder caught up', () => rec.list().length === 300);
      assert.deepEqual(rec.violations, []);
      assert.equal(max, 300);
      await client.replicaSets.patch(ns, 'big', { spec: { replicas: 10 } }, 'merge');
      await waitFor('10 pods', () => rec.list().length === 10, 60_000);
      await waitFor('status 10', async () => (await getRS(ns, 'big')).status?.replicas === 10);
    } finally {
      await kubelet.stop();
      await rec.stop();
    }
  });
});
