import { test } from 'node:test';
import assert from 'node:assert/strict';
import { age, humanDuration, shortHumanDuration } from './duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

// Each branch of HumanDuration at and around its boundaries.
const human: [ms: number, out: string][] = [
  [-2 * s, '<invalid>'],
  [-1999, '0s'],
  [-1 * s, '0s'],
  [0, '0s'],
  [999, '0s'],
  [1 * s, '1s'],
  [70 * s, '70s'],
  [119 * s, '119s'],
  [2 * m, '2m'],
  [2 * m + 1 * s, '2m1s'],
  [9 * m + 59 * s, '9m59s'],
  [10 * m, '10m'],
  [10 * m + 30 * s, '10m'],
  [179 * m, '179m'],
  [3 * h, '3h'],
  [3 * h + 1 * m, '3h1m'],
  [7 * h + 59 * m, '7h59m'],
  [8 * h, '8h'],
  [25 * h, '25h'],
  [47 * h + 59 * m, '47h'],
  [48 * h, '2d'],
  [2 * d + 4 * h, '2d4h'],
  [7 * d + 23 * h, '7d23h'],
  [8 * d, '8d'],
  [2 * y - 1 * d, '729d'],
  [2 * y, '2y'],
  [3 * y + 100 * d, '3y100d'],
  [8 * y - 1 * h, '7y364d'],
  [8 * y, '8y'],
  [20 * y, '20y'],
];

for (const [ms, out] of human) {
  test(`humanDuration(${ms}ms) is ${out}`, () => assert.equal(humanDuration(ms), out));
}

const short: [ms: number, out: string][] = [
  [-2 * s, '<invalid>'],
  [-1 * s, '0s'],
  [59 * s, '59s'],
  [60 * s, '1m'],
  [59 * m, '59m'],
  [23 * h + 59 * m, '23h'],
  [24 * h, '1d'],
  [364 * d, '364d'],
  [366 * d, '1y'],
];

for (const [ms, out] of short) {
  test(`shortHumanDuration(${ms}ms) is ${out}`, () => assert.equal(shortHumanDuration(ms), out));
}

test('age reads an RFC 3339 timestamp against now, <unknown> when missing', () => {
  const now = Date.parse('2024-05-03T12:00:00Z');
  assert.equal(age('2024-05-01T08:00:00Z', now), '2d4h');
  assert.equal(age(new Date('2024-05-03T11:59:55Z'), now), '5s');
  assert.equal(age(undefined, now), '<unknown>');
  assert.equal(age('', now), '<unknown>');
  assert.equal(age('not a time', now), '<unknown>');
});
