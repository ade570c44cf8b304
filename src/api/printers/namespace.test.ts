import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namespacePrinter } from './namespace.js';
import { ago, cellsOf } from './testing.js';

test('namespace STATUS is the phase', () => {
  const cases: [name: string, obj: object, want: Record<string, unknown>][] = [
    [
      'active',
      { metadata: { name: 'default', creationTimestamp: ago(30, 'd') }, status: { phase: 'Active' } },
      { Name: 'default', Status: 'Active', Age: '30d' },
    ],
    [
      'terminating',
      { metadata: { name: 'tmp', creationTimestamp: ago(9, 'm'), deletionTimestamp: ago(5) }, status: { phase: 'Terminating' } },
      { Name: 'tmp', Status: 'Terminating', Age: '9m' },
    ],
    ['no status yet', { metadata: { name: 'new' } }, { Name: 'new', Status: '', Age: '<unknown>' }],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(cellsOf(namespacePrinter, obj), want, name);
});
