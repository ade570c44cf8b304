import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listStart, prefixEnd } from './keys.js';

describe('key ranges', () => {
  const ends: [string, string | undefined][] = [
    ['/registry/pods/', '/registry/pods0'],
    ['a', 'b'],
    ['', undefined],
    ['\u{10FFFF}', undefined],
    ['x\u{10FFFF}', 'y'],
    ['\uD7FF', '\uE000'],
    ['é', 'ê'],
  ];
  for (const [prefix, end] of ends) {
    it(`ends the prefix ${JSON.stringify(prefix)} at ${JSON.stringify(end)}`, () => {
      assert.equal(prefixEnd(prefix), end);
    });
  }

  it('starts a page just after `after`, never below the prefix', () => {
    assert.equal(listStart('/registry/pods/', undefined), '/registry/pods/');
    assert.equal(listStart('/registry/pods/', '/registry/pods/ns/a'), '/registry/pods/ns/a\0');
    assert.equal(listStart('/registry/pods/', '/'), '/registry/pods/');
  });
});
