import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch, mergePatchValue } from './merge-patch.js';
import { ApiError } from '../errors.js';
import type { JsonValue } from './json-value.js';

// The examples of RFC 7386 appendix A, plus the cases kubectl sends.
const rfcCases: { name: string; target: JsonValue; patch: JsonValue; expected: JsonValue }[] = [
  { name: 'replaces a member', target: { a: 'b' }, patch: { a: 'c' }, expected: { a: 'c' } },
  { name: 'adds a member', target: { a: 'b' }, patch: { b: 'c' }, expected: { a: 'b', b: 'c' } },
  { name: 'null removes a member', target: { a: 'b' }, patch: { a: null }, expected: {} },
  { name: 'null removes only that member', target: { a: 'b', b: 'c' }, patch: { a: null }, expected: { b: 'c' } },
  { name: 'an array replaces an array', target: { a: ['b'] }, patch: { a: 'c' }, expected: { a: 'c' } },
  { name: 'a value replaces an array', target: { a: 'c' }, patch: { a: ['b'] }, expected: { a: ['b'] } },
  {
    name: 'nested objects merge recursively',
    target: { a: { b: 'c' } },
    patch: { a: { b: 'd', c: null } },
    expected: { a: { b: 'd' } },
  },
  { name: 'arrays are replaced, not merged', target: { a: [{ b: 'c' }] }, patch: { a: [1] }, expected: { a: [1] } },
  { name: 'a non-object patch replaces the target', target: ['a', 'b'], patch: ['c', 'd'], expected: ['c', 'd'] },
  { name: 'an object patch replaces a non-object target', target: { a: 'b' }, patch: ['c'], expected: ['c'] },
  { name: 'an existing null member is kept', target: { e: null }, patch: { a: 1 }, expected: { e: null, a: 1 } },
  { name: 'nulls in a new subtree are dropped', target: {}, patch: { a: { bb: { ccc: null } } }, expected: { a: { bb: {} } } },
  { name: 'a null patch is a null document', target: { a: 'foo' }, patch: null, expected: null },
  { name: 'a string patch replaces the document', target: { a: 'foo' }, patch: 'bar', expected: 'bar' },
];

for (const c of rfcCases) {
  test(`merge patch ${c.name}`, () => {
    const before = structuredClone(c.target);
    assert.deepEqual(mergePatchValue(c.target, c.patch), c.expected);
    assert.deepEqual(c.target, before, 'the target must not be changed');
  });
}

test('merge patch of an object: kubectl scale and label --overwrite style patches', () => {
  const original = { metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } }, spec: { replicas: 1 } };
  const got = applyMergePatch(original, { metadata: { labels: { tier: null, env: 'prod' } }, spec: { replicas: 3 } });
  assert.deepEqual(got, { metadata: { name: 'web', labels: { app: 'web', env: 'prod' } }, spec: { replicas: 3 } });
  assert.equal(original.spec.replicas, 1, 'the original must not be changed');
});

test('merge patch of an object rejects a patch that is not an object with 400', () => {
  for (const patch of [[], 'x', null, 3]) {
    assert.throws(
      () => applyMergePatch({}, patch),
      (e: unknown) => e instanceof ApiError && e.code === 400 && /must be a JSON object/.test(e.message),
      `patch ${JSON.stringify(patch)}`,
    );
  }
});
