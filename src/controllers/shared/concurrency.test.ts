import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mapLimit, slowStartBatch } from './concurrency.js';

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and settles them all in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      if (x === 4) throw new Error('four');
      return x * 10;
    });
    assert.equal(peak, 3);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      [10, 20, 30, 'four', 50, 60, 70],
    );
  });
});

describe('slowStartBatch', () => {
  const cases = [
    { count: 1, failAt: -1, want: { successes: 1, skipped: 0, errors: 0, batches: [1] } },
    { count: 10, failAt: -1, want: { successes: 10, skipped: 0, errors: 0, batches: [1, 2, 4, 3] } },
    // The call with index 3 is in the third batch (3..6): batches after it are skipped.
    { count: 10, failAt: 3, want: { successes: 6, skipped: 3, errors: 1, batches: [1, 2, 4] } },
    { count: 0, failAt: -1, want: { successes: 0, skipped: 0, errors: 0, batches: [] } },
  ];
  for (const c of cases) {
    it(`${c.count} calls, failing at ${c.failAt}`, async () => {
      const started: number[] = [];
      const r = await slowStartBatch(c.count, 1, 50, async (i) => {
        started.push(i);
        if (i === c.failAt) throw new Error('no');
      });
      assert.deepEqual({ successes: r.successes, skipped: r.skipped, errors: r.errors.length }, { successes: c.want.successes, skipped: c.want.skipped, errors: c.want.errors });
      const batches: number[] = [];
      let n = 0;
      for (let b = 1; n < started.length; b *= 2) {
        const size = Math.min(b, started.length - n);
        batches.push(size);
        n += size;
      }
      assert.deepEqual(batches, c.want.batches);
    });
  }
});
