/**
 * The API server's behaviour over real HTTPS, run against each storage backend
 * (sqlite.test.ts, etcd.test.ts) so the backends cannot drift.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type Backend, type TestServer } from '../support/api-server.js';

const pod = (name: string, labels: Record<string, string> = { app: 'web' }, extra: any = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'orch.local/busybox:1' }], ...extra },
});

const deployment = (name: string, replicas = 2) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
  },
});

export function apiSuite(backend: Backend): void {
  describe(`API server on ${backend}`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(backend);
    });
    after(async () => {
      await s.cleanup();
    });
    const c = () => s.client;

    it('refuses requests without credentials with 401 but serves /healthz and /version', async () => {
      const anon = new (c().constructor as any)(s.api.url, s.api.caPem);
      const r = await anon.get('/api/v1/pods');
      assert.equal(r.status, 401);
      assert.equal(r.body.reason, 'Unauthorized');
      assert.equal((await anon.get('/healthz')).status, 200);
      assert.equal((await anon.get('/version')).body.major, '1');
      anon.close();
    });

    it('bootstraps the system namespaces and the kubernetes service', async () => {
      const r = await c().get('/api/v1/namespaces');
      const names = r.body.items.map((n: any) => n.metadata.name);
      for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(names.includes(n), `missing namespace ${n}`);
      const svc = await c().get('/api/v1/namespaces/default/services/kubernetes');
      assert.equal(svc.body.spec.clusterIP, '10.96.0.1');
    });

    it('creates, gets and lists pods with server-set metadata and defaults', async () => {
      const r = await c().post('/api/v1/namespaces/default/pods', pod('p1'));
      assert.equal(r.status, 201, r.text);
      const m = r.body.metadata;
      assert.match(m.uid, /^[0-9a-f-]{36}$/);
      assert.match(m.resourceVersion, /^\d+$/);
      assert.match(m.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(r.body.spec.restartPolicy, 'Always');
      assert.equal(r.body.status.phase, 'Pending');
      assert.equal(r.body.status.qosClass, 'BestEffort');
      const g = await c().get('/api/v1/namespaces/default/pods/p1');
      assert.equal(g.status, 200);
      assert.equal(g.body.metadata.uid, m.uid);
      const l = await c().get('/api/v1/namespaces/default/pods');
      assert.equal(l.body.kind, 'PodList');
      assert.ok(Number(l.body.metadata.resourceVersion) >= Number(m.resourceVersion));
      assert.ok(l.body.items.some((p: any) => p.metadata.name === 'p1'));
    });

    it('answers a duplicate create with 409 AlreadyExists and a missing object with 404', async () => {
      await c().post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'dup' }, data: { a: '1' } });
      const r = await c().post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'dup' }, data: { a: '1' } });
      assert.equal(r.status, 409);
      assert.equal(r.body.reason, 'AlreadyExists');
      assert.equal(r.body.message, 'configmaps "dup" already exists');
      const g = await c().get('/api/v1/namespaces/default/configmaps/nope');
      assert.equal(g.status, 404);
      assert.equal(g.body.message, 'configmaps "nope" not found');
    });

    it('fills generateName with a random suffix', async () => {
      const r = await c().post('/api/v1/namespaces/default/configmaps', { metadata: { generateName: 'gen-' } });
      assert.equal(r.status, 201, r.text);
      assert.match(r.body.metadata.name, /^gen-[a-z0-9]{5}$/);
    });

    it('rejects objects in a namespace that does not exist', async () => {
      const r = await c().post('/api/v1/namespaces/nowhere/configmaps', { metadata: { name: 'x' } });
      assert.equal(r.status, 404);
      assert.equal(r.body.message, 'namespaces "nowhere" not found');
    });

    it('reports every validation error in one 422 with field causes', async () => {
      const bad = deployment('bad');
      bad.spec.replicas = -1;
      (bad.spec.template.metadata.labels as any) = { app: 'other' };
      const r = await c().post('/apis/apps/v1/namespaces/default/deployments', bad);
      assert.equal(r.status, 422, r.text);
      assert.equal(r.body.reason, 'Invalid');
      assert.equal(r.body.details.kind, 'Deployment');
      const fields = r.body.details.causes.map((x: any) => x.field);
      assert.ok(fields.includes('spec.replicas'), JSON.stringify(fields));
      assert.ok(fields.includes('spec.template.metadata.labels'), JSON.stringify(fields));
    });

    it('bumps generation on spec changes only and keeps status out of main-resource writes', async () => {
      const r = await c().post('/apis/apps/v1/namespaces/default/deployments', deployment('gen'));
      assert.equal(r.body.metadata.generation, 1);
      const st = await c().patch('/apis/apps/v1/namespaces/default/deployments/gen/status', { status: { replicas: 5, observedGeneration: 1 } }, 'application/merge-patch+json');
      assert.equal(st.status, 200, st.text);
      assert.equal(st.body.status.replicas, 5);
      assert.equal(st.body.metadata.generation, 1);
      const lab = await c().patch('/apis/apps/v1/namespaces/default/deployments/gen', { metadata: { labels: { x: 'y' } }, status: { replicas: 9 } }, 'application/merge-patch+json');
      assert.equal(lab.body.metadata.generation, 1);
      assert.equal(lab.body.status.replicas, 5, 'status changes through the main resource are ignored');
      const sp = await c().patch('/apis/apps/v1/namespaces/default/deployments/gen', { spec: { replicas: 3 } }, 'application/merge-patch+json');
      assert.equal(sp.body.metadata.generation, 2);
    });

    it('updates with the right resourceVersion and refuses a stale one with 409 Conflict', async () => {
      const r = await c().post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'cv' }, data: { a: '1' } });
      const stale = structuredClone(r.body);
      r.body.data.a = '2';
      const u = await c().put('/api/v1/namespaces/default/configmaps/cv', r.body);
      assert.equal(u.status, 200, u.text);
      stale.data.a = '3';
      const u2 = await c().put('/api/v1/namespaces/default/configmaps/cv', stale);
      assert.equal(u2.status, 409);
      assert.equal(u2.body.reason, 'Conflict');
      assert.match(u2.body.message, /the object has been modified/);
    });

    it('lets exactly one of two concurrent updates from the same resourceVersion win', async () => {
      const r = await c().post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'race' }, data: { v: '0' } });
      const tries = await Promise.all(
        ['a', 'b', 'c', 'd'].map((v) => c().put('/api/v1/namespaces/default/configmaps/race', { ...r.body, data: { v } })),
      );
      const codes = tries.map((t) => t.status).sort();
      assert.deepEqual(codes, [200, 409, 409, 409]);
    });

    it('applies merge, JSON and strategic merge patches', async () => {
      await c().post('/apis/apps/v1/namespaces/default/deployments', deployment('pt'));
      const smp = await c().patch(
        '/apis/apps/v1/namespaces/default/deployments/pt',
        { spec: { template: { spec: { containers: [{ name: 'side', image: 'busybox:1' }] } } } },
        'application/strategic-merge-patch+json',
      );
      assert.equal(smp.status, 200, smp.text);
      assert.deepEqual(smp.body.spec.template.spec.containers.map((x: any) => x.name).sort(), ['side', 'web']);
      const jp = await c().patch('/apis/apps/v1/namespaces/default/deployments/pt', [{ op: 'replace', path: '/spec/replicas', value: 4 }], 'application/json-patch+json');
      assert.equal(jp.body.spec.replicas, 4);
      const bad = await c().patch('/apis/apps/v1/namespaces/default/deployments/pt', [{ op: 'test', path: '/spec/replicas', value: 99 }], 'application/json-patch+json');
      assert.ok(bad.status === 422 || bad.status === 409 || bad.status === 400, bad.text);
      const ct = await c().patch('/apis/apps/v1/namespaces/default/deployments/pt', { spec: {} }, 'text/plain');
      assert.equal(ct.status, 415);
    });

    it('scales through the scale subresource', async () => {
      await c().post('/apis/apps/v1/namespaces/default/deployments', deployment('sc', 1));
      const g = await c().get('/apis/apps/v1/namespaces/default/deployments/sc/scale');
      assert.equal(g.body.kind, 'Scale');
      assert.equal(g.body.status.selector, 'app=sc');
      const p = await c().patch('/apis/apps/v1/namespaces/default/deployments/sc/scale', { spec: { replicas: 7 } }, 'application/merge-patch+json');
      assert.equal(p.status, 200, p.text);
      assert.equal(p.body.spec.replicas, 7);
      // kubectl scale --current-replicas sends the PUT without a Content-Type.
      const put = await c().request('PUT', '/apis/apps/v1/namespaces/default/deployments/sc/scale', JSON.stringify({ ...p.body, spec: { replicas: 2 } }), { 'Content-Type': '' });
      assert.equal(put.status, 200, put.text);
      assert.equal((await c().get('/apis/apps/v1/namespaces/default/deployments/sc')).body.spec.replicas, 2);
    });

    it('binds a pod to a node once', async () => {
      await c().post('/api/v1/namespaces/default/pods', pod('tobind'));
      const b = await c().post('/api/v1/namespaces/default/pods/tobind/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'tobind' }, target: { kind: 'Node', name: 'n1' } });
      assert.equal(b.status, 201, b.text);
      const p = await c().get('/api/v1/namespaces/default/pods/tobind');
      assert.equal(p.body.spec.nodeName, 'n1');
      const again = await c().post('/api/v1/namespaces/default/pods/tobind/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'tobind' }, target: { kind: 'Node', name: 'n2' } });
      assert.equal(again.status, 409);
    });

    it('filters lists by label and field selectors and pages with limit/continue', async () => {
      await c().post('/api/v1/namespaces', { metadata: { name: 'sel' } });
      for (let i = 0; i < 7; i++) await c().post('/api/v1/namespaces/sel/pods', pod(`s${i}`, { app: i % 2 ? 'odd' : 'even', tier: 'x' }));
      const odd = await c().get('/api/v1/namespaces/sel/pods?labelSelector=' + encodeURIComponent('app in (odd),tier'));
      assert.deepEqual(odd.body.items.map((p: any) => p.metadata.name), ['s1', 's3', 's5']);
      const f = await c().get('/api/v1/namespaces/sel/pods?fieldSelector=metadata.name%3Ds4');
      assert.deepEqual(f.body.items.map((p: any) => p.metadata.name), ['s4']);
      const badField = await c().get('/api/v1/namespaces/sel/pods?fieldSelector=spec.foo%3Dx');
      assert.equal(badField.status, 400);
      const names: string[] = [];
      let cont = '';
      for (;;) {
        const page = await c().get(`/api/v1/namespaces/sel/pods?limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
        names.push(...page.body.items.map((p: any) => p.metadata.name));
        cont = page.body.metadata.continue;
        if (!cont) break;
        // A write between pages must not change what the paged list sees.
        await c().post('/api/v1/namespaces/sel/pods', pod(`z${names.length}`));
      }
      assert.deepEqual(names, ['s0', 's1', 's2', 's3', 's4', 's5', 's6']);
    });

    it('serves Tables for kubectl get', async () => {
      const r = await c().get('/api/v1/namespaces/default/pods', { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
      assert.equal(r.body.kind, 'Table');
      assert.deepEqual(r.body.columnDefinitions.slice(0, 5).map((x: any) => x.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
      assert.ok(r.body.rows[0].object.metadata.name);
    });

    it('watches from a resourceVersion and delivers ADDED, MODIFIED and DELETED in order', async () => {
      const start = await c().get('/api/v1/namespaces/default/configmaps');
      const rv = start.body.metadata.resourceVersion;
      const watching = c().watch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, (ev) => ev.some((e) => e.type === 'DELETED'));
      await new Promise((r) => setTimeout(r, 100));
      await c().post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'w1' }, data: { a: '1' } });
      await c().patch('/api/v1/namespaces/default/configmaps/w1', { data: { a: '2' } }, 'application/merge-patch+json');
      await c().delete('/api/v1/namespaces/default/configmaps/w1');
      const events = await watching;
      assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
      const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
      assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2], `resourceVersions increase: ${rvs}`);
      // The same events again from the same starting point: a resumed watch sees them too.
      const replay = await c().watch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, (ev) => ev.length >= 3, 2000);
      assert.deepEqual(replay.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
    });

    it('answers a watch from a compacted revision with 410 Expired, and a list continue too', async () => {
      const page = await c().get('/api/v1/namespaces?limit=1');
      assert.ok(page.body.metadata.continue);
      await c().post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'compact-me' } });
      const rev = await s.store.currentRevision();
      await s.store.compact(rev);
      s = await s.restart();
      const r = await c().watch('/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1', (ev) => ev.length > 0, 3000);
      assert.equal(r[0]?.type, 'ERROR', JSON.stringify(r));
      assert.equal(r[0].object.code, 410);
      assert.equal(r[0].object.reason, 'Expired');
      const cont = await c().get(`/api/v1/namespaces?limit=1&continue=${encodeURIComponent(page.body.metadata.continue)}`);
      assert.equal(cont.status, 410, cont.text);
    });

    it('allocates unique cluster IPs and node ports under concurrent creates', async () => {
      const svcs = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          c().post('/api/v1/namespaces/default/services', {
            metadata: { name: `svc${i}` },
            spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80 }] },
          }),
        ),
      );
      for (const r of svcs) assert.equal(r.status, 201, r.text);
      const ips = new Set(svcs.map((r) => r.body.spec.clusterIP));
      const ports = new Set(svcs.map((r) => r.body.spec.ports[0].nodePort));
      assert.equal(ips.size, 40);
      assert.equal(ports.size, 40);
      const taken = svcs[0].body.spec.ports[0].nodePort;
      const dup = await c().post('/api/v1/namespaces/default/services', { metadata: { name: 'dupport' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: taken }] } });
      assert.equal(dup.status, 422);
      assert.match(dup.body.message, /already allocated/);
      const changeIp = await c().patch('/api/v1/namespaces/default/services/svc1', { spec: { clusterIP: '10.96.100.100' } }, 'application/merge-patch+json');
      assert.equal(changeIp.status, 422, 'clusterIP is immutable');
    });

    it('turns a Service into an ExternalName alias and frees its address', async () => {
      const r = await c().post('/api/v1/namespaces/default/services', { metadata: { name: 'alias' }, spec: { selector: { a: 'b' }, ports: [{ port: 80 }] } });
      assert.equal(r.status, 201, r.text);
      const ip = r.body.spec.clusterIP;
      const p = await c().patch('/api/v1/namespaces/default/services/alias', { spec: { type: 'ExternalName', externalName: 'example.com', clusterIP: null, clusterIPs: null, ports: null, selector: null } }, 'application/merge-patch+json');
      assert.equal(p.status, 200, p.text);
      assert.equal(p.body.spec.clusterIP, undefined);
      assert.equal(p.body.spec.ipFamilies, undefined);
      const again = await c().post('/api/v1/namespaces/default/services', { metadata: { name: 'takes-ip' }, spec: { clusterIP: ip, ports: [{ port: 80 }] } });
      assert.equal(again.status, 201, `the freed address can be taken again: ${again.text}`);
    });

    it('changes a LoadBalancer Service to ClusterIP with a patch of type alone, freeing its node port', async () => {
      const r = await c().post('/api/v1/namespaces/default/services', { metadata: { name: 'lb-down' }, spec: { type: 'LoadBalancer', selector: { a: 'b' }, ports: [{ port: 80 }] } });
      assert.equal(r.status, 201, r.text);
      const nodePort = r.body.spec.ports[0].nodePort;
      assert.equal(r.body.spec.allocateLoadBalancerNodePorts, true);
      const p = await c().patch('/api/v1/namespaces/default/services/lb-down', { spec: { type: 'ClusterIP' } }, 'application/strategic-merge-patch+json');
      assert.equal(p.status, 200, p.text);
      assert.equal(p.body.spec.type, 'ClusterIP');
      assert.equal(p.body.spec.ports[0].nodePort, undefined);
      assert.equal(p.body.spec.allocateLoadBalancerNodePorts, undefined);
      assert.equal(p.body.spec.externalTrafficPolicy, undefined);
      const again = await c().post('/api/v1/namespaces/default/services', { metadata: { name: 'takes-port' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort }] } });
      assert.equal(again.status, 201, `the freed node port can be taken again: ${again.text}`);
    });

    it('warns about unknown fields by default, one Warning header each', async () => {
      const r = await c().post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'warned' }, foo: 1, bar: 2 });
      assert.equal(r.status, 201, r.text);
      const w = r.headers.warning as unknown as string | string[];
      const list = Array.isArray(w) ? w : String(w).split(/,\s*(?=299)/);
      assert.equal(list.length, 2, String(w));
      assert.match(list[0], /^299 - "unknown field \\"foo\\""$/);
    });

    it('does not persist dry-run writes', async () => {
      const r = await c().post('/api/v1/namespaces/default/configmaps?dryRun=All', { metadata: { name: 'dry' } });
      assert.equal(r.status, 201);
      assert.equal((await c().get('/api/v1/namespaces/default/configmaps/dry')).status, 404);
    });

    it('holds an object with finalizers until they are removed', async () => {
      await c().post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'fin', finalizers: ['example.com/hold'] } });
      const d = await c().delete('/api/v1/namespaces/default/configmaps/fin');
      assert.ok(d.status === 200 || d.status === 202);
      const g = await c().get('/api/v1/namespaces/default/configmaps/fin');
      assert.ok(g.body.metadata.deletionTimestamp);
      await c().patch('/api/v1/namespaces/default/configmaps/fin', { metadata: { finalizers: null } }, 'application/merge-patch+json');
      assert.equal((await c().get('/api/v1/namespaces/default/configmaps/fin')).status, 404);
    });

    it('answers bad input with a Status and keeps serving', async () => {
      const bad = await c().request('POST', '/api/v1/namespaces/default/configmaps', '{"metadata": {', { 'Content-Type': 'application/json' });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.kind, 'Status');
      const big = await c().request('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } }), {
        'Content-Type': 'application/json',
      });
      assert.equal(big.status, 413);
      const unknown = await c().get('/api/v1/namespaces/default/widgets');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.kind, 'Status');
      const wrongKind = await c().post('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k' } });
      assert.equal(wrongKind.status, 400);
      const badName = await c().post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'Bad_Name' } });
      assert.equal(badName.status, 422);
      const media = await c().request('POST', '/api/v1/namespaces/default/configmaps', 'x', { 'Content-Type': 'text/csv' });
      assert.equal(media.status, 415);
      const strict = await c().post('/api/v1/namespaces/default/configmaps?fieldValidation=Strict', { metadata: { name: 'strict' }, bogus: 1 });
      assert.equal(strict.status, 400);
      assert.match(strict.body.message, /unknown field "bogus"/);
      assert.equal((await c().get('/healthz')).status, 200);
    });

    it('keeps every object and resumes watches after a restart', async () => {
      const before = await c().post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'persist' }, data: { k: 'v' } });
      const rv = before.body.metadata.resourceVersion;
      s = await s.restart();
      const g = await c().get('/api/v1/namespaces/default/configmaps/persist');
      assert.equal(g.status, 200);
      assert.equal(g.body.data.k, 'v');
      const watching = c().watch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, (ev) => ev.some((e) => e.object?.metadata?.name === 'after'), 3000);
      await new Promise((r) => setTimeout(r, 100));
      await c().post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'after' } });
      const events = await watching;
      assert.ok(events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'after'), JSON.stringify(events.map((e) => e.type)));
      assert.ok(!events.some((e) => e.type === 'ERROR'));
    });
  });
}
