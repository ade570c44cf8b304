import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareQuantity, parseQuantity } from './quantity.js';

test('quantities in different notations compare by value', () => {
  const cases: [unknown, unknown, number][] = [
    ['0.5', '500m', 0],
    ['1', 1, 0],
    ['1Gi', '1024Mi', 0],
    ['1G', '1Gi', -1],
    ['100Mi', '200Mi', -1],
    ['2', '1', 1],
    ['1e3', '1k', 0],
    ['1E', '1000P', 0],
    ['.5', '0.5', 0],
    ['-1', '0', -1],
    ['12E-1', '1200m', 0],
  ];
  for (const [a, b, want] of cases) {
    const qa = parseQuantity(a);
    const qb = parseQuantity(b);
    assert.ok(qa && qb, `${String(a)} and ${String(b)} should parse`);
    assert.equal(compareQuantity(qa, qb), want, `${String(a)} vs ${String(b)}`);
  }
});

test('malformed quantities do not parse', () => {
  for (const v of ['', 'abc', '1Gb', '1.2.3', '1 Gi', null, {}, 'Mi']) {
    assert.equal(parseQuantity(v), undefined, JSON.stringify(v));
  }
});
