import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePath, FieldSet } from './field-set.js';

test('fieldsV1 round trip, with "." on members that have children', () => {
  const set = FieldSet.of([
    ['f:spec', 'f:replicas'],
    ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}'],
    ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'],
    ['f:metadata', 'f:finalizers', 'v:"a/b"'],
  ]);
  const v1 = set.toFieldsV1();
  assert.deepEqual(v1, {
    'f:metadata': { 'f:finalizers': { 'v:"a/b"': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } },
    },
  });
  const back = FieldSet.fromFieldsV1(JSON.parse(JSON.stringify(v1)));
  assert.deepEqual([...back.keys()].sort(), [...set.keys()].sort());
});

test('fromFieldsV1 skips what is not a field set', () => {
  assert.equal(FieldSet.fromFieldsV1(null).size, 0);
  assert.equal(FieldSet.fromFieldsV1({ 'x:odd': {}, 'f:ok': {} }).size, 1);
  assert.equal(FieldSet.fromFieldsV1({ 'f:a': [] }).size, 0);
});

test('set operations and touches', () => {
  const a = FieldSet.of([['f:a'], ['f:b', 'f:c']]);
  const b = FieldSet.of([['f:b', 'f:c'], ['f:d']]);
  assert.deepEqual([...a.intersection(b).keys()], ['f:b\nf:c']);
  assert.deepEqual([...a.difference(b).keys()], ['f:a']);
  assert.equal(a.union(b).size, 3);
  assert.ok(a.touches('f:b'));
  assert.ok(!a.touches('f:bb'));
});

test('paths read the way kubectl users see them', () => {
  assert.equal(describePath(['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image']), '.spec.containers[name="web"].image');
  assert.equal(describePath(['f:metadata', 'f:finalizers', 'v:"x"']), '.metadata.finalizers[="x"]');
});
