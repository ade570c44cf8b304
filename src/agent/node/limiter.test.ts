import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Limiter, mapLimit } from './limiter.js';

const tick = () => new Promise((r) => setImmediate(r));

test('a limiter never runs more than max calls at once and runs waiters in order', async () => {
  const lim = new Limiter(2);
  let peak = 0;
  const order: number[] = [];
  const gates: (() => void)[] = [];
  const calls = [0, 1, 2, 3, 4].map((i) =>
    lim.run(async () => {
      peak = Math.max(peak, lim.inFlight);
      order.push(i);
      await new Promise<void>((r) => gates.push(r));
      return i;
    }),
  );
  await tick();
  assert.equal(lim.inFlight, 2);
  assert.equal(lim.queued, 3);
  while (gates.length || order.length < 5) {
    gates.shift()?.();
    await tick();
  }
  assert.deepEqual(await Promise.all(calls), [0, 1, 2, 3, 4]);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.equal(peak, 2);
  assert.equal(lim.inFlight, 0);
});

test('a limiter runs waiters of a higher priority first, in order among equals', async () => {
  const lim = new Limiter(1);
  const order: string[] = [];
  let release!: () => void;
  const first = lim.run(() => new Promise<void>((r) => (release = r)));
  const calls = [
    ['a0', 0],
    ['b1', 1],
    ['c0', 0],
    ['d2', 2],
    ['e1', 1],
  ].map(([name, priority]) => lim.run(async () => void order.push(name as string), priority as number));
  await tick();
  assert.equal(lim.queued, 5);
  release();
  await Promise.all([first, ...calls]);
  assert.deepEqual(order, ['d2', 'b1', 'e1', 'a0', 'c0']);
  assert.equal(lim.inFlight, 0);
});

test('a limiter frees the slot of a call that throws', async () => {
  const lim = new Limiter(1);
  await assert.rejects(lim.run(async () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await lim.run(async () => 7), 7);
  assert.equal(lim.inFlight, 0);
});

test('mapLimit keeps order, bounds concurrency and reports the first error after all settle', async () => {
  let active = 0;
  let peak = 0;
  const out = await mapLimit([1, 2, 3, 4, 5, 6], 3, async (x) => {
    active++;
    peak = Math.max(peak, active);
    await tick();
    active--;
    return x * 10;
  });
  assert.deepEqual(out, [10, 20, 30, 40, 50, 60]);
  assert.equal(peak, 3);
  const seen: number[] = [];
  await assert.rejects(
    mapLimit([1, 2, 3], 2, async (x) => {
      seen.push(x);
      if (x === 1) throw new Error('first');
    }),
    /first/,
  );
  assert.deepEqual(seen.sort(), [1, 2, 3]);
});
