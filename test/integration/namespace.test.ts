/**
 * The Namespace controller against the real API server: deleting a namespace deletes all
 * it holds, waits for what takes time (a pod's grace period, a finalizer), reports it in
 * the namespace's conditions, and then lets the namespace go.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { EventRecorder } from '../../src/client/events.js';
import { silentLogger } from '../../src/machinery/log.js';
import { isApiError } from '../../src/machinery/errors.js';
import { RESOURCES } from '../../src/api/resources.js';
import { DEFAULT_CONTROLLERS_CONFIG, type ControllerDescriptor } from '../../src/controllers/types.js';
import { controller as namespaceController } from '../../src/controllers/namespace/index.js';
import { controller as garbageCollector } from '../../src/controllers/garbage-collector/index.js';

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

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
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

const condition = (ns: Namespace, type: string) => ns.status?.conditions?.find((c) => c.type === type);

describe('namespace controller', () => {
  let s: TestServer;
  let client: Client;
  let ctl: { stop(): Promise<void> };

  const nsGone = (name: string) => async () => {
    try {
      await client.namespaces.get(undefined, name);
      return undefined;
    } catch (err) {
      return isApiError(err) && err.code === 404 ? true : undefined;
    }
  };

  /** Everything left in the namespace, by resource, straight from the API server. */
  async function content(ns: string): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const r of RESOURCES.filter((x) => x.namespaced)) {
      const items = (await client.resource(r.plural, r.group).list(ns)).items;
      if (items.length) out[r.plural] = items.map((o: any) => o.metadata.name);
    }
    return out;
  }

  before(async () => {
    s = await startTestServer('sqlite');
    client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
    // The collector runs too, as in a server: it must not get in the way.
    ctl = await runControllers(s, [namespaceController, garbageCollector]);
  });
  after(async () => {
    await ctl.stop();
    client.close();
    await s.cleanup();
  });

  it('deletes all content, waits for a terminating pod, refuses new content, then removes the namespace', async () => {
    const ns = 'doomed';
    await client.namespaces.create(undefined, { metadata: { name: ns } });
    const labels = { app: 'web' };
    const template = { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    await client.resource('configmaps').create(ns, { metadata: { name: 'cm' }, data: { a: 'b' } });
    await client.resource('secrets').create(ns, { metadata: { name: 'secret' }, stringData: { a: 'b' } });
    await client.services.create(ns, { metadata: { name: 'svc' }, spec: { selector: labels, ports: [{ name: 'http', port: 80 }] } });
    const d = await client.deployments.create(ns, { metadata: { name: 'web' }, spec: { selector: { matchLabels: labels }, template } });
    await client.replicaSets.create(ns, {
      metadata: { name: 'web-1', labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }] },
      spec: { selector: { matchLabels: labels }, template },
    });
    await client.pods.create(ns, { metadata: { name: 'loose' }, spec: template.spec });
    // On a node, a pod's delete waits for its agent: no agent runs here, the test plays it.
    await client.pods.create(ns, { metadata: { name: 'on-node' }, spec: { ...template.spec, nodeName: 'node-a' } });

    await client.namespaces.delete(undefined, ns);

    const terminating = await eventually('everything but the terminating pod gone', async () => {
      const left = await content(ns);
      return JSON.stringify(left) === JSON.stringify({ pods: ['on-node'] }) ? true : undefined;
    });
    assert.ok(terminating);
    const pod = await client.pods.get(ns, 'on-node');
    assert.ok(pod.metadata.deletionTimestamp, 'the pod on a node is terminating');
    const waiting = await eventually('namespace reports the pod', async () => {
      const n: Namespace = await client.namespaces.get(undefined, ns);
      return condition(n, 'NamespaceContentRemaining')?.status === 'True' ? n : undefined;
    });
    assert.equal(waiting.status?.phase, 'Terminating');
    assert.equal(condition(waiting, 'NamespaceContentRemaining')?.message, 'Some resources are remaining: pods has 1 resource instances');
    assert.equal(condition(waiting, 'NamespaceDeletionContentFailure')?.status, 'False');

    await assert.rejects(client.resource('configmaps').create(ns, { metadata: { name: 'late' } }), (err: any) => err.code === 403);

    // The "agent" finishes the pod; the namespace follows.
    await client.pods.delete(ns, 'on-node', { gracePeriodSeconds: 0 });
    await eventually('namespace gone', nsGone(ns));
  });

  it('waits for content held by a finalizer and says so', async () => {
    const ns = 'held';
    await client.namespaces.create(undefined, { metadata: { name: ns } });
    await client.resource('configmaps').create(ns, { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    await client.namespaces.delete(undefined, ns);
    const n = await eventually('finalizer reported', async () => {
      const x: Namespace = await client.namespaces.get(undefined, ns);
      return condition(x, 'NamespaceFinalizersRemaining')?.status === 'True' ? x : undefined;
    });
    assert.equal(condition(n, 'NamespaceFinalizersRemaining')?.message, 'Some finalizers are remaining: example.com/hold in 1 resource instances');
    assert.equal(condition(n, 'NamespaceContentRemaining')?.message, 'Some resources are remaining: configmaps has 1 resource instances');
    await client.resource('configmaps').patch(ns, 'held', { metadata: { finalizers: null } });
    await eventually('namespace gone', nsGone(ns));
  });

  it('removes an empty namespace at once, and leaves live namespaces alone', async () => {
    await client.namespaces.create(undefined, { metadata: { name: 'empty' } });
    await client.namespaces.create(undefined, { metadata: { name: 'alive' } });
    await client.resource('configmaps').create('alive', { metadata: { name: 'stay' } });
    await client.namespaces.delete(undefined, 'empty');
    await eventually('empty namespace gone', nsGone('empty'));
    assert.ok(await client.resource('configmaps').get('alive', 'stay'));
  });
});
