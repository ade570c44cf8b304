import { test } from 'node:test';
import assert from 'node:assert/strict';
import { age, humanDuration, translateTimestampSince } from './age.js';
import { NOW, ago } from './testing.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test('humanDuration follows kubectl thresholds', () => {
  const cases: [ms: number, want: string][] = [
    [0, '0s'],
    [999, '0s'],
    [-1999, '0s'], // up to two seconds of clock skew reads as now
    [-2000, '<invalid>'],
    [45 * s, '45s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [2 * m + 30 * s, '2m30s'],
    [5 * m + 30 * s, '5m30s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 10 * m, '3h10m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 30 * m, '8h'],
    [47 * h + 59 * m, '47h'],
    [2 * d, '2d'],
    [2 * d + 5 * h, '2d5h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d + 5 * h, '8d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [3 * 365 * d + 20 * d, '3y20d'],
    [8 * 365 * d, '8y'],
    [12 * 365 * d + 100 * d, '12y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `humanDuration(${ms})`);
});

test('translateTimestampSince measures from now and knows when there is no timestamp', () => {
  const cases: [ts: string | undefined, want: string][] = [
    [ago(45), '45s'],
    [ago(5, 'm'), '5m'],
    ['2024-06-01T11:59:15.123456Z', '44s'], // MicroTime, as in event eventTime
    [undefined, '<unknown>'],
    ['', '<unknown>'],
    ['0001-01-01T00:00:00Z', '<unknown>'], // Go's zero time
    ['not a time', '<unknown>'],
  ];
  for (const [ts, want] of cases) assert.equal(translateTimestampSince(ts, NOW), want, `since ${ts}`);
});

test('age reads metadata.creationTimestamp', () => {
  assert.equal(age({ metadata: { creationTimestamp: ago(3, 'd') } }, NOW), '3d');
  assert.equal(age({ metadata: {} }, NOW), '<unknown>');
  assert.equal(age(undefined, NOW), '<unknown>');
});
