/** The client's informer against the real API server: list, watch, resume and relist. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { EventRecorder } from '../../src/client/events.js';

describe('informer', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer('sqlite');
  });
  after(async () => {
    await s.cleanup();
  });

  it('tracks adds, updates and deletes and keeps indexes current', async () => {
    const client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
    const cms = client.resource('configmaps');
    await cms.create('default', { metadata: { name: 'pre', labels: { team: 'a' } } });
    const factory = new InformerFactory(client);
    const inf = factory.informer('configmaps', '', { team: (o: any) => [o.metadata.labels?.team ?? ''] });
    const seen: string[] = [];
    inf.on({
      add: (o: any) => seen.push(`add ${o.metadata.name}`),
      update: (_old: any, o: any) => seen.push(`update ${o.metadata.name}`),
      delete: (o: any) => seen.push(`delete ${o.metadata.name}`),
    });
    const ac = new AbortController();
    factory.start(ac.signal);
    await factory.waitForSync();
    assert.ok(inf.get('default/pre'));
    await cms.create('default', { metadata: { name: 'new', labels: { team: 'b' } } });
    await cms.patch('default', 'new', { metadata: { labels: { team: 'a' } } });
    await cms.delete('default', 'pre');
    const deadline = Date.now() + 5000;
    while (!seen.includes('delete pre') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen.filter((x) => /pre|new/.test(x)), ['add pre', 'add new', 'update new', 'delete pre']);
    assert.deepEqual(inf.byIndex('team', 'a').map((o: any) => o.metadata.name), ['new']);
    assert.deepEqual(inf.byIndex('team', 'b'), []);
    ac.abort();
    await factory.stopped();
    client.close();
  });

  it('records events the API server accepts, and counts repeats on one event', async () => {
    const client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
    const cm: any = await client.resource('configmaps').create('default', { metadata: { name: 'evented' } });
    const rec = new EventRecorder(client, 'test-component', 'host-1');
    rec.event({ kind: 'ConfigMap', apiVersion: 'v1', ...cm }, 'Normal', 'Checked', 'looked at it');
    const deadline = Date.now() + 5000;
    let evs: any[] = [];
    while (Date.now() < deadline) {
      evs = (await client.events.list('default', { fieldSelector: 'involvedObject.name=evented' })).items;
      if (evs.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(evs.length, 1, 'the event was stored');
    assert.equal(evs[0].reason, 'Checked');
    assert.equal(evs[0].source.component, 'test-component');
    rec.event({ kind: 'ConfigMap', apiVersion: 'v1', ...cm }, 'Normal', 'Checked', 'looked at it');
    while (Date.now() < deadline) {
      evs = (await client.events.list('default', { fieldSelector: 'involvedObject.name=evented' })).items;
      if (evs[0]?.count === 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(evs.length, 1);
    assert.equal(evs[0].count, 2);
    client.close();
  });
});
