import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpstreamPool } from './upstream-pool.js';

async function server(delayFor: (url: string) => number) {
  let open = 0;
  const s = http.createServer((req, res) => setTimeout(() => res.end('ok'), delayFor(req.url ?? '')));
  s.on('connection', (c) => {
    open++;
    c.on('close', () => open--);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  return { port, open: () => open, close: () => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r()))) };
}

const get = (agent: http.Agent, port: number, path: string) =>
  new Promise<string>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(b));
      })
      .on('error', reject);
  });

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond());
};

describe('UpstreamPool', () => {
  it('reuses connections per endpoint, and retiring one lets its request in flight finish, then closes it', async () => {
    const srv = await server((url) => (url === '/slow' ? 300 : 0));
    const pool = new UpstreamPool();
    try {
      const ep = { address: '127.0.0.1', port: srv.port, key: `127.0.0.1:${srv.port}` };
      const agent = pool.agentFor(ep);
      assert.equal(pool.agentFor(ep), agent, 'one agent per endpoint');
      assert.equal(await get(agent, srv.port, '/'), 'ok');
      assert.equal(await get(agent, srv.port, '/'), 'ok');
      assert.equal(srv.open(), 1, 'the idle connection was reused');

      const slow = get(agent, srv.port, '/slow');
      const fast = get(agent, srv.port, '/');
      await fast;
      await new Promise((r) => setTimeout(r, 20));
      pool.retain(new Set());
      assert.equal(pool.size, 0);
      await until(() => srv.open() === 1); // the idle one closed, the busy one not
      assert.equal(await slow, 'ok', 'the request in flight finished');
      await until(() => srv.open() === 0); // and its connection was not kept
    } finally {
      pool.destroy();
      await srv.close();
    }
  });
});
