import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, runWorkers } from './work-queue.js';

test('a key added many times is processed once, and never by two workers at once', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('a');
  q.add('b');
  assert.equal(q.length, 2);
  const k = await q.get();
  assert.equal(k, 'a');
  q.add('a'); // while processing: queued again only when done
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'b');
  q.done('b');
  assert.equal(q.length, 0);
  q.done('a');
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'a');
});

test('failures back off exponentially and forget resets the count', async () => {
  const q = new WorkQueue({ baseDelayMs: 10 });
  q.addRateLimited('x');
  q.addRateLimited('y');
  q.addRateLimited('y');
  assert.equal(q.retries('y'), 2);
  const start = Date.now();
  assert.equal(await q.get(), 'x');
  assert.ok(Date.now() - start >= 8);
  q.forget('y');
  assert.equal(q.retries('y'), 0);
  q.shutDown();
});

test('runWorkers retries a failing sync until it succeeds and stops on abort', async () => {
  const q = new WorkQueue({ baseDelayMs: 1 });
  const ac = new AbortController();
  let calls = 0;
  const errs: unknown[] = [];
  const done = runWorkers(
    q,
    2,
    async (key) => {
      calls++;
      if (calls < 3) throw new Error(`fail ${key}`);
      ac.abort();
    },
    ac.signal,
    (_k, e) => errs.push(e),
  );
  q.add('k');
  await done;
  assert.equal(calls, 3);
  assert.equal(errs.length, 2);
});
