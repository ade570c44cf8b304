import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from './sleep.js';

test('sleep ends at its time, at an abort, or at once when already aborted, and leaves no listener', async () => {
  const ac = new AbortController();
  let t = Date.now();
  await sleep(20, ac.signal);
  assert.ok(Date.now() - t >= 15);
  t = Date.now();
  const waiting = sleep(10_000, ac.signal);
  setTimeout(() => ac.abort(), 10);
  await waiting;
  assert.ok(Date.now() - t < 5_000);
  await sleep(10_000, ac.signal);
  const other = new AbortController();
  let added = 0;
  let removed = 0;
  const add = other.signal.addEventListener.bind(other.signal);
  const remove = other.signal.removeEventListener.bind(other.signal);
  other.signal.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
  other.signal.removeEventListener = ((...a: Parameters<typeof remove>) => (removed++, remove(...a))) as typeof remove;
  await sleep(1, other.signal);
  assert.deepEqual([added, removed], [1, 1]);
});
