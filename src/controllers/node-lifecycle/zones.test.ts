import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DISRUPTION, TokenBucket, zoneEvictionRate, zoneOf, zoneState } from './zones.js';

test('zoneState follows Kubernetes thresholds', () => {
  const cases: [number, number, string][] = [
    [3, 0, 'Normal'],
    [0, 1, 'FullDisruption'],
    [1, 1, 'Normal'],
    [1, 2, 'Normal'], // two or fewer down is never a disruption
    [2, 3, 'PartialDisruption'], // 60% >= 55%
    [3, 3, 'Normal'], // 50%
    [0, 0, 'Normal'],
  ];
  for (const [ready, notReady, want] of cases) assert.equal(zoneState(ready, notReady, 0.55), want, `${ready} ready, ${notReady} not`);
});

test('zoneEvictionRate slows large partially disrupted zones and stops small ones', () => {
  assert.equal(zoneEvictionRate('Normal', 10, DEFAULT_DISRUPTION), 0.1);
  assert.equal(zoneEvictionRate('FullDisruption', 10, DEFAULT_DISRUPTION), 0.1);
  assert.equal(zoneEvictionRate('PartialDisruption', 51, DEFAULT_DISRUPTION), 0.01);
  assert.equal(zoneEvictionRate('PartialDisruption', 50, DEFAULT_DISRUPTION), 0);
});

test('zoneOf reads region and zone labels', () => {
  assert.equal(zoneOf({ metadata: {} }), '');
  assert.equal(zoneOf({ metadata: { labels: { 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': 'a' } } }), 'r/a');
});

test('a token bucket gives one token at once, then one per 1/rate seconds; rate 0 never', () => {
  const b = new TokenBucket(0.1, 1, 0);
  assert.equal(b.take(0), true);
  assert.equal(b.take(1), false);
  assert.equal(b.nextAt(1000), 10_000);
  assert.equal(b.take(10_000), true);
  b.setRate(0, 10_000);
  assert.equal(b.nextAt(20_000), undefined);
  assert.equal(b.take(1_000_000), false);
  b.setRate(1, 1_000_000);
  assert.equal(b.nextAt(1_000_000), 1_001_000);
});
