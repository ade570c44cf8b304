import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackOff, backOffLeft } from './backoff.js';

test('back-off doubles from the base to the cap and starts over after a quiet period', () => {
  const b = new BackOff({ baseMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 });
  const delays = [0, 1, 2, 3, 4, 5, 6].map((i) => b.next('k', i * 1000));
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  // Ten quiet minutes (a container that ran that long) and the next failure waits the base again.
  assert.equal(b.next('k', 6000 + 600_001), 10_000);
});

test('backOffLeft is the kubelet IsInBackOffSince: measured from the container finish', () => {
  const b = new BackOff({ baseMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 });
  assert.equal(backOffLeft(b, 'k', 0, 1000), 0, 'no back-off before the first failure');
  b.next('k', 0);
  assert.equal(backOffLeft(b, 'k', 5000, 8000), 7000);
  assert.equal(backOffLeft(b, 'k', 5000, 16_000), 0);
  b.clearPrefix('k');
  assert.equal(b.delay('k'), 0);
});
