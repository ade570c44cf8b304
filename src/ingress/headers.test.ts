import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientAddress, downstreamResponseHeaders, headerList, upstreamRequestHeaders } from './headers.js';

const pairs = (raw: string[]) => {
  const out: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
};

describe('upstream request headers', () => {
  const info = { remoteAddress: '::ffff:192.0.2.7', proto: 'https' as const, port: 8443 };

  it('drops hop-by-hop fields, those named by Connection, and Expect; keeps the rest in order and case', () => {
    const raw = [
      'Host', 'app.example.com',
      'Connection', 'keep-alive, X-Secret-Hop',
      'Keep-Alive', 'timeout=5',
      'X-Secret-Hop', 'drop me',
      'Transfer-Encoding', 'chunked',
      'TE', 'trailers',
      'Proxy-Authorization', 'Basic eA==',
      'Upgrade', 'h2c',
      'Expect', '100-continue',
      'Cookie', 'a=1',
      'cookie', 'b=2',
      'Accept', '*/*',
    ];
    const out = pairs(upstreamRequestHeaders(raw, info));
    assert.deepEqual(out.slice(0, 4), [['Host', 'app.example.com'], ['Cookie', 'a=1'], ['cookie', 'b=2'], ['Accept', '*/*']]);
    assert.deepEqual(Object.fromEntries(out.slice(4)), {
      'X-Forwarded-For': '192.0.2.7',
      'X-Real-IP': '192.0.2.7',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'app.example.com',
      'X-Forwarded-Port': '8443',
    });
  });

  it('appends to a client\'s X-Forwarded-For and replaces its other forwarding fields', () => {
    const raw = ['Host', 'h', 'X-Forwarded-For', '203.0.113.1', 'x-forwarded-for', '10.0.0.1', 'X-Real-IP', '1.1.1.1', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'evil'];
    const h = Object.fromEntries(pairs(upstreamRequestHeaders(raw, { remoteAddress: '127.0.0.1', proto: 'http', port: undefined })));
    assert.equal(h['X-Forwarded-For'], '203.0.113.1, 10.0.0.1, 127.0.0.1');
    assert.equal(h['X-Real-IP'], '127.0.0.1');
    assert.equal(h['X-Forwarded-Proto'], 'http');
    assert.equal(h['X-Forwarded-Host'], 'h');
    assert.equal(h['X-Forwarded-Port'], undefined);
    assert.equal(h['X-Forwarded-Host'.toLowerCase()], undefined);
  });

  it('keeps the upgrade handshake for an upgrade', () => {
    const raw = ['Host', 'h', 'Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'k'];
    const out = pairs(upstreamRequestHeaders(raw, { remoteAddress: '127.0.0.1', proto: 'http', port: 80 }, 'websocket'));
    assert.deepEqual(out.filter(([k]) => /^(connection|upgrade|sec-websocket-key)$/i.test(k)), [['Sec-WebSocket-Key', 'k'], ['Connection', 'Upgrade'], ['Upgrade', 'websocket']]);
  });
});

describe('downstream response headers', () => {
  it('drops hop-by-hop fields and keeps repeated ones', () => {
    const raw = ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'Content-Type', 'text/plain'];
    assert.deepEqual(downstreamResponseHeaders(raw), ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Content-Type', 'text/plain']);
  });

  it('keeps Connection and Upgrade on a 101', () => {
    assert.deepEqual(downstreamResponseHeaders(['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Accept', 'x'], true), ['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Accept', 'x']);
  });
});

it('turns undici\'s raw header Buffers into strings (latin1), or flattens the parsed object', () => {
  assert.deepEqual(headerList([Buffer.from('X-Name'), Buffer.from('caf\xe9', 'latin1')], {}), ['X-Name', 'caf\xe9']);
  assert.deepEqual(headerList(null, { 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain' }), ['set-cookie', 'a=1', 'set-cookie', 'b=2', 'content-type', 'text/plain']);
});

it('unmaps IPv4-mapped client addresses', () => {
  assert.equal(clientAddress('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(clientAddress('::1'), '::1');
  assert.equal(clientAddress(undefined), '');
});
