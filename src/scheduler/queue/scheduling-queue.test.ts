import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podInfo } from '../testing.js';
import { backoffDuration } from './backoff.js';
import { SchedulingQueue, type QueuedPodInfo } from './scheduling-queue.js';

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const popKey = (q: SchedulingQueue) => q.tryPop()?.info.key;

test('backoffDuration: 1 s doubling per attempt up to 10 s', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 20].map((n) => backoffDuration(n, 1000, 10_000)),
    [1000, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000],
  );
});

test('active queue: higher priority first, then first come first served', () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ now: clock.now });
  q.add(podInfo({ name: 'low-1', priority: 0 }));
  clock.advance(1);
  q.add(podInfo({ name: 'high', priority: 100 }));
  clock.advance(1);
  q.add(podInfo({ name: 'low-2', priority: 0 }));
  clock.advance(1);
  q.add(podInfo({ name: 'mid', priority: 10 }));
  assert.deepEqual([popKey(q), popKey(q), popKey(q), popKey(q), popKey(q)], ['default/high', 'default/mid', 'default/low-1', 'default/low-2', undefined]);
});

test('pop waits for a pod and returns undefined once closed', async () => {
  const q = new SchedulingQueue();
  const waiting = q.pop();
  q.add(podInfo({ name: 'p' }));
  assert.equal((await waiting)?.info.key, 'default/p');
  const closed = q.pop();
  q.close();
  assert.equal(await closed, undefined);
});

test('an unschedulable pod is parked until a cluster change, then backs off before retrying', () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ now: clock.now });
  q.add(podInfo({ name: 'p' }));
  const p = q.tryPop()!;
  q.addUnschedulable(p);
  assert.equal(q.where('default/p'), 'unschedulable');
  clock.advance(500);
  q.moveAllToActiveOrBackoff();
  assert.equal(q.where('default/p'), 'backoff', 'first failure: 1 s back-off, only 0.5 s passed');
  q.flushBackoffCompleted();
  assert.equal(q.where('default/p'), 'backoff');
  clock.advance(500);
  q.flushBackoffCompleted();
  assert.equal(q.where('default/p'), 'active');
});

test('back-off grows with attempts', () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ now: clock.now });
  q.add(podInfo({ name: 'p' }));
  const waits: number[] = [];
  for (let attempt = 1; attempt <= 6; attempt++) {
    const p = q.tryPop()!;
    assert.equal(p.attempts, attempt);
    q.addBackoff(p);
    let waited = 0;
    while (q.where('default/p') !== 'active') {
      clock.advance(100);
      waited += 100;
      q.flushBackoffCompleted();
    }
    waits.push(waited);
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 10_000, 10_000]);
});

test('a pod whose back-off ran out goes straight to active on a cluster change', () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ now: clock.now });
  q.add(podInfo({ name: 'p' }));
  q.addUnschedulable(q.tryPop()!);
  clock.advance(5000);
  q.moveAllToActiveOrBackoff();
  assert.equal(q.where('default/p'), 'active');
});

test('a cluster change during an attempt sends the failed pod to backoff, not to be parked', () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ now: clock.now });
  q.add(podInfo({ name: 'p' }));
  const p = q.tryPop()!;
  q.moveAllToActiveOrBackoff(); // e.g. a node was added while p was being scheduled
  q.addUnschedulable(p);
  assert.equal(q.where('default/p'), 'backoff');
  // The next attempt, with no change meanwhile, parks it.
  clock.advance(1000);
  q.flushBackoffCompleted();
  q.addUnschedulable(q.tryPop()!);
  assert.equal(q.where('default/p'), 'unschedulable');
});

test('status-only updates leave a parked pod parked; spec changes requeue it', () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ now: clock.now });
  q.add(podInfo({ name: 'p' }));
  q.addUnschedulable(q.tryPop()!);
  q.update(podInfo({ name: 'p' }), false);
  assert.equal(q.where('default/p'), 'unschedulable');
  clock.advance(2000);
  q.update(podInfo({ name: 'p', cpu: '1' }), true);
  assert.equal(q.where('default/p'), 'active');
  assert.equal(q.tryPop()!.info.requests.milliCpu, 1000, 'the newest pod is scheduled');
});

test('a spec change while in flight keeps the pod from being parked on stale data', () => {
  const q = new SchedulingQueue();
  q.add(podInfo({ name: 'p' }));
  const p = q.tryPop()!;
  q.update(podInfo({ name: 'p', cpu: '1' }), true);
  assert.equal(q.where('default/p'), 'inFlight');
  q.addUnschedulable(p);
  assert.equal(q.where('default/p'), 'backoff');
});

test('a pod deleted while in flight is not requeued', () => {
  const q = new SchedulingQueue();
  q.add(podInfo({ name: 'p' }));
  const p = q.tryPop()!;
  q.delete('default/p');
  q.addUnschedulable(p);
  assert.equal(q.where('default/p'), undefined);
  q.addBackoff(p);
  assert.equal(q.where('default/p'), undefined);
});

test('a re-created pod of the same name is not disturbed by the old entry finishing', () => {
  const q = new SchedulingQueue();
  q.add(podInfo({ name: 'p', uid: 'old' }));
  const old = q.tryPop()!;
  q.delete('default/p');
  q.add(podInfo({ name: 'p', uid: 'new' }));
  const fresh = q.tryPop()!;
  q.done(old);
  assert.equal(q.where('default/p'), 'inFlight');
  q.done(fresh);
  assert.equal(q.where('default/p'), undefined);
});

test('pods parked longer than the limit are retried by the periodic flush', () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ now: clock.now, maxUnschedulableMs: 60_000 });
  q.add(podInfo({ name: 'old' }));
  q.add(podInfo({ name: 'young' }));
  const old = q.tryPop()!;
  q.addUnschedulable(old);
  clock.advance(30_000);
  q.addUnschedulable(q.tryPop()!);
  clock.advance(30_000);
  q.flushUnschedulableLeftover();
  assert.deepEqual([q.where('default/old'), q.where('default/young')], ['active', 'unschedulable']);
});

test('the back-off timer moves pods to active on its own when the queue runs', async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 20, maxBackoffMs: 20 });
  const ac = new AbortController();
  q.run(ac.signal);
  q.add(podInfo({ name: 'p' }));
  q.addBackoff(q.tryPop()!);
  const started = Date.now();
  const next: QueuedPodInfo | undefined = await q.pop();
  assert.equal(next?.info.key, 'default/p');
  assert.ok(Date.now() - started >= 15, 'waited for the back-off');
  ac.abort();
});

test('adding a pod already queued updates it instead of duplicating it', () => {
  const q = new SchedulingQueue();
  q.add(podInfo({ name: 'p' }));
  q.add(podInfo({ name: 'p', cpu: '2' }));
  assert.equal(q.lengths.active, 1);
  assert.equal(q.tryPop()!.info.requests.milliCpu, 2000);
});
