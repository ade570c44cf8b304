/**
 * The Endpoints and EndpointSlice controllers against the real API server: Services with
 * selectors get Endpoints and slices that follow their pods' IPs, readiness and deletion.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { EventRecorder } from '../../src/client/events.js';
import { silentLogger } from '../../src/machinery/log.js';
import { isApiError } from '../../src/machinery/errors.js';
import { DEFAULT_CONTROLLERS_CONFIG, type ControllerDescriptor } from '../../src/controllers/types.js';
import { controller as endpoints } from '../../src/controllers/endpoints/index.js';
import { controller as endpointSlice } from '../../src/controllers/endpointslice/index.js';

/** Runs controllers as the controller manager would (shared informers, synced before they start). */
async function runControllers(s: TestServer, descriptors: ControllerDescriptor[]) {
  const client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
  const log = silentLogger();
  const informers = new InformerFactory(client, log);
  const ctx = { client, informers, log, recorder: (c: string) => new EventRecorder(client, c, 'test', log), config: { ...DEFAULT_CONTROLLERS_CONFIG, workers: 2 } };
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

/** Polls until `check` returns a value (not undefined) or throws its last error at the deadline. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const notFound = (err: unknown) => isApiError(err) && err.code === 404;

describe('endpoints and endpointslice controllers', () => {
  let s: TestServer;
  let client: Client;
  let ctl: { stop(): Promise<void> };
  const ns = 'ep-test';
  const slicesOf = async (svc: string) =>
    (await client.endpointSlices.list(ns, { labelSelector: `kubernetes.io/service-name=${svc}` })).items as EndpointSlice[];

  async function makePod(name: string, o: { ip?: string; ready?: boolean; labels?: Record<string, string>; node?: string; ports?: { name: string; containerPort: number }[] } = {}) {
    const pod = await client.pods.create(ns, {
      metadata: { name, labels: o.labels ?? { app: 'web' } },
      spec: { nodeName: o.node, containers: [{ name: 'c', image: 'busybox', ports: o.ports }] },
    });
    if (o.ip) await setPodStatus(pod, o.ip, o.ready ?? true);
  }

  async function setPodStatus(pod: Pod | string, ip: string, ready: boolean) {
    const cur: Pod = typeof pod === 'string' ? await client.pods.get(ns, pod) : pod;
    await client.pods.updateStatus({
      ...cur,
      status: { ...cur.status, phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    });
  }

  before(async () => {
    s = await startTestServer('sqlite');
    client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
    await client.namespaces.create(undefined, { metadata: { name: ns } });
    ctl = await runControllers(s, [endpoints, endpointSlice]);
  });
  after(async () => {
    await ctl.stop();
    client.close();
    await s.cleanup();
  });

  it('lists ready and not-ready pods in Endpoints and EndpointSlices, and follows readiness and deletion', async () => {
    const svc = await client.services.create(ns, {
      metadata: { name: 'web', labels: { team: 'a' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    await makePod('web-1', { ip: '10.244.0.11', node: 'node-a' });
    await makePod('web-2', { ip: '10.244.0.12', ready: false });
    await makePod('web-noip');
    await makePod('other', { ip: '10.244.0.99', labels: { app: 'other' } });

    const ep = await eventually('Endpoints with both pods', async () => {
      const e: Endpoints = await client.endpoints.get(ns, 'web');
      return e.subsets?.[0]?.addresses?.length === 1 && e.subsets[0].notReadyAddresses?.length === 1 ? e : undefined;
    });
    assert.equal(ep.subsets!.length, 1);
    const [sub] = ep.subsets!;
    assert.equal(sub.addresses![0].ip, '10.244.0.11');
    assert.equal(sub.addresses![0].nodeName, 'node-a');
    assert.equal(sub.addresses![0].targetRef?.name, 'web-1');
    assert.equal(sub.notReadyAddresses![0].ip, '10.244.0.12');
    assert.deepEqual(sub.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.equal(ep.metadata!.labels!.team, 'a', 'Endpoints carry the Service labels');

    const slices = await eventually('one slice with both pods', async () => {
      const sl = await slicesOf('web');
      return sl.length === 1 && sl[0].endpoints.length === 2 ? sl : undefined;
    });
    const slice = slices[0];
    assert.match(slice.metadata!.name!, /^web-/);
    assert.equal(slice.addressType, 'IPv4');
    assert.equal(slice.metadata!.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.deepEqual(
      slice.metadata!.ownerReferences!.map((r) => [r.kind, r.name, r.uid, r.controller]),
      [['Service', 'web', svc.metadata.uid, true]],
    );
    assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const byName = Object.fromEntries(slice.endpoints.map((e) => [e.targetRef!.name, e]));
    assert.deepEqual(byName['web-1'].conditions, { ready: true, serving: true, terminating: false });
    assert.deepEqual(byName['web-1'].addresses, ['10.244.0.11']);
    assert.equal(byName['web-1'].nodeName, 'node-a');
    assert.deepEqual(byName['web-2'].conditions, { ready: false, serving: false, terminating: false });

    // Readiness flips both ways.
    await setPodStatus('web-2', '10.244.0.12', true);
    await setPodStatus('web-1', '10.244.0.11', false);
    await eventually('readiness followed', async () => {
      const e: Endpoints = await client.endpoints.get(ns, 'web');
      const sl = await slicesOf('web');
      const ready = sl[0]?.endpoints.filter((x) => x.conditions?.ready).map((x) => x.targetRef!.name);
      return e.subsets?.[0]?.addresses?.[0]?.ip === '10.244.0.12' && e.subsets[0].notReadyAddresses?.[0]?.ip === '10.244.0.11' && ready?.join() === 'web-2'
        ? true
        : undefined;
    });

    // A deleted pod leaves both (grace 0: the pod is on a node, which would otherwise finish it).
    await client.pods.delete(ns, 'web-1', { gracePeriodSeconds: 0 });
    await eventually('deleted pod gone', async () => {
      const e: Endpoints = await client.endpoints.get(ns, 'web');
      const sl = await slicesOf('web');
      return !e.subsets?.[0]?.notReadyAddresses && e.subsets?.[0]?.addresses?.length === 1 && sl[0]?.endpoints.length === 1 ? true : undefined;
    });
  });

  it('drops terminating pods from Endpoints but keeps them in slices marked terminating', async () => {
    await client.services.create(ns, { metadata: { name: 'term' }, spec: { selector: { app: 'term' }, ports: [{ name: 'http', port: 80 }] } });
    // On a node, a pod is deleted gracefully: it stays, terminating, until its agent finishes it.
    await makePod('term-1', { ip: '10.244.1.1', node: 'node-a', labels: { app: 'term' } });
    await makePod('term-2', { ip: '10.244.1.2', node: 'node-a', labels: { app: 'term' } });
    await eventually('both pods listed', async () => ((await client.endpoints.get(ns, 'term')).subsets?.[0]?.addresses?.length === 2 ? true : undefined));
    await client.pods.delete(ns, 'term-1');
    const pod: Pod = await client.pods.get(ns, 'term-1');
    assert.ok(pod.metadata?.deletionTimestamp, 'pod is terminating, not gone');

    await eventually('terminating pod out of Endpoints, terminating in the slice', async () => {
      const e: Endpoints = await client.endpoints.get(ns, 'term');
      const addrs = e.subsets?.flatMap((x) => [...(x.addresses ?? []), ...(x.notReadyAddresses ?? [])]) ?? [];
      const ep = (await slicesOf('term'))[0]?.endpoints.find((x) => x.targetRef?.name === 'term-1');
      return addrs.length === 1 && addrs[0].ip === '10.244.1.2' && ep?.conditions?.terminating === true && ep.conditions.ready === false && ep.conditions.serving === true
        ? true
        : undefined;
    });
    await client.pods.delete(ns, 'term-1', { gracePeriodSeconds: 0 });
  });

  it('resolves named target ports per pod and leaves out pods without the port', async () => {
    await client.services.create(ns, { metadata: { name: 'named' }, spec: { selector: { app: 'named' }, ports: [{ name: 'web', port: 80, targetPort: 'web' }] } });
    await makePod('named-a', { ip: '10.244.2.1', labels: { app: 'named' }, ports: [{ name: 'web', containerPort: 8080 }] });
    await makePod('named-b', { ip: '10.244.2.2', labels: { app: 'named' }, ports: [{ name: 'web', containerPort: 9090 }] });
    await makePod('named-c', { ip: '10.244.2.3', labels: { app: 'named' }, ports: [{ name: 'admin', containerPort: 8080 }] });
    const e = await eventually('two subsets', async () => {
      const x: Endpoints = await client.endpoints.get(ns, 'named');
      return x.subsets?.length === 2 ? x : undefined;
    });
    assert.deepEqual(
      e.subsets!.map((x) => [x.addresses!.map((a) => a.ip), x.ports!.map((p) => p.port)]),
      [
        [['10.244.2.1'], [8080]],
        [['10.244.2.2'], [9090]],
      ],
    );
    // Slices group pods by port set too. As in Kubernetes, a pod serving none of the ports
    // still gets a (portless) slice, which proxies ignore but DNS and readers may use.
    const sl = await eventually('a slice per port set', async () => {
      const x = await slicesOf('named');
      return x.length === 3 && x.every((y) => y.endpoints.length === 1) ? x : undefined;
    });
    assert.deepEqual(sl.map((x) => [x.ports?.[0]?.port ?? 0, x.endpoints[0].targetRef!.name]).sort(), [
      [0, 'named-c'],
      [8080, 'named-a'],
      [9090, 'named-b'],
    ]);
  });

  it('leaves hand-made Endpoints of a selector-less Service alone and does not rewrite unchanged Endpoints', async () => {
    await client.services.create(ns, { metadata: { name: 'manual' }, spec: { ports: [{ name: 'db', port: 5432 }] } });
    const manual = await client.endpoints.create(ns, { metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'db', port: 5432 }] }] });

    await client.services.create(ns, { metadata: { name: 'quiet' }, spec: { selector: { app: 'quiet' }, ports: [{ name: 'http', port: 80 }] } });
    await makePod('quiet-1', { ip: '10.244.3.1', labels: { app: 'quiet' } });
    const before = await eventually('quiet endpoints', async () => {
      const x: Endpoints = await client.endpoints.get(ns, 'quiet');
      return x.subsets?.length ? x : undefined;
    });
    // Every write to the Endpoints from here on, as a watch sees it.
    const writes: number[] = [];
    const ac = new AbortController();
    const watching = client.endpoints.watch(
      ns,
      { resourceVersion: before.metadata!.resourceVersion, fieldSelector: 'metadata.name=quiet' },
      (ev) => {
        const n = ev.object.subsets?.[0]?.addresses?.length ?? 0;
        writes.push(n);
        return n < 2;
      },
      ac.signal,
    );
    // A pod change Endpoints do not show (an annotation) must not cause a write...
    await client.pods.patch(ns, 'quiet-1', { metadata: { annotations: { touched: 'yes' } } });
    // ...which we know once a later change to the same Service has been written.
    await makePod('quiet-2', { ip: '10.244.3.2', labels: { app: 'quiet' } });
    const timer = setTimeout(() => ac.abort(), 15_000);
    await watching;
    clearTimeout(timer);
    assert.deepEqual(writes, [2], 'one write: the second pod; none for the annotation');

    const stillManual: Endpoints = await client.endpoints.get(ns, 'manual');
    assert.equal(stillManual.metadata!.resourceVersion, manual.metadata.resourceVersion, 'hand-made Endpoints untouched');
    assert.deepEqual(await slicesOf('manual'), [], 'no slices for a selector-less Service');
  });

  it('removes Endpoints and slices when the Service goes, and gives a Service without pods an empty slice', async () => {
    await client.services.create(ns, { metadata: { name: 'gone' }, spec: { selector: { app: 'nothing-here' }, ports: [{ name: 'http', port: 80 }] } });
    const placeholder = await eventually('placeholder slice', async () => {
      const x = await slicesOf('gone');
      return x.length === 1 ? x[0] : undefined;
    });
    assert.deepEqual([placeholder.endpoints, placeholder.ports ?? []], [[], []]);
    await eventually('empty Endpoints', async () => ((await client.endpoints.get(ns, 'gone')) ? true : undefined));

    await client.services.delete(ns, 'gone');
    await eventually('Endpoints deleted', async () => {
      try {
        await client.endpoints.get(ns, 'gone');
        return undefined;
      } catch (err) {
        return notFound(err) ? true : undefined;
      }
    });
    await eventually('slices deleted', async () => ((await slicesOf('gone')).length === 0 ? true : undefined));
  });
});
