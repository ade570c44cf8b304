/**
 * The garbage collector against the real API server: background, foreground and orphan
 * deletion through owner references made by hand (no Deployment or ReplicaSet controller
 * runs here), owners replaced under the same name, and no false collection when owners
 * and dependents are created in a burst.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { Informer, type IndexFunc } from '../../src/client/informer.js';
import { EventRecorder } from '../../src/client/events.js';
import { silentLogger } from '../../src/machinery/log.js';
import { isApiError } from '../../src/machinery/errors.js';
import { DEFAULT_CONTROLLERS_CONFIG, type ControllerDescriptor } from '../../src/controllers/types.js';
import { controller as garbageCollector } from '../../src/controllers/garbage-collector/index.js';

/**
 * Runs controllers as the controller manager would (shared informers, synced before they
 * start). `lagging` names resources whose informer is held back until release() — a cache
 * that has not caught up yet, made deterministic.
 */
async function runControllers(s: TestServer, descriptors: ControllerDescriptor[], opts: { workers?: number; lagging?: string[] } = {}) {
  const client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
  const log = silentLogger();
  const shared = new InformerFactory(client, log);
  const held = new Map<string, Informer<any>>();
  const informers = {
    informer(plural: string, group = '', indexers?: Record<string, IndexFunc<any>>) {
      if (!opts.lagging?.includes(plural)) return shared.informer(plural, group, indexers);
      let inf = held.get(plural);
      if (!inf) held.set(plural, (inf = new Informer(client.resource(plural, group), { log })));
      if (indexers) inf.addIndexers(indexers);
      return inf;
    },
  } as unknown as InformerFactory;
  const ctx = { client, informers, log, recorder: (c: string) => new EventRecorder(client, c, 'test', log), config: { ...DEFAULT_CONTROLLERS_CONFIG, workers: opts.workers ?? 4 } };
  const controllers = descriptors.map((d) => d.create(ctx));
  const ac = new AbortController();
  shared.start(ac.signal);
  await shared.waitForSync();
  const runs = controllers.map((c) => c.run(ac.signal));
  const heldRuns: Promise<void>[] = [];
  return {
    async release() {
      for (const inf of held.values()) heldRuns.push(inf.run(ac.signal));
      await Promise.all([...held.values()].map((i) => i.synced));
    },
    async stop() {
      ac.abort();
      await Promise.all([...runs, ...heldRuns]);
      await shared.stopped();
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

describe('garbage collector', () => {
  let s: TestServer;
  let client: Client;
  let gc: { stop(): Promise<void> };
  const ns = 'gc-test';

  const owner = (o: { apiVersion?: string; kind: string; metadata: { name: string; uid: string } }, block = true): OwnerReference => ({
    apiVersion: o.apiVersion!,
    kind: o.kind,
    name: o.metadata.name,
    uid: o.metadata.uid,
    controller: true,
    blockOwnerDeletion: block,
  });

  const deployments = () => client.deployments;
  const replicaSets = () => client.replicaSets;

  async function exists(api: { get(ns: string | undefined, name: string): Promise<any> }, name: string, namespace: string | undefined = ns): Promise<any | undefined> {
    try {
      return await api.get(namespace, name);
    } catch (err) {
      if (isApiError(err) && err.code === 404) return undefined;
      throw err;
    }
  }
  const gone = (api: { get(ns: string | undefined, name: string): Promise<any> }, name: string, namespace?: string) => async () =>
    (await exists(api, name, namespace)) ? undefined : true;

  /** A Deployment -> ReplicaSet -> pods chain, with owner references as the controllers would set them. */
  async function chain(name: string, pods = 2, podFinalizers?: string[]) {
    const labels = { app: name };
    const template = { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const d = await deployments().create(ns, { metadata: { name }, spec: { selector: { matchLabels: labels }, template } });
    const rs = await replicaSets().create(ns, {
      metadata: { name: `${name}-rs`, labels, ownerReferences: [owner(d)] },
      spec: { selector: { matchLabels: labels }, template },
    });
    const podNames: string[] = [];
    for (let i = 0; i < pods; i++) {
      const p = await client.pods.create(ns, {
        metadata: { name: `${name}-rs-${i}`, labels, ownerReferences: [owner(rs)], finalizers: i === 0 ? podFinalizers : undefined },
        spec: template.spec,
      });
      podNames.push(p.metadata.name);
    }
    return { d, rs, podNames };
  }

  before(async () => {
    s = await startTestServer('sqlite');
    client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
    await client.namespaces.create(undefined, { metadata: { name: ns } });
    gc = await runControllers(s, [garbageCollector]);
  });
  after(async () => {
    await gc.stop();
    client.close();
    await s.cleanup();
  });

  it('background: deleting a Deployment removes its ReplicaSet and their pods', async () => {
    const { rs, podNames } = await chain('bg');
    await deployments().delete(ns, 'bg');
    await eventually('ReplicaSet collected', gone(replicaSets(), rs.metadata.name));
    for (const p of podNames) await eventually(`pod ${p} collected`, gone(client.pods, p));
  });

  it('foreground: the owner stays until its blocking dependents are gone, then goes', async () => {
    // One pod holds on (a finalizer of someone else's), so the cascade has to wait for it.
    const { rs, podNames } = await chain('fg', 3, ['example.com/hold']);
    await deployments().delete(ns, 'fg', { propagationPolicy: 'Foreground' });

    const held = await eventually('the held pod marked for deletion, its siblings gone', async () => {
      const p = await exists(client.pods, podNames[0]);
      if (!p?.metadata.deletionTimestamp) return undefined;
      for (const other of podNames.slice(1)) if (await exists(client.pods, other)) return undefined;
      return p;
    });
    assert.ok(held);
    const d = await exists(deployments(), 'fg');
    const r = await exists(replicaSets(), rs.metadata.name);
    assert.ok(d?.metadata.deletionTimestamp && d.metadata.finalizers?.includes('foregroundDeletion'), 'Deployment waits in foreground deletion');
    assert.ok(r?.metadata.deletionTimestamp && r.metadata.finalizers?.includes('foregroundDeletion'), 'ReplicaSet deleted in the foreground too');

    await client.pods.patch(ns, podNames[0], { metadata: { finalizers: null } });
    await eventually('pod gone', gone(client.pods, podNames[0]));
    await eventually('ReplicaSet gone', gone(replicaSets(), rs.metadata.name));
    await eventually('Deployment gone', gone(deployments(), 'fg'));
  });

  it('orphan: the owner goes and its dependents stay, without the reference', async () => {
    const { rs, podNames } = await chain('orph');
    await replicaSets().delete(ns, rs.metadata.name, { propagationPolicy: 'Orphan' });
    await eventually('ReplicaSet gone', gone(replicaSets(), rs.metadata.name));
    for (const name of podNames) {
      const p = await exists(client.pods, name);
      assert.ok(p, `${name} survives`);
      assert.deepEqual(p.metadata.ownerReferences ?? [], [], `${name} no longer names the ReplicaSet`);
    }
    // The Deployment is untouched and still owns nothing gone.
    assert.ok(await exists(deployments(), 'orph'));
  });

  it('collects a dependent whose owner was replaced by another of the same name, and keeps the one owned by the new object', async () => {
    const cm = await client.resource('configmaps').create(ns, { metadata: { name: 'owner' } });
    const stale = await client.resource('secrets').create(ns, {
      metadata: { name: 'owned-by-old', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: randomUUID() }] },
    });
    await client.resource('secrets').create(ns, { metadata: { name: 'owned-by-new', ownerReferences: [owner(cm, false)] } });
    await eventually('dependent of the old owner collected', gone(client.resource('secrets'), stale.metadata.name));
    assert.ok(await exists(client.resource('secrets'), 'owned-by-new'));
  });

  it('collects dependents of a cluster-scoped owner, and keeps dependents with one live owner left', async () => {
    const node = await client.nodes.create(undefined, { metadata: { name: 'gc-node' } });
    const keep = await client.resource('configmaps').create(ns, { metadata: { name: 'keep-owner' } });
    await client.resource('configmaps').create(ns, { metadata: { name: 'of-node', ownerReferences: [owner(node, false)] } });
    await client.resource('configmaps').create(ns, { metadata: { name: 'two-owners', ownerReferences: [owner(node, false), { ...owner(keep, false), controller: false }] } });
    await client.nodes.delete(undefined, 'gc-node');
    await eventually('dependent of the node collected', gone(client.resource('configmaps'), 'of-node'));
    const two = await eventually('reference to the node dropped', async () => {
      const c = await exists(client.resource('configmaps'), 'two-owners');
      return c?.metadata.ownerReferences?.length === 1 ? c : undefined;
    });
    assert.equal(two.metadata.ownerReferences[0].name, 'keep-owner');
  });

  it('collects nothing wrongly when owners and dependents are created in a burst', async () => {
    // Owners and dependents of different resources travel on different watches, so the
    // collector often sees a dependent before its owner: only the API server may say "gone".
    const kinds = [
      { owner: () => client.resource('configmaps'), dep: () => client.resource('secrets') },
      { owner: () => client.services, dep: () => client.pods },
      { owner: () => client.pods, dep: () => client.resource('configmaps') },
      { owner: () => client.resource('secrets'), dep: () => client.endpoints },
    ];
    const made: { api: () => any; name: string }[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const k = kinds[i % kinds.length];
        const ownerApi = k.owner();
        const body: any = { metadata: { name: `burst-owner-${i}` } };
        if (ownerApi === client.services) body.spec = { ports: [{ name: 'p', port: 80 }] };
        if (ownerApi === client.pods) body.spec = { containers: [{ name: 'c', image: 'busybox' }] };
        const o = await ownerApi.create(ns, body);
        const depBody: any = { metadata: { name: `burst-dep-${i}`, ownerReferences: [owner(o, false)] } };
        if (k.dep() === client.pods) depBody.spec = { containers: [{ name: 'c', image: 'busybox' }] };
        await k.dep().create(ns, depBody);
        made.push({ api: k.dep, name: depBody.metadata.name });
      }),
    );
    // A barrier: a dependent with no owner created after the burst. Once it is collected,
    // the collector has been through events at least that recent.
    for (const round of [1, 2]) {
      const name = `burst-sentinel-${round}`;
      await client.resource('configmaps').create(ns, { metadata: { name, ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: 'nobody', uid: randomUUID() }] } });
      await eventually('sentinel collected', gone(client.resource('configmaps'), name));
    }
    const missing = [];
    for (const m of made) if (!(await exists(m.api(), m.name))) missing.push(m.name);
    assert.deepEqual(missing, [], 'no dependent of a live owner was collected');
  });
});

