import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../machinery/log.js';
import { IngressProxy } from './proxy.js';
import { emptyRouteTable, type Backend } from './routes.js';
import { UpstreamPool } from './upstream-pool.js';

/** A raw TCP upstream on 127.0.0.1 whose behaviour each test scripts. */
async function rawUpstream(onConnection: (c: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    c.on('error', () => undefined);
    onConnection(c);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    open: () => sockets.size,
    close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}

/** Reads one request head from a raw connection. */
const head = (c: net.Socket) =>
  new Promise<string>((resolve) => {
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        c.off('data', onData);
        resolve(got);
      }
    };
    c.on('data', onData);
  });

interface Reply {
  status: number;
  body: string;
  complete: boolean;
  error?: string;
}

function get(port: number, path = '/', o: { method?: string; body?: string; timeoutMs?: number } = {}): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, complete: res.complete }));
      res.on('error', (err) => resolve({ status: res.statusCode ?? 0, body, complete: false, error: err.message }));
    });
    req.on('error', (err) => resolve({ status: 0, body: '', complete: false, error: err.message }));
    req.end(o.body);
  });
}

describe('IngressProxy upstream failures', () => {
  let port = 0;
  let server: http.Server;
  const backend: Backend = { id: 'ns/svc:80', namespace: 'ns', service: 'svc', port: 80, endpoints: [] };
  const table = emptyRouteTable();
  table.defaultBackend = backend;
  const pool = new UpstreamPool({ responseTimeoutMs: 300 });
  const proxy = new IngressProxy({ log: silentLogger(), pool, routes: () => table });
  const upstreams: { close(): Promise<void> }[] = [];
  const route = (upPort: number) => {
    backend.endpoints = [{ address: '127.0.0.1', port: upPort, key: `127.0.0.1:${upPort}` }];
  };

  before(async () => {
    server = http.createServer((req, res) => proxy.handleRequest(req, res, 'http'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await pool.destroy();
    for (const u of upstreams) await u.close();
  });

  it('cuts the client off when the upstream breaks mid-body, rather than end the response short', async () => {
    const up = await rawUpstream(async (c) => {
      await head(c);
      c.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
      setTimeout(() => c.destroy(), 50);
    });
    upstreams.push(up);
    route(up.port);
    const r = await get(port);
    assert.equal(r.status, 200);
    assert.equal(r.complete, false, `the client saw an incomplete response (${JSON.stringify(r)})`);
  });

  it('answers 504 when the upstream accepts but sends no response in time', async () => {
    const up = await rawUpstream(() => undefined);
    upstreams.push(up);
    route(up.port);
    const r = await get(port);
    assert.equal(r.status, 504);
    assert.match(r.body, /timed out waiting for ns\/svc:80 at 127\.0\.0\.1:\d+: UND_ERR_HEADERS_TIMEOUT/);
  });

  it('answers 502 when the upstream resets while a request body is being sent, and retries a bodiless GET once', async () => {
    let connections = 0;
    const up = await rawUpstream((c) => {
      connections++;
      c.once('data', () => c.resetAndDestroy());
    });
    upstreams.push(up);
    route(up.port);
    // The client is still uploading when the upstream gives up: it is told 502 all the same.
    const post = await new Promise<Reply>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', headers: { 'Content-Length': 1000 }, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, complete: res.complete }));
      });
      req.on('error', (err) => resolve({ status: 0, body: '', complete: false, error: err.message }));
      req.write('x'.repeat(10));
    });
    assert.equal(post.status, 502, JSON.stringify(post));
    assert.match(post.body, /could not reach ns\/svc:80/);
    connections = 0;
    const g = await get(port);
    assert.equal(g.status, 502);
    assert.equal(connections, 2, 'the GET was tried twice');
  });

  it('answers 400 to a request undici will not send (two Host headers)', async () => {
    const up = await rawUpstream(() => assert.fail('nothing may reach the upstream'));
    upstreams.push(up);
    route(up.port);
    const reply = await new Promise<string>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n'));
      let got = '';
      c.on('data', (d: Buffer) => (got += d.toString('latin1')));
      c.on('close', () => resolve(got));
    });
    assert.match(reply, /^HTTP\/1\.1 400 /);
    assert.match(reply, /duplicate host header/);
  });

  it('stops the upstream exchange when the client goes away', async () => {
    let closed!: () => void;
    const upClosed = new Promise<void>((r) => (closed = r));
    const up = await rawUpstream(async (c) => {
      c.on('close', () => closed());
      await head(c);
      // Headers and a first chunk, then silence: the exchange is in the body phase.
      c.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    });
    upstreams.push(up);
    route(up.port);
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (err.message === 'socket hang up' ? undefined : reject(err)));
    });
    await upClosed;
    assert.equal(up.open(), 0);
  });

  it('streams a large response with backpressure intact', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const total = 64;
    const up = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': chunk.length * total });
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    upstreams.push({ close: () => new Promise<void>((r) => (up.closeAllConnections(), up.close(() => r()))) });
    route((up.address() as AddressInfo).port);
    const r = await get(port);
    assert.equal(r.status, 200);
    assert.equal(r.body.length, chunk.length * total);
    assert.ok(r.complete);
  });
});
