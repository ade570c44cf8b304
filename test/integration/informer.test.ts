/** The client's informer against the real API server: list, watch, resume and relist. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import { InformerFactory } from '../../src/client/informer-factory.js';

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
});
