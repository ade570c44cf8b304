import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'undici';
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

const get = async (pool: Pool, path: string) => (await pool.request({ method: 'GET', path })).body.text();
// undici frees a connection for the next request just after its body's end is delivered.
const settle = () => new Promise((r) => setImmediate(r));

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
      const p = pool.poolFor(ep);
      assert.equal(pool.poolFor(ep), p, 'one pool per endpoint');
      assert.equal(await get(p, '/'), 'ok');
      await settle();
      assert.equal(await get(p, '/'), 'ok');
      assert.equal(srv.open(), 1, 'the idle connection was reused');

      const slow = get(p, '/slow');
      const fast = get(p, '/');
      await fast;
      await new Promise((r) => setTimeout(r, 20));
      pool.retain(new Set());
      assert.equal(pool.size, 0);
      await until(() => srv.open() === 1); // the idle one closed, the busy one not
      assert.equal(await slow, 'ok', 'the request in flight finished');
      await until(() => srv.open() === 0); // and its connection was not kept
    } finally {
      await pool.destroy();
      await srv.close();
    }
  });
});
