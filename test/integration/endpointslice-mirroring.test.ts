/**
 * The EndpointSlice mirroring controller against the real API server: a Service without a
 * selector and hand-made Endpoints gets slices that follow the Endpoints, and loses them
 * when it gains a selector or the Endpoints go.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { EventRecorder } from '../../src/client/events.js';
import { silentLogger } from '../../src/machinery/log.js';
import { DEFAULT_CONTROLLERS_CONFIG } from '../../src/controllers/types.js';
import { controller as mirroring } from '../../src/controllers/endpointslicemirroring/index.js';

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('endpointslice mirroring controller', () => {
  let s: TestServer;
  let client: Client;
  const ac = new AbortController();
  let run: Promise<void>;
  let informers: InformerFactory;
  const ns = 'mirror-test';
  const slicesOf = async (svc: string) => (await client.endpointSlices.list(ns, { labelSelector: `kubernetes.io/service-name=${svc}` })).items as EndpointSlice[];

  before(async () => {
    s = await startTestServer('sqlite');
    client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
    await client.namespaces.create(undefined, { metadata: { name: ns } });
    const log = silentLogger();
    informers = new InformerFactory(client, log);
    const ctl = mirroring.create({ client, informers, log, recorder: (c: string) => new EventRecorder(client, c, 'test', log), config: { ...DEFAULT_CONTROLLERS_CONFIG, workers: 2 } });
    informers.start(ac.signal);
    await informers.waitForSync();
    run = ctl.run(ac.signal);
  });
  after(async () => {
    ac.abort();
    await run;
    await informers.stopped();
    client.close();
    await s.cleanup();
  });

  it('mirrors hand-made Endpoints into a slice and follows their changes', async () => {
    await client.services.create(ns, { metadata: { name: 'db' }, spec: { ports: [{ name: 'pg', port: 5432 }] } });
    await client.endpoints.create(ns, { metadata: { name: 'db' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'pg', port: 5432 }] }] });
    const [slice] = await until('a mirrored slice', async () => ((await slicesOf('db')).length === 1 ? await slicesOf('db') : undefined));
    assert.deepEqual(slice.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]), [['192.0.2.10', true]]);
    assert.deepEqual(slice.ports, [{ name: 'pg', port: 5432, protocol: 'TCP' }]);

    const cur = await client.endpoints.get(ns, 'db');
    await client.endpoints.update({ ...cur, subsets: [{ addresses: [{ ip: '192.0.2.10' }, { ip: '192.0.2.12' }], ports: [{ name: 'pg', port: 5432 }] }] });
    await until('the second address mirrored', async () => (await slicesOf('db'))[0]?.endpoints.length === 2);
  });

  it('removes the mirrors when the Service gains a selector, and never mirrors controller-made Endpoints', async () => {
    await client.services.patch(ns, 'db', { spec: { selector: { app: 'db' } } }, 'merge');
    await until('mirrors gone', async () => (await slicesOf('db')).every((s) => s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'] !== 'endpointslicemirroring-controller.k8s.io'));
  });

  it('removes the mirrors when the Endpoints go', async () => {
    await client.services.create(ns, { metadata: { name: 'ext' }, spec: { ports: [{ port: 80 }] } });
    await client.endpoints.create(ns, { metadata: { name: 'ext' }, subsets: [{ addresses: [{ ip: '192.0.2.30' }], ports: [{ port: 8080 }] }] });
    await until('a mirrored slice', async () => (await slicesOf('ext')).length === 1);
    await client.endpoints.delete(ns, 'ext');
    await until('mirrors gone', async () => (await slicesOf('ext')).length === 0);
  });
});
