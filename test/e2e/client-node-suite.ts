/**
 * The official @kubernetes/client-node 1.x against the real `orch server`, on each storage
 * backend: typed APIs (CoreV1, AppsV1), the dynamic KubernetesObjectApi, Watch, the
 * informer, health checks, and the 410 path of a watch from a compacted resourceVersion.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  Health,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
  makeInformer,
  setHeaderOptions,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { openStore } from '../../src/storage/index.js';
import { startEtcd, type EtcdServer } from '../support/etcd.js';
import type { OrchServer } from '../support/orch-process.js';
import { restartServer, startServer, waitFor, within } from '../support/load.js';

const NS = 'client-node';
// Every step is bounded: a server that stops answering fails the test, and `after` still cleans up.
const BOUNDED = { timeout: 90_000 };

/** The status code of a failed client-node call (ApiException), or a failure if it did not fail. */
async function failureOf(p: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiException, `expected an ApiException, got ${String(err)}`);
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    return { code: err.code, body };
  }
  assert.fail('the call succeeded but should have failed');
}

/** GET a non-resource path with the kubeconfig's credentials. */
async function getText(kc: KubeConfig, path: string): Promise<{ status: number; body: string }> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    https
      .get(new URL(path, kc.getCurrentCluster()!.server), opts, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Open pod watches as the server counts them (its apiserver_registered_watchers gauge). */
async function podWatchers(kc: KubeConfig): Promise<number> {
  const r = await getText(kc, '/metrics');
  const m = /^apiserver_registered_watchers\{resource="pods"\} (\d+)/m.exec(r.body);
  return m ? Number(m[1]) : 0;
}

const rvOf = (o: KubernetesObject | undefined): number => Number(o?.metadata?.resourceVersion);

function pod(name: string, labels: Record<string, string>): V1Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] } };
}

interface Seen {
  type: string;
  obj: any;
}

/** Starts a client-node Watch and records what it sees and how it ends. */
async function startWatch(kc: KubeConfig, path: string, query: Record<string, string>) {
  const events: Seen[] = [];
  let doneErr: unknown = undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, obj) => events.push({ type, obj }),
    (err) => {
      doneErr = err;
      resolveDone();
    },
  );
  return {
    events,
    done,
    doneError: () => doneErr,
    // An ERROR event ends the watch: fail at once instead of waiting out the timeout.
    waitForEvents: (n: number) =>
      waitFor(
        () => {
          const error = events.find((e) => e.type === 'ERROR');
          if (error && events.length < n) throw new Error(`the server ended the watch on ${path}: ${JSON.stringify(error.obj)}`);
          return events.length >= n;
        },
        15_000,
        () => `${n} events from ${path}; got ${events.map((e) => `${e.type} ${e.obj?.metadata?.name}`).join(', ')}`,
      ),
    abort: () => controller.abort(),
  };
}

