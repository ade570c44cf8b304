import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
import { ApiError } from '../errors.js';
import type { JsonObject } from './json-value.js';

const pod = (): JsonObject => ({
  metadata: { name: 'p', labels: { app: 'web' }, finalizers: ['a', 'b'] },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
});

const good: { name: string; patch: unknown; expected: (p: any) => void }[] = [
  {
    name: 'replace changes a value (kubectl patch --type=json)',
    patch: [{ op: 'replace', path: '/spec/containers/0/image', value: 'nginx:2' }],
    expected: (p) => (p.spec.containers[0].image = 'nginx:2'),
  },
  {
    name: 'add creates a member, with ~1 escaping a slash',
    patch: [{ op: 'add', path: '/metadata/labels/example.com~1tier', value: 'fe' }],
    expected: (p) => (p.metadata.labels['example.com/tier'] = 'fe'),
  },
  {
    name: 'add with - appends to an array',
    patch: [{ op: 'add', path: '/metadata/finalizers/-', value: 'c' }],
    expected: (p) => p.metadata.finalizers.push('c'),
  },
  {
    name: 'add at an index inserts',
    patch: [{ op: 'add', path: '/metadata/finalizers/0', value: 'z' }],
    expected: (p) => p.metadata.finalizers.unshift('z'),
  },
  {
    name: 'remove deletes an array item',
    patch: [{ op: 'remove', path: '/metadata/finalizers/0' }],
    expected: (p) => p.metadata.finalizers.shift(),
  },
  {
    name: 'a passing test lets later operations apply',
    patch: [
      { op: 'test', path: '/metadata/labels/app', value: 'web' },
      { op: 'add', path: '/metadata/labels/ok', value: 'yes' },
    ],
    expected: (p) => (p.metadata.labels.ok = 'yes'),
  },
  {
    name: 'copy and move relocate values',
    patch: [
      { op: 'copy', from: '/metadata/labels', path: '/spec/labels' },
      { op: 'move', from: '/metadata/finalizers', path: '/spec/finalizers' },
    ],
    expected: (p) => {
      p.spec.labels = { app: 'web' };
      p.spec.finalizers = p.metadata.finalizers;
      delete p.metadata.finalizers;
    },
  },
  {
    name: 'a null value is a value',
    patch: [{ op: 'add', path: '/spec/x', value: null }],
    expected: (p) => (p.spec.x = null),
  },
];

for (const c of good) {
  test(`json patch: ${c.name}`, () => {
    const original = pod();
    const expected = pod();
    c.expected(expected);
    assert.deepEqual(applyJsonPatch(original, c.patch), expected);
    assert.deepEqual(original, pod(), 'the original must not be changed');
  });
}

test('json patch: the result does not share objects with the patch', () => {
  const value = { a: 1 };
  const got = applyJsonPatch(pod(), [{ op: 'add', path: '/spec/v', value }]) as any;
  got.spec.v.a = 2;
  assert.equal(value.a, 1);
});

const bad: { name: string; patch: unknown; code: number; message: RegExp }[] = [
  { name: 'a body that is not an array', patch: { op: 'add' }, code: 400, message: /must be an array of operations, got object/ },
  { name: 'an operation that is not an object', patch: [1], code: 400, message: /operation 0 must be an object, got number/ },
  { name: 'an unknown op', patch: [{ op: 'merge', path: '/a' }], code: 400, message: /operation 0 has unsupported "op" "merge"/ },
  { name: 'a missing op', patch: [{ path: '/a' }], code: 400, message: /unsupported "op" null/ },
  { name: 'a path without a leading slash', patch: [{ op: 'remove', path: 'a' }], code: 400, message: /invalid "path" "a"/ },
  { name: 'a bad ~ escape in a path', patch: [{ op: 'remove', path: '/a~2' }], code: 400, message: /invalid "path"/ },
  { name: 'add without a value', patch: [{ op: 'add', path: '/a' }], code: 400, message: /\(add \/a\) is missing "value"/ },
  { name: 'move without from', patch: [{ op: 'move', path: '/a' }], code: 400, message: /invalid "from" null/ },
  {
    name: 'a failed test',
    patch: [
      { op: 'add', path: '/x', value: 1 },
      { op: 'test', path: '/metadata/labels/app', value: 'db' },
    ],
    code: 422,
    message: /^the server rejected our request due to an error in our request: JSON patch operation 1 \(test \/metadata\/labels\/app\): test failed/,
  },
  { name: 'a test of a missing path', patch: [{ op: 'test', path: '/nope', value: 1 }], code: 422, message: /test failed/ },
  { name: 'replace of a missing path', patch: [{ op: 'replace', path: '/spec/nope', value: 1 }], code: 422, message: /the path does not exist/ },
  { name: 'remove of a missing path', patch: [{ op: 'remove', path: '/metadata/labels/nope' }], code: 422, message: /the path does not exist/ },
  { name: 'add under a missing parent', patch: [{ op: 'add', path: '/a/b/c', value: 1 }], code: 422, message: /parent of the path does not exist/ },
  { name: 'an array index past the end', patch: [{ op: 'add', path: '/metadata/finalizers/9', value: 'x' }], code: 422, message: /out of bounds/ },
  { name: 'a non-numeric array index', patch: [{ op: 'add', path: '/metadata/finalizers/x', value: 'x' }], code: 422, message: /array index must be/ },
  { name: 'copy from a missing path', patch: [{ op: 'copy', from: '/nope', path: '/x' }], code: 422, message: /"from" path does not exist/ },
  { name: 'a move into its own child', patch: [{ op: 'move', from: '/spec', path: '/spec/x' }], code: 422, message: /into one of its own children/ },
  { name: 'a __proto__ path', patch: [{ op: 'add', path: '/__proto__/x', value: 1 }], code: 422, message: /not allowed/ },
  { name: 'replacing the document with a non-object', patch: [{ op: 'replace', path: '', value: [1] }], code: 422, message: /must be a JSON object, got array/ },
];

for (const c of bad) {
  test(`json patch rejects ${c.name} with ${c.code}`, () => {
    assert.throws(
      () => applyJsonPatch(pod(), c.patch),
      (e: unknown) => e instanceof ApiError && e.code === c.code && c.message.test(e.message),
    );
  });
}

test('json patch rejects more operations than Kubernetes allows with 413', () => {
  const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '', value: {} }));
  assert.throws(
    () => applyJsonPatch({}, ops),
    (e: unknown) => e instanceof ApiError && e.code === 413 && /maximum operations in a JSON patch is 10000, got 10001/.test(e.message),
  );
});
