import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addQuantities,
  canonicalQuantity,
  compareQuantities,
  formatQuantity,
  milliValue,
  parseQuantity,
  QuantityError,
  quantityFromMilli,
  quantityFromValue,
  subtractQuantities,
  tryParseQuantity,
  value,
} from './quantity.js';

// Canonical forms as apimachinery prints them (see its quantity_test.go table).
const canonical: [input: string | number, out: string][] = [
  ['0', '0'],
  ['0Gi', '0'],
  ['-0', '0'],
  ['100m', '100m'],
  ['1.5', '1500m'],
  ['0.1', '100m'],
  ['1', '1'],
  ['1000', '1k'],
  ['1500', '1500'],
  ['2Gi', '2Gi'],
  ['0.5Gi', '512Mi'],
  ['1.5Gi', '1536Mi'],
  ['1024Ki', '1Mi'],
  ['1024', '1024'],
  ['512Ki', '512Ki'],
  ['0.5Ki', '512'],
  ['1.1Ki', '1126400m'],
  ['1Ki', '1Ki'],
  ['500M', '500M'],
  ['1000M', '1G'],
  ['1e3', '1e3'],
  ['1E3', '1e3'],
  ['1.5e3', '1500'],
  ['12e6', '12e6'],
  ['1e-3', '1e-3'],
  ['100e-3', '100e-3'],
  ['1E', '1E'],
  ['1000E', '1e21'],
  ['1n', '1n'],
  ['0.1n', '1n'],
  ['1.2345', '1234500u'],
  ['-1.5', '-1500m'],
  ['+2', '2'],
  ['.5', '500m'],
  ['1.', '1'],
  ['007', '7'],
  ['8Ei', '9223372036854775807'],
  [0.5, '500m'],
  [2, '2'],
  [1e21, '1e21'],
];

for (const [input, out] of canonical) {
  test(`quantity ${JSON.stringify(input)} is canonically ${out}`, () => {
    assert.equal(canonicalQuantity(input), out);
    assert.equal(canonicalQuantity(out), out, 'the canonical form is stable');
  });
}

const malformed: [input: string | number, message: RegExp][] = [
  ['', /quantities must match the regular expression/],
  ['abc', /quantities must match the regular expression/],
  ['1Gb', /quantities must match the regular expression/],
  [' 1', /quantities must match the regular expression/],
  ['1.2.3', /quantities must match the regular expression/],
  ['-', /quantities must match the regular expression/],
  ['1ki', /unable to parse quantity's suffix/],
  ['1MiB', /quantities must match/],
  ['1e', /unable to parse quantity's suffix/],
  ['1e99999', /unable to parse numeric part of quantity/],
  [Number.NaN, /unable to parse numeric part of quantity/],
];

for (const [input, message] of malformed) {
  test(`quantity ${JSON.stringify(String(input))} is rejected: ${message.source}`, () => {
    assert.throws(() => parseQuantity(input), (e: unknown) => e instanceof QuantityError && message.test(e.message));
    assert.equal(tryParseQuantity(input), undefined);
  });
}

const conversions: [input: string, milli: number, units: number][] = [
  ['100m', 100, 1],
  ['1', 1000, 1],
  ['2.5', 2500, 3],
  ['1Gi', 1073741824000, 1073741824],
  ['500M', 500000000000, 500000000],
  ['1n', 1, 1],
  ['0', 0, 0],
  ['-100m', -100, -1],
];

for (const [input, milli, units] of conversions) {
  test(`quantity ${input} is ${milli} milli-units and ${units} units (rounded up)`, () => {
    const q = parseQuantity(input);
    assert.equal(milliValue(q), milli);
    assert.equal(value(q), units);
  });
}

test('quantities compare by amount, whatever their suffixes', () => {
  const cases: [string, string, -1 | 0 | 1][] = [
    ['1', '1000m', 0],
    ['1Ki', '1024', 0],
    ['1k', '1Ki', -1],
    ['2Gi', '2G', 1],
    ['-1', '0', -1],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(compareQuantities(parseQuantity(a), parseQuantity(b)), want, `${a} vs ${b}`);
  }
});

test('adding and subtracting keep the first operand format', () => {
  assert.equal(formatQuantity(addQuantities(parseQuantity('1Gi'), parseQuantity('512Mi'))), '1536Mi');
  assert.equal(formatQuantity(addQuantities(parseQuantity('100m'), parseQuantity('900m'))), '1');
  assert.equal(formatQuantity(addQuantities(parseQuantity('0'), parseQuantity('1Ki'))), '1Ki');
  assert.equal(formatQuantity(subtractQuantities(parseQuantity('2'), parseQuantity('250m'))), '1750m');
  assert.equal(formatQuantity(subtractQuantities(parseQuantity('1Gi'), parseQuantity('2Gi'))), '-1Gi');
});

test('quantities built from numbers print canonically', () => {
  assert.equal(formatQuantity(quantityFromMilli(250)), '250m');
  assert.equal(formatQuantity(quantityFromMilli(2000)), '2');
  assert.equal(formatQuantity(quantityFromValue(8 * 2 ** 30, 'BinarySI')), '8Gi');
  assert.equal(formatQuantity(quantityFromValue(110)), '110');
  assert.equal(formatQuantity(quantityFromValue(3n * 1024n ** 3n, 'BinarySI')), '3Gi');
});
