import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NewestCache } from './newest-cache.js';

const obj = (uid: string, rv: string, v: number) => ({ metadata: { uid, resourceVersion: rv }, v });

describe('NewestCache', () => {
  const cases = [
    { name: 'nothing written: the cached copy', written: [], cached: obj('a', '5', 1), want: 1 },
    { name: 'a newer write wins over an older cache', written: [obj('a', '7', 2)], cached: obj('a', '5', 1), want: 2 },
    { name: 'the cache caught up', written: [obj('a', '7', 2)], cached: obj('a', '7', 3), want: 3 },
    { name: 'the cache moved past the write', written: [obj('a', '7', 2)], cached: obj('a', '9', 4), want: 4 },
    { name: 'compared as numbers, not strings', written: [obj('a', '10', 2)], cached: obj('a', '9', 1), want: 2 },
    { name: 'other objects are untouched', written: [obj('b', '70', 2)], cached: obj('a', '5', 1), want: 1 },
    { name: 'an older write never replaces a newer one', written: [obj('a', '8', 2), obj('a', '7', 3)], cached: obj('a', '5', 1), want: 2 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const nc = new NewestCache<ReturnType<typeof obj>>();
      for (const w of c.written) nc.written(w);
      assert.equal(nc.newest(c.cached).v, c.want);
    });
  }

  it('drops an entry once the cache has caught up', () => {
    const nc = new NewestCache<ReturnType<typeof obj>>();
    nc.written(obj('a', '7', 2));
    nc.newest(obj('a', '7', 3));
    assert.equal(nc.newest(obj('a', '6', 9)).v, 9, 'the entry is gone');
  });
});
