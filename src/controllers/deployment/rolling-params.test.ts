import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maxSurge, maxUnavailable, resolveFenceposts, scaledValue } from './rolling-params.js';
import { deployment } from './test-fixtures.js';

describe('rolling update parameters', () => {
  const scaled: [number | string, number, boolean, number][] = [
    [3, 10, true, 3],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['25%', 4, false, 1],
    ['10%', 4, false, 0],
    ['100%', 7, true, 7],
    ['0%', 7, true, 0],
    ['33%', 3, true, 1],
  ];
  for (const [v, total, up, want] of scaled) {
    it(`${v} of ${total} rounded ${up ? 'up' : 'down'} is ${want}`, () => assert.equal(scaledValue(v, total, up), want));
  }

  const fence: [number | string, number | string, number, [number, number]][] = [
    ['25%', '25%', 10, [3, 2]],
    [0, 0, 5, [0, 1]],
    [0, '10%', 4, [0, 1]],
    ['25%', '25%', 1, [1, 0]],
    [2, 0, 5, [2, 0]],
  ];
  for (const [s, u, n, want] of fence) {
    it(`surge ${s}, unavailable ${u} of ${n} resolve to ${want}`, () => assert.deepEqual(resolveFenceposts(s, u, n), want));
  }

  it('Recreate has neither; unavailable never exceeds replicas', () => {
    assert.equal(maxSurge(deployment(5, 'Recreate')), 0);
    assert.equal(maxUnavailable(deployment(5, 'Recreate')), 0);
    assert.equal(maxUnavailable(deployment(2, { maxUnavailable: 5 })), 2);
    assert.equal(maxUnavailable(deployment(0)), 0);
  });
});