export function clientNodeSuite(backend: 'sqlite' | 'etcd'): void {
  describe(`@kubernetes/client-node against orch server on ${backend}`, () => {
    let s: OrchServer | undefined;
    let etcd: EtcdServer | undefined;
    let kc: KubeConfig;
    let core: CoreV1Api;
    let apps: AppsV1Api;
    let objects: KubernetesObjectApi;

    // The kubeconfig names a new port after every restart; clients are rebuilt from it.
    const connect = () => {
      kc = new KubeConfig();
      kc.loadFromFile(s!.kubeconfig);
      core = kc.makeApiClient(CoreV1Api);
      apps = kc.makeApiClient(AppsV1Api);
      objects = KubernetesObjectApi.makeApiClient(kc);
    };

    before(async () => {
      // The etcd is ours (not the harness's): the compaction test reaches it directly, and it
      // is stopped below even if the server never starts.
      if (backend === 'etcd') etcd = await startEtcd();
      s = await startServer({ backend, etcd });
      connect();
    }, BOUNDED);
    after(async () => {
      // cleanup() stops the server by PID and removes its data dir; then etcd goes (by PID).
      await s?.cleanup();
      await etcd?.stop();
    }, BOUNDED);

    it('creates and reads a namespace with CoreV1Api', BOUNDED, async () => {
      const created = await core.createNamespace({ body: { metadata: { name: NS, labels: { suite: 'client-node' } } } });
      assert.equal(created.metadata?.name, NS);
      assert.ok(rvOf(created) > 0, 'a created namespace carries a resourceVersion');
      const read = await core.readNamespace({ name: NS });
      assert.equal(read.metadata?.uid, created.metadata?.uid);
      assert.equal(read.status?.phase, 'Active');
      const dup = await failureOf(core.createNamespace({ body: { metadata: { name: NS } } }));
      assert.equal(dup.code, 409);
      assert.equal(dup.body.reason, 'AlreadyExists');
    });

    it('creates, reads and lists ConfigMaps and Pods, with and without a label selector', BOUNDED, async () => {
      for (const [name, tier] of [
        ['cm-a', 'front'],
        ['cm-b', 'back'],
        ['cm-c', 'front'],
      ])
        await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name, labels: { tier } }, data: { name } } });
      const a = await core.readNamespacedConfigMap({ namespace: NS, name: 'cm-a' });
      assert.deepEqual(a.data, { name: 'cm-a' });
      assert.equal(a.kind, 'ConfigMap');

      const all = await core.listNamespacedConfigMap({ namespace: NS });
      assert.deepEqual(all.items.map((c) => c.metadata?.name).sort(), ['cm-a', 'cm-b', 'cm-c']);
      assert.ok(Number(all.metadata?.resourceVersion) >= Math.max(...all.items.map(rvOf)), 'the list resourceVersion covers its items');
      const front = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'tier=front' });
      assert.deepEqual(front.items.map((c) => c.metadata?.name).sort(), ['cm-a', 'cm-c']);
      const notFront = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'tier!=front' });
      assert.deepEqual(notFront.items.map((c) => c.metadata?.name), ['cm-b']);

      const p = await core.createNamespacedPod({ namespace: NS, body: pod('pod-a', { app: 'a' }) });
      assert.equal(p.metadata?.namespace, NS);
      assert.equal(p.status?.phase, 'Pending');
      await core.createNamespacedPod({ namespace: NS, body: pod('pod-b', { app: 'b' }) });
      const readPod = await core.readNamespacedPod({ namespace: NS, name: 'pod-a' });
      assert.equal(readPod.spec?.containers[0].image, 'registry.k8s.io/pause:3.10');
      const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app in (a,b)' });
      assert.deepEqual(pods.items.map((x) => x.metadata?.name).sort(), ['pod-a', 'pod-b']);
      const onlyB = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=b' });
      assert.deepEqual(onlyB.items.map((x) => x.metadata?.name), ['pod-b']);
      const missing = await failureOf(core.readNamespacedPod({ namespace: NS, name: 'nope' }));
      assert.equal(missing.code, 404);
      assert.equal(missing.body.reason, 'NotFound');
    });

    it('patches with json-patch by default and with merge patch through setHeaderOptions', BOUNDED, async () => {
      const before = await core.readNamespacedConfigMap({ namespace: NS, name: 'cm-a' });
      // No options: the generated client sends application/json-patch+json.
      const jp = await core.patchNamespacedConfigMap({
        namespace: NS,
        name: 'cm-a',
        body: [
          { op: 'replace', path: '/data/name', value: 'patched' },
          { op: 'add', path: '/data/extra', value: '1' },
        ],
      });
      assert.deepEqual(jp.data, { name: 'patched', extra: '1' });
      assert.ok(rvOf(jp) > rvOf(before));
      const mp = await core.patchNamespacedConfigMap(
        { namespace: NS, name: 'cm-a', body: { metadata: { labels: { merged: 'yes' } }, data: { extra: null, more: '2' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      assert.deepEqual(mp.data, { name: 'patched', more: '2' }, 'a null in a merge patch removes the key');
      assert.deepEqual(mp.metadata?.labels, { tier: 'front', merged: 'yes' });
      assert.ok(rvOf(mp) > rvOf(jp));
      // A json-patch "test" that fails leaves the object alone.
      const failed = await failureOf(core.patchNamespacedConfigMap({ namespace: NS, name: 'cm-a', body: [{ op: 'test', path: '/data/more', value: 'other' }] }));
      assert.ok([409, 422].includes(failed.code), `a failed json-patch test gives 409/422, got ${failed.code}`);
      assert.equal(rvOf(await core.readNamespacedConfigMap({ namespace: NS, name: 'cm-a' })), rvOf(mp));
    });

    it('replaces (a stale resourceVersion is a 409) and deletes (then 404)', BOUNDED, async () => {
      const cur = await core.readNamespacedConfigMap({ namespace: NS, name: 'cm-b' });
      const replaced = await core.replaceNamespacedConfigMap({ namespace: NS, name: 'cm-b', body: { ...cur, data: { replaced: 'true' } } });
      assert.deepEqual(replaced.data, { replaced: 'true' });
      assert.ok(rvOf(replaced) > rvOf(cur));
      const stale = await failureOf(core.replaceNamespacedConfigMap({ namespace: NS, name: 'cm-b', body: { ...cur, data: { lost: 'update' } } }));
      assert.equal(stale.code, 409);
      assert.equal(stale.body.reason, 'Conflict');
      assert.deepEqual((await core.readNamespacedConfigMap({ namespace: NS, name: 'cm-b' })).data, { replaced: 'true' });

      await core.deleteNamespacedConfigMap({ namespace: NS, name: 'cm-b' });
      assert.equal((await failureOf(core.readNamespacedConfigMap({ namespace: NS, name: 'cm-b' }))).code, 404);
      assert.equal((await failureOf(core.deleteNamespacedConfigMap({ namespace: NS, name: 'cm-b' }))).code, 404);
      await core.deleteNamespacedPod({ namespace: NS, name: 'pod-b' });
      const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app in (a,b)' });
      assert.deepEqual(pods.items.map((x) => x.metadata?.name), ['pod-a'], 'an unscheduled pod is deleted at once');
    });

    it('creates, reads, scales (scale subresource) and lists Deployments with AppsV1Api', BOUNDED, async () => {
      const body: V1Deployment = {
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'sidecar', image: 'busybox:1.36' }] } },
        },
      };
      const created = await apps.createNamespacedDeployment({ namespace: NS, body });
      assert.equal(created.metadata?.generation, 1);
      assert.equal(created.spec?.strategy?.type, 'RollingUpdate', 'defaults are applied');
      const read = await apps.readNamespacedDeployment({ namespace: NS, name: 'web' });
      assert.equal(read.spec?.replicas, 1);

      // Default content type for the generated patch is json-patch, also on the scale subresource.
      const s1 = await apps.patchNamespacedDeploymentScale({ namespace: NS, name: 'web', body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] });
      assert.equal(s1.kind, 'Scale');
      assert.equal(s1.spec?.replicas, 3);
      assert.equal(s1.status?.selector, 'app=web');
      // What `kubectl scale` sends: a merge patch of the Scale.
      const s2 = await apps.patchNamespacedDeploymentScale(
        { namespace: NS, name: 'web', body: { spec: { replicas: 5 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      assert.equal(s2.spec?.replicas, 5);
      const scaled = await apps.readNamespacedDeployment({ namespace: NS, name: 'web' });
      assert.equal(scaled.spec?.replicas, 5);
      assert.equal(scaled.metadata?.generation, 3, 'each replica change is a spec change');
      assert.equal((await apps.readNamespacedDeploymentScale({ namespace: NS, name: 'web' })).spec?.replicas, 5);

      const list = await apps.listNamespacedDeployment({ namespace: NS });
      assert.deepEqual(list.items.map((d) => d.metadata?.name), ['web']);
      const everywhere = await apps.listDeploymentForAllNamespaces({ labelSelector: 'app=web' });
      assert.ok(everywhere.items.some((d) => d.metadata?.namespace === NS && d.metadata?.name === 'web'));
    });

    it('creates, reads, strategic-merge-patches and server-side-applies with KubernetesObjectApi', BOUNDED, async () => {
      const spec = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dyn', namespace: NS }, data: { a: '1' } };
      const created = await objects.create(spec);
      assert.equal(created.metadata?.name, 'dyn');
      const read = await objects.read<V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dyn', namespace: NS } });
      assert.deepEqual(read.data, { a: '1' });

      // Strategic merge (the default here): containers merge by name, so the sidecar stays.
      const partial: KubernetesObject & { spec: unknown } = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: NS },
        spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } },
      };
      const patched = (await objects.patch(partial)) as V1Deployment;
      const containers = patched.spec?.template.spec?.containers ?? [];
      assert.deepEqual(
        containers.map((c) => `${c.name}=${c.image}`),
        ['web=nginx:1.28', 'sidecar=busybox:1.36'],
      );

      // Server-side apply of an object that does not exist creates it.
      const applied = await objects.patch<V1ConfigMap>(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: NS, labels: { via: 'ssa' } }, data: { k: 'v1' } },
        undefined,
        undefined,
        'e2e-client-node',
        true,
        PatchStrategy.ServerSideApply,
      );
      assert.deepEqual(applied.data, { k: 'v1' });
      assert.ok(applied.metadata?.uid, 'apply created a real object');
      const reapplied = await objects.patch<V1ConfigMap>(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: NS, labels: { via: 'ssa' } }, data: { k: 'v2' } },
        undefined,
        undefined,
        'e2e-client-node',
        true,
        PatchStrategy.ServerSideApply,
      );
      assert.equal(reapplied.metadata?.uid, applied.metadata?.uid);
      assert.deepEqual(reapplied.data, { k: 'v2' });
      assert.ok(rvOf(reapplied) > rvOf(applied));
      const fetched = await core.readNamespacedConfigMap({ namespace: NS, name: 'applied' });
      assert.deepEqual(fetched.metadata?.labels, { via: 'ssa' });
      const listed = await objects.list<V1ConfigMap>('v1', 'ConfigMap', NS);
      assert.ok(listed.items.some((c) => c.metadata?.name === 'applied'));
    });

    it('watches ConfigMaps from a list resourceVersion: ADDED, MODIFIED, DELETED with their objects', BOUNDED, async () => {
      const list = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'watched=yes' });
      assert.equal(list.items.length, 0);
      const listRv = Number(list.metadata?.resourceVersion);
      const w = await startWatch(kc, `/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: String(listRv), labelSelector: 'watched=yes' });
      try {
        const created = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'watched', labels: { watched: 'yes' } }, data: { step: '1' } } });
        // Not matching the selector: must not show up.
        await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'unwatched', labels: { watched: 'no' } }, data: {} } });
        const modified = await core.patchNamespacedConfigMap(
          { namespace: NS, name: 'watched', body: { data: { step: '2' } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        await core.deleteNamespacedConfigMap({ namespace: NS, name: 'watched' });
        await w.waitForEvents(3);
        const [added, mod, del] = w.events;
        assert.deepEqual(
          w.events.map((e) => `${e.type} ${e.obj.metadata.name}`),
          ['ADDED watched', 'MODIFIED watched', 'DELETED watched'],
        );
        assert.equal(added.obj.metadata.resourceVersion, created.metadata?.resourceVersion);
        assert.deepEqual(added.obj.data, { step: '1' });
        assert.equal(added.obj.kind, 'ConfigMap');
        assert.equal(mod.obj.metadata.resourceVersion, modified.metadata?.resourceVersion);
        assert.deepEqual(mod.obj.data, { step: '2' });
        assert.equal(del.obj.metadata.uid, created.metadata?.uid);
        assert.deepEqual(del.obj.data, { step: '2' }, 'DELETED carries the last state');
        assert.ok(rvOf(del.obj) > rvOf(mod.obj), 'DELETED carries the revision of the deletion');
        assert.ok(listRv < rvOf(added.obj), 'nothing at or before the list revision is replayed');
        const after = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'watched=yes' });
        assert.ok(Number(after.metadata?.resourceVersion) >= rvOf(del.obj));
      } finally {
        w.abort();
        await within(w.done, 10_000, 'the aborted watch');
      }
    });

    it('runs an informer on pods: add/update/delete callbacks and a cache that tracks the state', BOUNDED, async () => {
      const selector = 'informed=yes';
      await core.createNamespacedPod({ namespace: NS, body: pod('inf-0', { informed: 'yes' }) });
      const informer = makeInformer<V1Pod>(kc, `/api/v1/namespaces/${NS}/pods`, () => core.listNamespacedPod({ namespace: NS, labelSelector: selector }), selector);
      const seen: string[] = [];
      const errors: unknown[] = [];
      informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
      informer.on('update', (p) => seen.push(`update ${p.metadata?.name} ${p.metadata?.labels?.step ?? ''}`));
      informer.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
      informer.on('error', (err) => errors.push(err));
      const names = () => informer.list(NS).map((p) => p.metadata?.name).sort().join(',');
      // The control plane (scheduler, controllers) watches pods too: count relative to it,
      // once its watches have settled (it starts after the server reports ready).
      let othersWatching = -1;
      await waitFor(
        async () => {
          const a = await podWatchers(kc);
          await new Promise((r) => setTimeout(r, 300));
          othersWatching = await podWatchers(kc);
          return a === othersWatching;
        },
        10_000,
        () => 'a steady count of pod watches',
      );
      try {
        await within(informer.start(), 15_000, 'informer start');
        // The scheduler may touch a pod at any time (status), so updates are not counted here.
        assert.deepEqual(seen.filter((x) => !x.startsWith('update')), ['add inf-0'], 'the initial list is reported as adds');
        assert.equal(names(), 'inf-0');
        await waitFor(async () => (await podWatchers(kc)) === othersWatching + 1, 10_000, () => 'the server to count the informer\'s pod watch');

        await core.createNamespacedPod({ namespace: NS, body: pod('inf-1', { informed: 'yes' }) });
        await core.createNamespacedPod({ namespace: NS, body: pod('inf-2', { informed: 'yes' }) });
        await core.createNamespacedPod({ namespace: NS, body: pod('not-informed', { informed: 'no' }) });
        await waitFor(() => names() === 'inf-0,inf-1,inf-2', 15_000, () => `cache inf-0,inf-1,inf-2; has ${names()}; saw ${seen.join('; ')}`);
        assert.ok(seen.includes('add inf-1') && seen.includes('add inf-2'));

        const patched = await core.patchNamespacedPod(
          { namespace: NS, name: 'inf-1', body: { metadata: { labels: { step: 'two' } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        await waitFor(() => informer.get('inf-1', NS)?.metadata?.resourceVersion === patched.metadata?.resourceVersion, 15_000, () => `the cached inf-1 at rv ${patched.metadata?.resourceVersion}; saw ${seen.join('; ')}`);
        assert.ok(seen.includes('update inf-1 two'));
        assert.equal(informer.get('inf-1', NS)?.metadata?.labels?.step, 'two');

        await core.deleteNamespacedPod({ namespace: NS, name: 'inf-0' });
        await core.deleteNamespacedPod({ namespace: NS, name: 'inf-2' });
        await waitFor(() => names() === 'inf-1', 15_000, () => `cache inf-1 only; has ${names()}; saw ${seen.join('; ')}`);
        assert.ok(seen.includes('delete inf-0') && seen.includes('delete inf-2'));
        assert.ok(!seen.some((x) => x.includes('not-informed')), 'the label selector applies to the watch too');
        assert.deepEqual(errors, []);
        // The cache converges on exactly what a fresh list says (names and versions).
        const listed = async () => (await core.listNamespacedPod({ namespace: NS, labelSelector: selector })).items.map((p) => `${p.metadata?.name}@${p.metadata?.resourceVersion}`).join(',');
        const cached = () => informer.list(NS).map((p) => `${p.metadata?.name}@${p.metadata?.resourceVersion}`).sort().join(',');
        await waitFor(async () => (await listed()) === cached(), 10_000, () => `the cache (${cached()}) to equal a fresh list`);
      } finally {
        await informer.stop();
      }
      // Stopped means stopped: the server sees the watch go, and later changes reach no callback.
      await waitFor(async () => (await podWatchers(kc)) === othersWatching, 10_000, () => 'the server to drop the informer\'s pod watch');
      const count = seen.length;
      await core.deleteNamespacedPod({ namespace: NS, name: 'inf-1' });
      await core.createNamespacedPod({ namespace: NS, body: pod('inf-late', { informed: 'yes' }) });
      assert.equal(seen.length, count, `no callbacks after stop(); saw ${seen.slice(count).join('; ')}`);
      assert.equal(informer.list(NS).length, 1);
    });

    it('answers /readyz and /livez through client-node Health and plain HTTPS with the cluster CA', BOUNDED, async () => {
      const health = new Health(kc);
      assert.equal(await health.readyz({}), true);
      assert.equal(await health.livez({}), true);
      const cluster = kc.getCurrentCluster()!;
      const ca = Buffer.from(cluster.caData!, 'base64');
      for (const path of ['/readyz', '/livez', '/healthz', '/readyz?verbose']) {
        const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          https
            .get(new URL(path, cluster.server), { ca }, (res) => {
              let body = '';
              res.on('data', (d) => (body += d));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
            })
            .on('error', reject);
        });
        assert.equal(r.status, 200, `${path} without credentials: ${r.status} ${r.body}`);
        assert.match(r.body, /ok|passed/);
      }
    });

    it('ends a watch from a compacted resourceVersion with ERROR 410 Expired, and a relist recovers', BOUNDED, async () => {
      const first = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'old-1', labels: { compaction: 'yes' } }, data: { n: '1' } } });
      const second = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'old-2', labels: { compaction: 'yes' } }, data: { n: '2' } } });
      const third = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'old-3', labels: { compaction: 'yes' } }, data: { n: '3' } } });
      const oldRv = rvOf(first);
      const compactTo = rvOf(second);
      // Before compaction the old revision is still readable.
      const exactBefore = await core.listNamespacedConfigMap({ namespace: NS, resourceVersion: String(oldRv), resourceVersionMatch: 'Exact', labelSelector: 'compaction=yes' });
      assert.deepEqual(exactBefore.items.map((c) => c.metadata?.name), ['old-1']);

      // No API compacts on demand (the server's compactor keeps the newest 5000 revisions, once a
      // minute), so the store is compacted the way that compactor does it, while the server is down.
      await s!.stop();
      const store = await openStore({ dataDir: s!.dataDir, datastoreEndpoint: etcd?.endpoint, compaction: false });
      try {
        await store.compact(compactTo);
        assert.equal(await store.compactedRevision(), compactTo);
      } finally {
        await store.close();
      }
      s = await restartServer(s!, { backend, etcd });
      connect();

      const gone = await failureOf(core.listNamespacedConfigMap({ namespace: NS, resourceVersion: String(oldRv), resourceVersionMatch: 'Exact' }));
      assert.equal(gone.code, 410, `an exact list at a compacted revision is 410: ${JSON.stringify(gone.body)}`);
      assert.equal(gone.body.reason, 'Expired');

      const w = await startWatch(kc, `/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: String(oldRv) });
      await within(w.done, 15_000, 'the watch from a compacted revision to end');
      assert.equal(w.doneError(), null, 'the stream opens (200) and ends normally after the ERROR event');
      assert.equal(w.events.length, 1, `only an ERROR event: ${JSON.stringify(w.events)}`);
      assert.equal(w.events[0].type, 'ERROR');
      assert.equal(w.events[0].obj.code, 410);
      assert.equal(w.events[0].obj.reason, 'Expired');
      assert.equal(w.events[0].obj.kind, 'Status');

      // The compaction point itself is still a valid place to resume from.
      const atPoint = await startWatch(kc, `/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: String(compactTo), labelSelector: 'compaction=yes' });
      try {
        await atPoint.waitForEvents(1);
        assert.deepEqual(atPoint.events.map((e) => `${e.type} ${e.obj.metadata.name} ${e.obj.metadata.resourceVersion}`), [`ADDED old-3 ${third.metadata?.resourceVersion}`]);
      } finally {
        atPoint.abort();
        await within(atPoint.done, 10_000, 'the aborted watch');
      }

      // What ListWatch does on 410: list again and watch from the new list's revision.
      const relist = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'compaction=yes' });
      assert.deepEqual(relist.items.map((c) => c.metadata?.name), ['old-1', 'old-2', 'old-3']);
      const w2 = await startWatch(kc, `/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: relist.metadata!.resourceVersion!, labelSelector: 'compaction=yes' });
      try {
        const fresh = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'new-4', labels: { compaction: 'yes' } }, data: { n: '4' } } });
        await w2.waitForEvents(1);
        assert.deepEqual(w2.events.map((e) => `${e.type} ${e.obj.metadata.name} ${e.obj.metadata.resourceVersion}`), [`ADDED new-4 ${fresh.metadata?.resourceVersion}`]);
      } finally {
        w2.abort();
        await within(w2.done, 10_000, 'the aborted watch');
      }
    });
  });
}
