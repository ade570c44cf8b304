/**
 * The ingress controller against the real API server: Ingresses, Services, hand-made
 * EndpointSlices and TLS Secrets go in through the API; requests go through the proxy's
 * listeners to backends that are plain HTTP servers on 127.0.0.1 saying who they are.
 * All traffic stays on the loopback interface.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Event } from 'kubernetes-types/core/v1.js';
import type { Ingress, IngressClass, IngressSpec } from 'kubernetes-types/networking/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import { silentLogger } from '../../src/machinery/log.js';
import { IngressController, selfSignedCertificate, DEFAULT_CERT_NAME, type KeyPair } from '../../src/ingress/index.js';

const NS = 'ing-test';

interface Backend {
  name: string;
  port: number;
  connections: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 answering JSON about itself and the request; ?delay=ms waits. */
async function startBackend(name: string): Promise<Backend> {
  const b = { name, port: 0, connections: 0 } as Backend;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
      const send = () => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'X-Backend': name });
        res.end(JSON.stringify({ backend: name, method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }));
      };
      if (delay) setTimeout(send, delay);
      else send();
    });
  });
  server.on('connection', () => b.connections++);
  // A toy upgraded protocol: greets, then echoes.
  server.on('upgrade', (_req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
    socket.write(`hello from ${name}\n`);
    socket.pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  b.port = (server.address() as AddressInfo).port;
  b.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return b;
}

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
  reusedSocket: boolean;
}

function request(
  port: number,
  host: string,
  path: string,
  o: { method?: string; body?: string; chunks?: string[]; headers?: Record<string, string>; agent?: http.Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: { Host: host, ...o.headers }, agent: o.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, reusedSocket: req.reusedSocket });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const c of o.chunks ?? []) req.write(c);
    req.end(o.body);
  });
}

/** Polls until `check` returns a value (not undefined) or fails with its last error. */
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

