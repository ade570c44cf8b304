import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventThrottle } from './event-throttle.js';

describe('EventThrottle', () => {
  it('allows a burst per object, then one per refill period', () => {
    const clock = { t: 0 };
    const th = new EventThrottle(3, 1000, () => clock.t);
    assert.deepEqual([1, 2, 3, 4].map(() => th.allow('a')), [true, true, true, false]);
    assert.equal(th.allow('b'), true, 'other objects have their own bucket');
    clock.t += 999;
    assert.equal(th.allow('a'), false);
    clock.t += 1;
    assert.equal(th.allow('a'), true);
    assert.equal(th.allow('a'), false);
    clock.t += 10_000;
    assert.deepEqual([1, 2, 3, 4].map(() => th.allow('a')), [true, true, true, false], 'refills up to the burst only');
  });
});