describe('garbage collector with a lagging cache', () => {
  let s: TestServer;
  let client: Client;
  const ns = 'gc-lag';

  before(async () => {
    s = await startTestServer('sqlite');
    client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
    await client.namespaces.create(undefined, { metadata: { name: ns } });
  });
  after(async () => {
    client.close();
    await s.cleanup();
  });

  it('does not collect a dependent whose owner has not reached the cache yet', async () => {
    // The ConfigMap informer is held back: the collector sees the Secret, never its owner.
    const gc = await runControllers(s, [garbageCollector], { workers: 1, lagging: ['configmaps'] });
    try {
      const cm = await client.resource('configmaps').create(ns, { metadata: { name: 'owner' } });
      await client.resource('secrets').create(ns, {
        metadata: { name: 'dependent', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: cm.metadata.uid }] },
      });
      // One worker takes keys in order: once this later orphan is collected, the dependent has been judged.
      await client.resource('secrets').create(ns, {
        metadata: { name: 'sentinel', ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: 'nobody', uid: randomUUID() }] },
      });
      await eventually('sentinel collected', async () => {
        try {
          await client.resource('secrets').get(ns, 'sentinel');
          return undefined;
        } catch (err) {
          return isApiError(err) && err.code === 404 ? true : undefined;
        }
      });
      assert.ok(await client.resource('secrets').get(ns, 'dependent'), 'dependent kept: the API server has its owner');

      // Once the cache catches up and the owner is deleted, the dependent goes after all.
      await gc.release();
      await client.resource('configmaps').delete(ns, 'owner');
      await eventually('dependent collected', async () => {
        try {
          await client.resource('secrets').get(ns, 'dependent');
          return undefined;
        } catch (err) {
          return isApiError(err) && err.code === 404 ? true : undefined;
        }
      });
    } finally {
      await gc.stop();
    }
  });
});