describe('ingress controller', () => {
  let s: TestServer;
  let client: Client;
  let ctl: IngressController;
  let run: Promise<void>;
  const ac = new AbortController();
  const backends = new Map<string, Backend>();
  let httpPort: number;
  let httpsPort: number;
  const ingresses = () => client.resource<Ingress>('ingresses', 'networking.k8s.io');

  /** Routes a request through the ingress and returns the backend's name (or "<status>"). */
  const via = async (host: string, path: string) => {
    const r = await request(httpPort, host, path);
    return r.status === 200 ? (r.json?.backend as string) : String(r.status);
  };
  /** Waits until host+path reaches `want` (a backend name or a status). */
  const routesTo = (host: string, path: string, want: string) =>
    eventually(`${host}${path} -> ${want}`, async () => {
      const got = await via(host, path);
      if (got !== want) throw new Error(`went to ${got}`);
      return true;
    });

  async function service(name: string, ports = [{ name: 'http', port: 80, targetPort: 8080 }]) {
    await client.services.create(NS, { metadata: { name }, spec: { ports } });
  }

  /** A slice per endpoint: [port, ready]; endpoints are all 127.0.0.1. */
  async function endpoints(svc: string, eps: [port: number, ready: boolean][], portName = 'http') {
    const existing = await client.endpointSlices.list(NS, { labelSelector: `kubernetes.io/service-name=${svc}` });
    for (const sl of existing.items) await client.endpointSlices.delete(NS, sl.metadata.name);
    let i = 0;
    for (const [port, ready] of eps) {
      await client.endpointSlices.create(NS, {
        metadata: { name: `${svc}-${i++}-${port}`, labels: { 'kubernetes.io/service-name': svc } },
        addressType: 'IPv4',
        ports: [{ name: portName, port, protocol: 'TCP' }],
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready } }],
      } as any);
    }
  }

  /** A Service named after a backend, with that backend as its one ready endpoint. */
  async function serviceFor(name: string) {
    const b = await startBackend(name);
    backends.set(name, b);
    await service(name);
    await endpoints(name, [[b.port, true]]);
    return b;
  }

  const ingress = (name: string, spec: IngressSpec, className: string | null = 'orch') =>
    ingresses().create(NS, { metadata: { name }, spec: { ...(className ? { ingressClassName: className } : {}), ...spec } });
  const rule = (host: string, paths: [path: string, svc: string, type?: string][]) => ({
    host,
    http: { paths: paths.map(([path, svc, pathType]) => ({ path, pathType: pathType ?? 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } })) },
  });

  before(async () => {
    s = await startTestServer('sqlite');
    const config = { server: s.api.url, ca: s.api.caPem, token: s.api.adminToken };
    client = new Client(config);
    await client.namespaces.create(undefined, { metadata: { name: NS } });
    for (const n of ['alpha', 'beta', 'gamma', 'delta', 'fallback']) await serviceFor(n);
    ctl = new IngressController({
      client: config,
      log: silentLogger(),
      httpListen: { host: '127.0.0.1', port: 0 },
      httpsListen: { host: '127.0.0.1', port: 0 },
      isDefaultClass: true,
      statusAddress: '127.0.0.1',
      shutdownGraceMs: 2000,
    });
    run = ctl.run(ac.signal);
    await ctl.ready;
    httpPort = ctl.httpAddress.port;
    httpsPort = ctl.httpsAddress.port;
  });

  after(async () => {
    ac.abort();
    await run;
    for (const b of backends.values()) await b.close();
    client.close();
    await s.cleanup();
  });

  it('creates its IngressClass, annotated as the default', async () => {
    const ic: IngressClass = await client.resource('ingressclasses', 'networking.k8s.io').get(undefined, 'orch');
    assert.equal(ic.spec?.controller, 'orch.io/ingress');
    assert.equal(ic.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true');
  });

  it('answers 404 with a clear body when nothing matches and there is no default backend', async () => {
    const r = await request(httpPort, 'nothing.test', '/x');
    assert.equal(r.status, 404);
    assert.match(r.text, /no Ingress rule matches host "nothing.test" and path "\/x"/);
  });

  it('routes two hosts and two paths to different services, with forwarding headers', async () => {
    await ingress('two-hosts', { rules: [rule('foo.test', [['/api', 'alpha'], ['/web', 'beta']]), rule('bar.test', [['/api', 'gamma'], ['/web', 'delta']])] });
    await routesTo('foo.test', '/api/v1', 'alpha');
    assert.equal(await via('foo.test', '/web'), 'beta');
    assert.equal(await via('bar.test', '/api'), 'gamma');
    assert.equal(await via('bar.test', '/web/index.html'), 'delta');
    assert.equal(await via('bar.test', '/other'), '404');
    assert.equal(await via('foo.test', '/apiary'), '404', 'Prefix matches whole path elements');

    const r = await request(httpPort, 'foo.test:8080', '/api/echo?x=1', { method: 'POST', body: 'payload' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-backend'], 'alpha');
    assert.equal(r.json.url, '/api/echo?x=1');
    assert.equal(r.json.body, 'payload', 'the request body is streamed to the backend');
    assert.equal(r.json.headers.host, 'foo.test:8080', 'Host is passed on');
    assert.equal(r.json.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(r.json.headers['x-real-ip'], '127.0.0.1');
    assert.equal(r.json.headers['x-forwarded-proto'], 'http');
    assert.equal(r.json.headers['x-forwarded-host'], 'foo.test:8080');

    // Chunked bodies stay framed, whatever the method; the connection carries on cleanly.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const method of ['POST', 'GET']) {
        const c = await request(httpPort, 'foo.test', '/api/chunked', { method, chunks: ['one,', 'two'], headers: { 'Transfer-Encoding': 'chunked' }, agent });
        assert.equal(c.status, 200);
        assert.equal(c.json.method, method);
        assert.equal(c.json.body, 'one,two');
      }
      const after = await request(httpPort, 'foo.test', '/api/after', { agent });
      assert.equal(after.json.url, '/api/after');
      assert.equal(after.json.body, '');
    } finally {
      agent.destroy();
    }
  });

  it('prefers the longest path, and Exact over Prefix on a tie', async () => {
    await ingress('precedence', { rules: [rule('prec.test', [['/', 'alpha'], ['/foo', 'beta', 'Prefix'], ['/foo', 'gamma', 'Exact'], ['/foo/bar', 'delta']])] });
    await routesTo('prec.test', '/foo', 'gamma');
    assert.equal(await via('prec.test', '/foo/'), 'beta');
    assert.equal(await via('prec.test', '/foo/x'), 'beta');
    assert.equal(await via('prec.test', '/foo/bar/baz'), 'delta');
    assert.equal(await via('prec.test', '/foobar'), 'alpha');
  });

  it('sends unmatched requests to the default backend', async () => {
    await ingress('default-backend', { defaultBackend: { service: { name: 'fallback', port: { name: 'http' } } } });
    await routesTo('nothing.test', '/x', 'fallback');
    assert.equal(await via('foo.test', '/unrouted'), 'fallback', "a known host's unmatched path too");
    assert.equal(await via('foo.test', '/api'), 'alpha', 'rules still win');
    await ingresses().delete(NS, 'default-backend');
    await routesTo('nothing.test', '/x', '404');
  });

  it('round-robins over the ready endpoints of a service', async () => {
    const one = await startBackend('rr-1');
    const two = await startBackend('rr-2');
    backends.set('rr-1', one).set('rr-2', two);
    await service('rr');
    await endpoints('rr', [
      [one.port, true],
      [two.port, true],
    ]);
    await ingress('rr', { rules: [rule('rr.test', [['/', 'rr']])] });
    await eventually('both endpoints in the table', async () => (ctl.routes && [...ctl.routes.endpointKeys].includes(`127.0.0.1:${two.port}`) ? true : undefined));
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push(await via('rr.test', '/'));
    assert.equal(seen.filter((b) => b === 'rr-1').length, 3, seen.join(' '));
    assert.equal(seen.filter((b) => b === 'rr-2').length, 3, seen.join(' '));
    for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], `alternates: ${seen.join(' ')}`);
  });

  it('answers 503 when a service has no ready endpoints, and 502 when its endpoint refuses', async () => {
    const b = await startBackend('lonely');
    backends.set('lonely', b);
    await service('unready');
    await endpoints('unready', [[b.port, false]]);
    await ingress('unready', { rules: [rule('unready.test', [['/', 'unready']])] });
    const r = await eventually('503', async () => {
      const x = await request(httpPort, 'unready.test', '/');
      return x.status === 503 ? x : undefined;
    });
    assert.match(r.text, /no ready endpoints for service ing-test\/unready/);

    await endpoints('unready', [[await deadPort(), true]]);
    const bad = await eventually('502', async () => {
      const x = await request(httpPort, 'unready.test', '/');
      return x.status === 502 ? x : undefined;
    });
    assert.match(bad.text, /could not reach ing-test\/unready:80 at 127\.0\.0\.1:\d+: ECONNREFUSED/);

    // With a live endpoint beside the dead one, a GET is retried there and never fails.
    await endpoints('unready', [
      [await deadPort(), true],
      [b.port, true],
    ]);
    await eventually('two endpoints', async () => ([...(ctl.routes?.endpointKeys ?? [])].includes(`127.0.0.1:${b.port}`) ? true : undefined));
    for (let i = 0; i < 4; i++) assert.equal(await via('unready.test', '/'), 'lonely');
  });

  it('serves only Ingresses of its classes (or of none, being the default); others get no status', async () => {
    await client.resource('ingressclasses', 'networking.k8s.io').create(undefined, { metadata: { name: 'other' }, spec: { controller: 'example.com/other' } });
    await ingress('foreign', { rules: [rule('foreign.test', [['/', 'alpha']])] }, 'other');
    await ingress('legacy-foreign', { rules: [rule('legacy-foreign.test', [['/', 'alpha']])] }, null).then((i) => i);
    await ingresses().patch(NS, 'legacy-foreign', { metadata: { annotations: { 'kubernetes.io/ingress.class': 'other' } } });
    await ingress('classless', { rules: [rule('classless.test', [['/', 'beta']])] }, null);
    await routesTo('classless.test', '/', 'beta');
    await eventually('status of the class-less Ingress', async () => ((await ingresses().get(NS, 'classless')).status?.loadBalancer?.ingress?.length ? true : undefined));
    assert.equal(await via('foreign.test', '/'), '404');
    assert.equal(await via('legacy-foreign.test', '/'), '404');
    // Give the controller every chance to (wrongly) write a status, then look.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual((await ingresses().get(NS, 'foreign')).status?.loadBalancer?.ingress ?? [], []);
    assert.deepEqual((await ingresses().get(NS, 'legacy-foreign')).status?.loadBalancer?.ingress ?? [], []);
  });

  it('fills in status on Ingresses it serves, and clears it when it stops serving one', async () => {
    const lb = await eventually('status', async () => (await ingresses().get(NS, 'two-hosts')).status?.loadBalancer?.ingress);
    assert.deepEqual(lb, [{ ip: '127.0.0.1' }]);
    await ingresses().patch(NS, 'precedence', { spec: { ingressClassName: 'other' } });
    await eventually('status cleared', async () => ((await ingresses().get(NS, 'precedence')).status?.loadBalancer?.ingress?.length ? undefined : true));
    await routesTo('prec.test', '/foo', '404');
  });

  it('terminates TLS by SNI with each host\'s secret, and the default certificate otherwise', async () => {
    const certs: Record<string, KeyPair> = { 'a.tls.test': await selfSignedCertificate(['a.tls.test']), 'b.tls.test': await selfSignedCertificate(['b.tls.test']) };
    for (const [host, kp] of Object.entries(certs)) {
      await client.resource('secrets').create(NS, {
        metadata: { name: `${host.split('.')[0]}-tls` },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': Buffer.from(kp.certPem).toString('base64'), 'tls.key': Buffer.from(kp.keyPem).toString('base64') },
      });
    }
    await ingress('tls', {
      tls: [
        { hosts: ['a.tls.test'], secretName: 'a-tls' },
        { hosts: ['b.tls.test'], secretName: 'b-tls' },
      ],
      rules: [rule('a.tls.test', [['/', 'alpha']]), rule('b.tls.test', [['/', 'beta']])],
    });

    /** Connects with SNI, verifying against `ca`; sends one request; returns the subject and reply. */
    const viaTls = (servername: string, ca: string | undefined) =>
      new Promise<{ cn: string; authorized: boolean; reply: string }>((resolve, reject) => {
        const sock = tls.connect({ host: '127.0.0.1', port: httpsPort, servername, ca, rejectUnauthorized: ca !== undefined }, () => {
          const cn = String(sock.getPeerCertificate().subject?.CN);
          // HTTP/1.0: the reply is delimited by the close, not chunked.
          sock.write(`GET /tls HTTP/1.0\r\nHost: ${servername}\r\n\r\n`);
          let reply = '';
          sock.setEncoding('utf8');
          sock.on('data', (d: string) => (reply += d));
          sock.on('end', () => resolve({ cn, authorized: sock.authorized, reply }));
        });
        sock.on('error', reject);
      });
    for (const [host, kp] of Object.entries(certs)) {
      const r = await eventually(`certificate of ${host}`, () => viaTls(host, kp.certPem));
      assert.equal(r.cn, host);
      assert.ok(r.authorized);
      assert.match(r.reply, /^HTTP\/1\.[01] 200/);
      const body = JSON.parse(r.reply.slice(r.reply.indexOf('\r\n\r\n') + 4));
      assert.equal(body.backend, host === 'a.tls.test' ? 'alpha' : 'beta');
      assert.equal(body.headers['x-forwarded-proto'], 'https');
    }
    await assert.rejects(viaTls('a.tls.test', certs['b.tls.test'].certPem), 'b\'s certificate does not vouch for a');
    const unknown = await viaTls('unknown.tls.test', undefined);
    assert.equal(unknown.cn, DEFAULT_CERT_NAME);

    // A renewed certificate is served once its Secret changes.
    const renewed = await selfSignedCertificate(['a.tls.test']);
    await client.resource('secrets').patch(NS, 'a-tls', { data: { 'tls.crt': Buffer.from(renewed.certPem).toString('base64'), 'tls.key': Buffer.from(renewed.keyPem).toString('base64') } });
    await eventually('the renewed certificate', () => viaTls('a.tls.test', renewed.certPem));
  });

  it('applies changes live: a slow request in flight and a kept-alive connection both survive', async () => {
    const old = await startBackend('live-old');
    const neu = await startBackend('live-new');
    backends.set('live-old', old).set('live-new', neu);
    await service('live');
    await endpoints('live', [[old.port, true]]);
    await service('live-next');
    await endpoints('live-next', [[neu.port, true]]);
    await ingress('live', { rules: [rule('live.test', [['/', 'live']])] });
    await routesTo('live.test', '/', 'live-old');

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await request(httpPort, 'live.test', '/', { agent })).json.backend, 'live-old');
      const slow = request(httpPort, 'live.test', '/slow?delay=1500');
      await new Promise((r) => setTimeout(r, 200));
      // Change the rule's service, and take the old endpoint out of its Service.
      await ingresses().patch(NS, 'live', { spec: { rules: [rule('live.test', [['/', 'live-next']])] } });
      await endpoints('live', []);
      await routesTo('live.test', '/', 'live-new');
      const kept = await request(httpPort, 'live.test', '/', { agent });
      assert.equal(kept.json.backend, 'live-new');
      assert.ok(kept.reusedSocket, 'the client connection was kept across the change');
      const done = await slow;
      assert.equal(done.status, 200);
      assert.equal(done.json.backend, 'live-old', 'the request in flight finished where it started');
    } finally {
      agent.destroy();
    }
  });

  it('relays WebSocket-style upgrades', async () => {
    await ingress('upgrade', { rules: [rule('ws.test', [['/', 'gamma']])] });
    await routesTo('ws.test', '/', 'gamma');
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: httpPort, path: '/ws', headers: { Host: 'ws.test', Connection: 'Upgrade', Upgrade: 'echo' }, agent: false });
      req.on('upgrade', (res, socket, head) => {
        assert.equal(res.statusCode, 101);
        // Bytes that came with the 101 are handed over as `head`.
        let got = head.toString('utf8');
        socket.setEncoding('utf8');
        socket.on('data', (d: string) => {
          got += d;
          if (got.includes('ping')) {
            socket.destroy();
            resolve(got);
          }
        });
        socket.write('ping');
      });
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    assert.equal(text, 'hello from gamma\nping');
  });

  it('shuts down gracefully: a request in flight completes, then the listeners are gone', async () => {
    const ac2 = new AbortController();
    const second = new IngressController({
      client: { server: s.api.url, ca: s.api.caPem, token: s.api.adminToken },
      log: silentLogger(),
      httpListen: { host: '127.0.0.1', port: 0 },
      httpsListen: { host: '127.0.0.1', port: 0 },
      statusAddress: '127.0.0.1',
      shutdownGraceMs: 5000,
    });
    const run2 = second.run(ac2.signal);
    await second.ready;
    const port = second.httpAddress.port;
    const slow = request(port, 'foo.test', '/api/slow?delay=600');
    await new Promise((r) => setTimeout(r, 150));
    const t0 = Date.now();
    ac2.abort();
    const done = await slow;
    assert.equal(done.status, 200);
    assert.equal(done.json.backend, 'alpha');
    await run2;
    assert.ok(Date.now() - t0 < 4000, 'stopped once idle, not at the end of the grace period');
    await assert.rejects(request(port, 'foo.test', '/api'), /ECONNREFUSED/);
  });

  it('reports a missing service and secret as Warning events, serves the rest, and recovers', async () => {
    await ingress('broken', { tls: [{ hosts: ['broken.test'], secretName: 'no-such-secret' }], rules: [rule('broken.test', [['/', 'no-such-service']])] });
    const events = await eventually('events', async () => {
      const list = (await client.events.list(NS)).items as Event[];
      const mine = list.filter((e) => e.involvedObject?.name === 'broken' && e.type === 'Warning');
      const reasons = new Set(mine.map((e) => e.reason));
      return reasons.has('ServiceNotFound') && reasons.has('SecretNotFound') ? mine : undefined;
    });
    assert.match(events.find((e) => e.reason === 'ServiceNotFound')!.message ?? '', /Service ing-test\/no-such-service not found/);
    assert.equal(events.find((e) => e.reason === 'ServiceNotFound')!.involvedObject?.kind, 'Ingress');
    const r = await request(httpPort, 'broken.test', '/');
    assert.equal(r.status, 503);
    assert.match(r.text, /not found/);
    assert.equal(await via('foo.test', '/api'), 'alpha', 'other Ingresses are still served');

    // Rebuilds (an annotation change causes one) find the problem again; the event is not repeated.
    await ingresses().patch(NS, 'broken', { metadata: { annotations: { touched: 'yes' } } });
    await new Promise((r) => setTimeout(r, 300));
    const again = ((await client.events.list(NS)).items as Event[]).filter((e) => e.involvedObject?.name === 'broken' && e.reason === 'ServiceNotFound');
    assert.equal(again.length, 1);
    assert.equal(again[0].count ?? 1, 1);

    await service('no-such-service');
    await endpoints('no-such-service', [[backends.get('delta')!.port, true]]);
    await routesTo('broken.test', '/', 'delta');
  });
});
