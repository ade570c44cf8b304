/**
 * The Deployment controller (with the ReplicaSet controller) against the real API server:
 * the ReplicaSets, annotations and status kubectl relies on (KUBECTL.md §10), rolling
 * updates within maxSurge/maxUnavailable at every recorded step, Recreate without overlap,
 * rollback, pause/resume, restart, progress deadline, history cleanup, proportional
 * scaling, and the time a 1,000-replica Deployment takes to get its pods.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import { clientConfig, createNamespace, startControllers, StateRecorder, TestKubelet, waitFor, type RunningControllers } from './support-pods.js';

const HASH = 'pod-template-hash';
const REVISION = 'deployment.kubernetes.io/revision';

interface DeploymentOptions {
  replicas?: number;
  image?: string;
  strategy?: Deployment['spec'] extends infer S ? (S extends { strategy?: infer T } ? T : never) : never;
  minReadySeconds?: number;
  progressDeadlineSeconds?: number;
  revisionHistoryLimit?: number;
  annotations?: Record<string, string>;
}

function deployment(name: string, o: DeploymentOptions = {}): Deployment {
  return {
    metadata: { name, annotations: o.annotations },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: name } },
      strategy: o.strategy,
      minReadySeconds: o.minReadySeconds,
      progressDeadlineSeconds: o.progressDeadlineSeconds,
      revisionHistoryLimit: o.revisionHistoryLimit,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: o.image ?? 'nginx:1.26' }] },
      },
    },
  };
}

/** `kubectl rollout status` (KUBECTL.md §10): undefined while waiting, else 'done' or an error. */
function rolloutStatus(d: Deployment): 'done' | 'timed out' | undefined {
  const st = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (st.observedGeneration ?? 0)) return undefined;
  const progressing = st.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return 'timed out';
  const want = d.spec?.replicas ?? 1;
  if ((st.updatedReplicas ?? 0) < want) return undefined;
  if ((st.replicas ?? 0) > (st.updatedReplicas ?? 0)) return undefined;
  if ((st.availableReplicas ?? 0) < (st.updatedReplicas ?? 0)) return undefined;
  return 'done';
}

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('deployment controller', () => {
  let s: TestServer;
  let ctl: RunningControllers;
  let client: Client;
  let nsCount = 0;
  const cleanups: (() => Promise<void>)[] = [];

  const newNamespace = async () => {
    const ns = `deploy-${++nsCount}`;
    await createNamespace(client, ns);
    return ns;
  };
  const kubelet = async (ns: string, opts: ConstructorParameters<typeof TestKubelet>[2] = {}) => {
    const k = new TestKubelet(client, ns, opts);
    await k.start();
    cleanups.push(() => k.stop());
    return k;
  };
  const getD = (ns: string, name: string): Promise<Deployment> => client.deployments.get(ns, name);
  const rsOf = async (ns: string, name: string): Promise<ReplicaSet[]> =>
    (await client.replicaSets.list(ns, { labelSelector: `app=${name}` })).items.sort((a, b) => revisionOf(a) - revisionOf(b));
  const revisionOf = (o: { metadata?: { annotations?: Record<string, string> } }) => Number(o.metadata?.annotations?.[REVISION] ?? 0);
  const rolledOut = (ns: string, name: string, timeoutMs = 30_000) =>
    waitFor(`${ns}/${name} rolled out`, async () => {
      const d = await getD(ns, name);
      const r = rolloutStatus(d);
      if (r === 'timed out') throw new Error('rollout timed out');
      return r === 'done' && d;
    }, timeoutMs);
  const setImage = (ns: string, name: string, image: string) =>
    client.deployments.patch(ns, name, { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } }, 'strategic');

  before(async () => {
    s = await startTestServer('sqlite');
    client = new Client(clientConfig(s));
    ctl = await startControllers(s);
  });
  after(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await ctl?.stop();
    client?.close();
    await s?.cleanup();
  });

  it('creates a ReplicaSet named by the template hash, with the labels, owner and annotations kubectl reads', async () => {
    const ns = await newNamespace();
    await kubelet(ns);
    const created = await client.deployments.create(ns, deployment('web', { annotations: { 'kubernetes.io/change-cause': 'first' } }));
    const d = await rolledOut(ns, 'web');
    const [rs] = await rsOf(ns, 'web');
    const hash = rs.metadata!.labels![HASH];
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(rs.metadata!.name, `web-${hash}`);
    assert.deepEqual(rs.spec!.selector!.matchLabels, { app: 'web', [HASH]: hash });
    assert.deepEqual(rs.spec!.template!.metadata!.labels, { app: 'web', [HASH]: hash });
    assert.deepEqual(rs.metadata!.ownerReferences, [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: created.metadata!.uid, controller: true, blockOwnerDeletion: true },
    ]);
    const ann = rs.metadata!.annotations!;
    assert.equal(ann[REVISION], '1');
    assert.equal(ann['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(ann['deployment.kubernetes.io/max-replicas'], '4');
    assert.equal(ann['kubernetes.io/change-cause'], 'first');
    assert.equal(d.metadata!.annotations![REVISION], '1');

    const st = d.status!;
    assert.equal(st.observedGeneration, d.metadata!.generation);
    assert.deepEqual([st.replicas, st.updatedReplicas, st.readyReplicas, st.availableReplicas, st.unavailableReplicas ?? 0], [3, 3, 3, 3, 0]);
    const cond = (t: string) => st.conditions!.find((c) => c.type === t)!;
    assert.equal(cond('Available').status, 'True');
    assert.equal(cond('Available').reason, 'MinimumReplicasAvailable');
    await waitFor('Progressing NewReplicaSetAvailable', async () => {
      const c = (await getD(ns, 'web')).status?.conditions?.find((x) => x.type === 'Progressing');
      return c?.status === 'True' && c.reason === 'NewReplicaSetAvailable' && c.message === `ReplicaSet "web-${hash}" has successfully progressed.` && c;
    });
    for (const c of (await getD(ns, 'web')).status!.conditions!) {
      assert.ok(c.lastUpdateTime && c.lastTransitionTime, `${c.type} has both times`);
    }
    assert.ok(ctl.events.some((e) => e.kind === 'Deployment' && e.name === 'web' && e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set web-${hash} from 0 to 3`));

    // The pods are the ReplicaSet's: <rs>-<5 random>.
    const pods = (await client.pods.list(ns)).items;
    assert.equal(pods.length, 3);
    for (const p of pods) assert.match(p.metadata!.name!, new RegExp(`^web-${hash}-[a-z0-9]{5}$`));

    // Scaling changes the ReplicaSet, not the revision.
    await client.deployments.patch(ns, 'web', { spec: { replicas: 5 } }, 'merge');
    await rolledOut(ns, 'web');
    const after = await rsOf(ns, 'web');
    assert.equal(after.length, 1);
    assert.equal(after[0].spec!.replicas, 5);
    assert.equal(after[0].metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '5');
    assert.equal(after[0].metadata!.annotations![REVISION], '1');
  });

  /** Rolls a new image out and asserts the bounds on every state the pods and ReplicaSets pass through. */
  async function rollingUpdateWithinBounds(name: string, replicas: number, strategy: { maxSurge: number | string; maxUnavailable: number | string }, surge: number, unavailable: number) {
    const ns = await newNamespace();
    await kubelet(ns, { delayMs: [5, 120] });
    await client.deployments.create(ns, deployment(name, { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: strategy } }));
    await rolledOut(ns, name);

    let armed = false;
    let minReady = Infinity;
    let maxPods = 0;
    let maxSpec = 0;
    const pods = new StateRecorder<Pod>(client, 'pods', '', ns, (all) => {
      if (!armed) return undefined;
      const ready = all.filter(isReady).length;
      minReady = Math.min(minReady, ready);
      maxPods = Math.max(maxPods, all.length);
      if (all.length > replicas + surge) return `${all.length} pods > ${replicas}+${surge}`;
      if (ready < replicas - unavailable) return `${ready} ready pods < ${replicas}-${unavailable}`;
      return undefined;
    });
    const rss = new StateRecorder<ReplicaSet>(client, 'replicasets', 'apps', ns, (all) => {
      if (!armed) return undefined;
      const spec = all.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
      maxSpec = Math.max(maxSpec, spec);
      return spec > replicas + surge ? `ReplicaSets ask for ${spec} > ${replicas}+${surge}` : undefined;
    });
    await pods.start();
    await rss.start();
    cleanups.push(() => pods.stop(), () => rss.stop());
    armed = true;
    await setImage(ns, name, 'nginx:1.27');
    const d = await rolledOut(ns, name, 60_000);
    await waitFor('old pods gone', () => pods.list().length === replicas && pods.list().every((p) => p.spec?.containers?.[0]?.image === 'nginx:1.27'));
    assert.deepEqual(pods.violations, [], 'pod bounds held at every step');
    assert.deepEqual(rss.violations, [], 'ReplicaSet bounds held at every step');
    assert.ok(pods.steps > replicas, `recorded ${pods.steps} pod states`);
    const sets = await rsOf(ns, name);
    assert.deepEqual(sets.map((r) => [revisionOf(r), r.spec!.replicas]), [[1, 0], [2, replicas]]);
    assert.equal(d.metadata!.annotations![REVISION], '2');
    return { minReady, maxPods, maxSpec };
  }

  it('rolls out within maxSurge 3 / maxUnavailable 2 at every step', async () => {
    const r = await rollingUpdateWithinBounds('roll-a', 10, { maxSurge: 3, maxUnavailable: 2 }, 3, 2);
    assert.ok(r.maxPods > 10, 'the rollout used its surge');
  });

  it('rolls out within the default 25%/25% (surge rounds up, unavailable down) at every step', async () => {
    // 25% of 10: surge 3, unavailable 2.
    await rollingUpdateWithinBounds('roll-b', 10, { maxSurge: '25%', maxUnavailable: '25%' }, 3, 2);
  });

  it('rolls out with maxSurge 0 (replace in place) and with maxUnavailable 0 (surge only)', async () => {
    const a = await rollingUpdateWithinBounds('roll-c', 6, { maxSurge: 0, maxUnavailable: 1 }, 0, 1);
    assert.equal(a.maxPods, 6);
    const b = await rollingUpdateWithinBounds('roll-d', 6, { maxSurge: 1, maxUnavailable: 0 }, 1, 0);
    assert.equal(b.minReady, 6);
    // 10% of 4 rounds down to 0 and surge is 0: a rollout that could never move, so one pod may be unavailable.
    await rollingUpdateWithinBounds('roll-e', 4, { maxSurge: 0, maxUnavailable: '10%' }, 0, 1);
  });

  it('Recreate removes every old pod before the first new one exists', async () => {
    const ns = await newNamespace();
    await kubelet(ns, { delayMs: [5, 60] });
    await client.deployments.create(ns, deployment('recreate', { replicas: 4, strategy: { type: 'Recreate' } }));
    await rolledOut(ns, 'recreate');
    let armed = false;
    let sawNone = false;
    const pods = new StateRecorder<Pod>(client, 'pods', '', ns, (all) => {
      if (!armed) return undefined;
      if (all.length === 0) sawNone = true;
      const hashes = new Set(all.map((p) => p.metadata?.labels?.[HASH]));
      return hashes.size > 1 ? `old and new pods together: ${[...hashes].join(', ')}` : undefined;
    });
    await pods.start();
    cleanups.push(() => pods.stop());
    armed = true;
    await setImage(ns, 'recreate', 'nginx:1.27');
    await rolledOut(ns, 'recreate');
    await waitFor('4 new pods', () => pods.list().length === 4 && pods.list().every((p) => p.spec?.containers?.[0]?.image === 'nginx:1.27'));
    assert.deepEqual(pods.violations, []);
    assert.ok(sawNone, 'there was a moment with no pods');
    const d = await getD(ns, 'recreate');
    assert.equal(d.status!.conditions!.find((c) => c.type === 'Available')!.status, 'True');
  });

  it('rolls back to each earlier revision by reusing its ReplicaSet (kubectl rollout undo --to-revision)', async () => {
    const ns = await newNamespace();
    await kubelet(ns);
    await client.deployments.create(ns, deployment('undo', { replicas: 2 }));
    await rolledOut(ns, 'undo');
    for (const image of ['nginx:1.27', 'nginx:1.28']) {
      await setImage(ns, 'undo', image);
      await rolledOut(ns, 'undo');
    }
    const original = await rsOf(ns, 'undo');
    assert.deepEqual(original.map(revisionOf), [1, 2, 3]);
    const byName = new Map(original.map((r) => [r.metadata!.name!, r.spec!.template!.spec!.containers[0].image]));

    // Back to what was revision 1, then to what was revision 2: each becomes the newest revision.
    for (const [target, expectRevision] of [[1, 4], [2, 5]] as const) {
      const sets = await rsOf(ns, 'undo');
      const rs = sets.find((r) => r.metadata!.annotations!['deployment.kubernetes.io/revision-history']?.split(',').includes(String(target)) || revisionOf(r) === target)!;
      const d = await getD(ns, 'undo');
      await client.deployments.patch(ns, 'undo', undoPatch(d, rs), 'json');
      const rolled = await rolledOut(ns, 'undo');
      await waitFor(`revision ${expectRevision}`, async () => revisionOf(await getD(ns, 'undo')) === expectRevision);
      const now = await rsOf(ns, 'undo');
      assert.equal(now.length, 3, 'no ReplicaSet was created');
      const active = now.filter((r) => (r.spec?.replicas ?? 0) > 0);
      assert.equal(active.length, 1);
      assert.equal(active[0].metadata!.name, rs.metadata!.name, 'the old ReplicaSet was reused');
      assert.equal(revisionOf(active[0]), expectRevision);
      assert.equal(rolled.spec!.template!.spec!.containers[0].image, byName.get(rs.metadata!.name!));
    }
  });

  it('pauses (scaling still applies, no rollout) and resumes', async () => {
    const ns = await newNamespace();
    await kubelet(ns);
    await client.deployments.create(ns, deployment('pause', { replicas: 2 }));
    await rolledOut(ns, 'pause');
    await client.deployments.patch(ns, 'pause', { spec: { paused: true } }, 'strategic');
    await setImage(ns, 'pause', 'nginx:1.27');
    await client.deployments.patch(ns, 'pause', { spec: { replicas: 4 } }, 'merge');
    const paused = await waitFor('paused condition and scale observed', async () => {
      const d = await getD(ns, 'pause');
      const c = d.status?.conditions?.find((x) => x.type === 'Progressing');
      return d.status?.observedGeneration === d.metadata?.generation && c?.reason === 'DeploymentPaused' && c.status === 'Unknown' && d;
    });
    await waitFor('the old ReplicaSet scaled to 4', async () => {
      const sets = await rsOf(ns, 'pause');
      return sets.length === 1 && sets[0].spec?.replicas === 4 && sets[0].status?.availableReplicas === 4;
    });
    assert.equal(rolloutStatus(await getD(ns, 'pause')), undefined, 'rollout status still waits while paused');
    assert.equal(revisionOf(paused), 1);

    const seen = new Set<string>();
    const watch = new StateRecorder<Deployment>(client, 'deployments', 'apps', ns, (all) => {
      for (const d of all) for (const c of d.status?.conditions ?? []) if (c.type === 'Progressing') seen.add(c.reason!);
      return undefined;
    });
    await watch.start();
    cleanups.push(() => watch.stop());
    await client.deployments.patch(ns, 'pause', { spec: { paused: null } }, 'strategic');
    const d = await rolledOut(ns, 'pause');
    assert.equal(revisionOf(d), 2);
    assert.ok(seen.has('DeploymentResumed'), `saw ${[...seen].join(', ')}`);
    const sets = await rsOf(ns, 'pause');
    assert.deepEqual(sets.map((r) => r.spec!.replicas), [0, 4]);
  });

  it('rolls out a new ReplicaSet on kubectl rollout restart', async () => {
    const ns = await newNamespace();
    await kubelet(ns);
    await client.deployments.create(ns, deployment('restart', { replicas: 2 }));
    await rolledOut(ns, 'restart');
    const restartedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await client.deployments.patch(ns, 'restart', { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } } }, 'strategic');
    await waitFor('a second ReplicaSet', async () => (await rsOf(ns, 'restart')).length === 2);
    await rolledOut(ns, 'restart');
    const sets = await rsOf(ns, 'restart');
    assert.deepEqual(sets.map((r) => r.spec!.replicas), [0, 2]);
    assert.equal(sets[1].spec!.template!.metadata!.annotations!['kubectl.kubernetes.io/restartedAt'], restartedAt);
    assert.notEqual(sets[0].metadata!.labels![HASH], sets[1].metadata!.labels![HASH]);
  });

  it('reports ProgressDeadlineExceeded when new pods never become ready', async () => {
    const ns = await newNamespace();
    // Only the first template's pods ever become ready.
    await kubelet(ns, { ready: (p) => p.spec?.containers?.[0]?.image === 'nginx:1.26' });
    await client.deployments.create(ns, deployment('stuck', { replicas: 2, progressDeadlineSeconds: 2 }));
    await rolledOut(ns, 'stuck');
    await setImage(ns, 'stuck', 'nginx:broken');
    const d = await waitFor('ProgressDeadlineExceeded', async () => {
      const x = await getD(ns, 'stuck');
      const c = x.status?.conditions?.find((k) => k.type === 'Progressing');
      return c?.status === 'False' && c.reason === 'ProgressDeadlineExceeded' && x;
    }, 20_000);
    assert.equal(rolloutStatus(d), 'timed out');
    const c = d.status!.conditions!.find((k) => k.type === 'Progressing')!;
    assert.match(c.message!, /^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
    // The old pods still serve: availability was kept.
    assert.equal(d.status!.conditions!.find((k) => k.type === 'Available')!.status, 'True');
  });

  it('keeps revisionHistoryLimit old ReplicaSets', async () => {
    const ns = await newNamespace();
    await kubelet(ns);
    await client.deployments.create(ns, deployment('history', { replicas: 1, revisionHistoryLimit: 1 }));
    await rolledOut(ns, 'history');
    for (const image of ['nginx:1.27', 'nginx:1.28', 'nginx:1.29']) {
      await setImage(ns, 'history', image);
      await rolledOut(ns, 'history');
    }
    const sets = await waitFor('two ReplicaSets left', async () => {
      const r = await rsOf(ns, 'history');
      return r.length === 2 && r;
    });
    assert.deepEqual(sets.map(revisionOf), [3, 4]);
    assert.deepEqual(sets.map((r) => r.spec!.replicas), [0, 1]);
  });

  it('scales ReplicaSets in proportion when replicas change mid-rollout', async () => {
    const ns = await newNamespace();
    await kubelet(ns, { ready: (p) => p.spec?.containers?.[0]?.image === 'nginx:1.26' });
    await client.deployments.create(ns, deployment('prop', { replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
    await rolledOut(ns, 'prop');
    await setImage(ns, 'prop', 'nginx:never-ready');
    // Stuck: the old ReplicaSet keeps the 8 available, the new one fills the surge.
    await waitFor('old 8, new 5', async () => {
      const sets = await rsOf(ns, 'prop');
      return sets.length === 2 && sets[0].spec?.replicas === 8 && sets[1].spec?.replicas === 5 && sets[0].status?.replicas === 8 && sets[1].status?.replicas === 5;
    });
    // 20 replicas + 3 surge = 23, shared as 8·23/13 ≈ 14 old and 5·23/13 ≈ 9 new.
    await client.deployments.patch(ns, 'prop', { spec: { replicas: 20 } }, 'merge');
    const sets = await waitFor('old 14, new 9', async () => {
      const r = await rsOf(ns, 'prop');
      if (r.length === 2 && r[0].spec?.replicas === 14 && r[1].spec?.replicas === 9) return r;
      throw new Error(JSON.stringify(r.map((x) => [x.spec?.replicas, x.status?.replicas, x.metadata?.annotations])));
    });
    for (const r of sets) {
      assert.equal(r.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '20');
      assert.equal(r.metadata!.annotations!['deployment.kubernetes.io/max-replicas'], '23');
    }
  });

  it('adopts a matching orphan ReplicaSet and uses it when its template is the Deployment\'s', async () => {
    const ns = await newNamespace();
    await kubelet(ns);
    const d = deployment('adopt', { replicas: 2 });
    const legacy = await client.replicaSets.create(ns, { metadata: { name: 'legacy', labels: { app: 'adopt' } }, spec: { replicas: 2, selector: d.spec!.selector, template: d.spec!.template } });
    const created = await client.deployments.create(ns, d);
    await rolledOut(ns, 'adopt');
    const sets = await rsOf(ns, 'adopt');
    assert.deepEqual(sets.map((r) => r.metadata!.name), ['legacy'], 'no ReplicaSet was created');
    assert.equal(sets[0].metadata!.uid, legacy.metadata!.uid);
    assert.equal(sets[0].metadata!.ownerReferences?.[0]?.uid, created.metadata!.uid);
    assert.equal(revisionOf(sets[0]), 1);
  });

  it('creates the 1,000 pods of a 1,000-replica Deployment quickly, and makes it Available', async (t) => {
    const ns = await newNamespace();
    const start = Date.now();
    let allCreatedAt = 0;
    const pods = new StateRecorder<Pod>(client, 'pods', '', ns, (all) => {
      if (!allCreatedAt && all.length >= 1000) allCreatedAt = Date.now();
      return all.length > 1000 ? `${all.length} pods` : undefined;
    });
    await pods.start();
    cleanups.push(() => pods.stop());
    await client.deployments.create(ns, deployment('big', { replicas: 1000 }));
    await waitFor('1000 pods', () => allCreatedAt > 0, 60_000);
    const createdMs = allCreatedAt - start;
    t.diagnostic(`1000 pods created in ${createdMs} ms`);
    // Readiness, as fake nodes would report it.
    await kubelet(ns);
    await rolledOut(ns, 'big', 60_000);
    t.diagnostic(`1000 replicas available in ${Date.now() - start} ms (including the test kubelet's 1000 status writes)`);
    assert.deepEqual(pods.violations, []);
    assert.ok(createdMs < 30_000, `created in ${createdMs} ms`);
  });
});

/** The JSON patch `kubectl rollout undo --to-revision` sends (KUBECTL.md §9). */
function undoPatch(d: Deployment, rs: ReplicaSet): unknown[] {
  const template = structuredClone(rs.spec!.template!);
  delete template.metadata!.labels![HASH];
  const skip = ['kubectl.kubernetes.io/last-applied-configuration', REVISION, 'deployment.kubernetes.io/revision-history', 'deployment.kubernetes.io/desired-replicas', 'deployment.kubernetes.io/max-replicas', 'deprecated.deployment.rollback.to'];
  const annotations: Record<string, string> = {};
  for (const k of skip) if (d.metadata?.annotations?.[k] !== undefined) annotations[k] = d.metadata.annotations[k];
  for (const [k, v] of Object.entries(rs.metadata?.annotations ?? {})) if (!skip.includes(k)) annotations[k] = v;
  return [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ];
}
