import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLabelSelector, formatLabels, labelSelectorString } from './labels.js';

test('formatLabels sorts by key and shows <none> when empty', () => {
  assert.equal(formatLabels({ tier: 'fe', app: 'web' }), 'app=web,tier=fe');
  assert.equal(formatLabels({}), '<none>');
  assert.equal(formatLabels(undefined), '<none>');
});

test('label selectors render as kubectl shows them', () => {
  const cases: [name: string, sel: Parameters<typeof labelSelectorString>[0], str: string | undefined, cell: string][] = [
    ['nil', undefined, '', '<none>'],
    ['empty', {}, '', '<none>'],
    ['matchLabels sorted', { matchLabels: { tier: 'fe', app: 'web' } }, 'app=web,tier=fe', 'app=web,tier=fe'],
    [
      'expressions mixed in by key, values sorted',
      {
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['fe', 'be'] },
          { key: 'env', operator: 'NotIn', values: ['prod'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'zone', operator: 'Exists' },
        ],
      },
      'app=web,!canary,env notin (prod),tier in (be,fe),zone',
      'app=web,!canary,env notin (prod),tier in (be,fe),zone',
    ],
    ['In without values is invalid', { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, undefined, '<error>'],
    ['unknown operator is invalid', { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, undefined, '<error>'],
  ];
  for (const [name, sel, str, cell] of cases) {
    assert.equal(labelSelectorString(sel), str, `${name}: string`);
    assert.equal(formatLabelSelector(sel), cell, `${name}: cell`);
  }
});
