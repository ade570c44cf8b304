import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { SliceTracker } from './slice-tracker.js';

const slice = (name: string, rv: number): EndpointSlice => ({ metadata: { name, resourceVersion: String(rv) }, addressType: 'IPv4', endpoints: [] });

describe('SliceTracker', () => {
  it('is stale until the cache shows our write at its revision', () => {
    const t = new SliceTracker();
    t.written('ns/web', slice('web-a', 10));
    assert.equal(t.stale('ns/web', []), true, 'created slice not cached yet');
    assert.equal(t.stale('ns/web', [slice('web-a', 9)]), true, 'older revision cached');
    assert.equal(t.stale('ns/web', [slice('web-a', 10)]), false);
    assert.equal(t.stale('ns/web', []), false, 'once seen, forgotten');
  });

  it('is stale until a deleted slice leaves the cache', () => {
    const t = new SliceTracker();
    t.deleted('ns/web', slice('web-a', 10));
    assert.equal(t.stale('ns/web', [slice('web-a', 10)]), true);
    assert.equal(t.stale('ns/web', []), false);
  });

  it('keeps Services apart and gives up on a write never seen', () => {
    let now = 0;
    const t = new SliceTracker(() => now);
    t.written('ns/web', slice('web-a', 10));
    assert.equal(t.stale('ns/other', []), false);
    now = 60_000;
    assert.equal(t.stale('ns/web', []), false);
  });
});
