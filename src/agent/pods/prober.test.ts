import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpGet, ProbeManager, type ProbeKind } from './prober.js';

test('thresholds: readiness starts failing and passes after successThreshold; liveness fails after failureThreshold', async () => {
  let ok = true;
  const flips: [ProbeKind, boolean][] = [];
  const m = new ProbeManager(
    async () => ({ ok, message: '' }),
    (_t, kind, result) => flips.push([kind, result]),
  );
  const container = { name: 'c', readinessProbe: { exec: { command: ['x'] }, periodSeconds: 1, successThreshold: 2 }, livenessProbe: { exec: { command: ['x'] }, periodSeconds: 1, failureThreshold: 2 } };
  m.ensure({ containerId: 'id1', container, podIP: '10.0.0.1' });
  assert.equal(m.result('id1', 'readiness'), false, 'readiness starts failed');
  assert.equal(m.result('id1', 'liveness'), true, 'liveness starts passing');
  assert.equal(m.result('id1', 'startup'), true, 'no startup probe counts as passed');
  await sleep(1300);
  assert.equal(m.result('id1', 'readiness'), true, 'two successes make it ready');
  ok = false;
  await sleep(2200);
  assert.equal(m.result('id1', 'liveness'), false, 'two failures fail liveness');
  m.stopAll();
  assert.equal(m.has('id1', 'liveness'), false);
  assert.ok(flips.some(([k, r]) => k === 'liveness' && r === false));
});

test('a container that was reported ready before an agent restart starts ready', () => {
  const m = new ProbeManager(async () => ({ ok: true, message: '' }), () => undefined);
  m.ensure({ containerId: 'id2', container: { name: 'c', readinessProbe: { exec: { command: ['x'] }, initialDelaySeconds: 60 } }, podIP: '10.0.0.1' }, true);
  assert.equal(m.result('id2', 'readiness'), true);
  m.stopAll();
});

test('httpGet: 2xx/3xx pass, others and refused connections fail', async () => {
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === '/ok' ? 200 : req.url === '/moved' ? 302 : 500);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    assert.equal((await httpGet('127.0.0.1', port, '/ok', 'HTTP', {}, 1000)).ok, true);
    assert.equal((await httpGet('127.0.0.1', port, '/moved', 'HTTP', {}, 1000)).ok, true);
    const bad = await httpGet('127.0.0.1', port, '/bad', 'HTTP', {}, 1000);
    assert.equal(bad.ok, false);
    assert.match(bad.message, /statuscode: 500/);
  } finally {
    server.close();
  }
  assert.equal((await httpGet('127.0.0.1', port, '/', 'HTTP', {}, 1000)).ok, false);
});
