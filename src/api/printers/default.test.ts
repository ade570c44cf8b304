import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPrinter } from './default.js';
import { ago, cellsOf } from './testing.js';

test('default printer shows NAME and AGE', () => {
  const cases: [name: string, obj: object, want: Record<string, unknown>][] = [
    ['named, dated', { metadata: { name: 'thing', creationTimestamp: ago(45) } }, { Name: 'thing', Age: '45s' }],
    ['no metadata', {}, { Name: '', Age: '<unknown>' }],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(cellsOf(defaultPrinter, obj), want, name);
  assert.deepEqual(
    defaultPrinter.columns.map((c) => [c.name, c.format]),
    [
      ['Name', 'name'],
      ['Age', ''],
    ],
  );
});
