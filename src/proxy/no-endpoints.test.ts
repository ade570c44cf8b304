/** The NoEndpoints event: when it fires, what it says, and how often. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { countEndpoints, NoEndpointsTracker } from './no-endpoints.js';

const svc = (name: string, selector?: Record<string, string>): Service => ({ metadata: { namespace: 'ns', name, uid: `uid-${name}` }, spec: { clusterIP: '10.97.0.1', selector, ports: [{ port: 80 }] } });
const slice = (service: string, endpoints: EndpointSlice['endpoints']): EndpointSlice => ({
  metadata: { namespace: 'ns', name: `${service}-1`, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints,
});

describe('NoEndpointsTracker', () => {
  it('fires once, after the delay, for a selector that matches no pod; never for selector-less services', () => {
    const t = new NoEndpointsTracker({ delayMs: 5000 });
    const counts = countEndpoints([svc('lonely', { app: 'nope', tier: 'x' }), svc('manual')], []);
    assert.deepEqual(t.observe(0, counts), []);
    assert.deepEqual(t.observe(4999, counts), []);
    const ev = t.observe(5000, counts);
    assert.equal(ev.length, 1);
    assert.equal(ev[0].service.metadata?.name, 'lonely');
    assert.equal(ev[0].message, 'Service has no endpoints: no Pod matches its selector app=nope,tier=x; connections to it are refused');
    assert.deepEqual(t.observe(60_000, counts), [], 'once per episode');
  });

  it('says so when pods match but none is ready', () => {
    const t = new NoEndpointsTracker({ delayMs: 0 });
    const ev = t.observe(0, countEndpoints([svc('web', { app: 'web' })], [slice('web', [{ addresses: ['10.0.0.1'], conditions: { ready: false } }, { addresses: ['10.0.0.2'], conditions: { ready: false } }])]));
    assert.match(ev[0].message, /2 Pods match its selector app=web but none is ready/);
  });

  it('a new episode fires again only after the repeat interval; endpoints end an episode', () => {
    const t = new NoEndpointsTracker({ delayMs: 0, repeatMs: 60_000 });
    const none = countEndpoints([svc('web', { app: 'web' })], []);
    const some = countEndpoints([svc('web', { app: 'web' })], [slice('web', [{ addresses: ['10.0.0.1'] }])]);
    assert.equal(t.observe(0, none).length, 1);
    assert.equal(t.observe(1000, some).length, 0);
    assert.equal(t.observe(2000, none).length, 0, 'too soon after the last event');
    assert.equal(t.observe(70_000, some).length, 0);
    assert.equal(t.observe(71_000, none).length, 1);
  });

  it('caps events per minute across services', () => {
    const t = new NoEndpointsTracker({ delayMs: 0, maxPerMinute: 3 });
    const many = countEndpoints(
      Array.from({ length: 5 }, (_, i) => svc(`s${i}`, { app: `a${i}` })),
      [],
    );
    assert.equal(t.observe(0, many).length, 3);
    assert.equal(t.observe(1000, many).length, 0);
    assert.equal(t.observe(61_000, many).length, 2, 'the rest once the minute has passed');
  });
});
