import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsOf, jsonEqual, removeAt, valueAt } from './object-fields.js';
import { splitPath } from './field-set.js';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'u', labels: { app: 'web' }, finalizers: ['a/b'] },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx', args: ['-x'], env: [{ name: 'A', value: '1' }] }] },
    },
  },
  status: { replicas: 2 },
};

test('fieldsOf walks maps, associative lists, sets and atomic lists', () => {
  const got = [...fieldsOf(deployment, { kind: 'Deployment', part: 'main' }).keys()].map((p) => splitPath(p).join(' ')).sort();
  assert.deepEqual(got, [
    'f:metadata f:finalizers v:"a/b"',
    'f:metadata f:labels f:app',
    'f:spec f:replicas',
    'f:spec f:selector f:matchLabels f:app',
    'f:spec f:template f:metadata f:labels f:app',
    'f:spec f:template f:spec f:containers k:{"name":"web"}',
    'f:spec f:template f:spec f:containers k:{"name":"web"} f:args',
    'f:spec f:template f:spec f:containers k:{"name":"web"} f:env k:{"name":"A"}',
    'f:spec f:template f:spec f:containers k:{"name":"web"} f:env k:{"name":"A"} f:name',
    'f:spec f:template f:spec f:containers k:{"name":"web"} f:env k:{"name":"A"} f:value',
    'f:spec f:template f:spec f:containers k:{"name":"web"} f:image',
    'f:spec f:template f:spec f:containers k:{"name":"web"} f:name',
  ]);
});

test('the status subresource owns status only; a kind without one owns it all', () => {
  assert.deepEqual([...fieldsOf(deployment, { kind: 'Deployment', part: 'status' }).keys()], ['f:status\nf:replicas']);
  assert.ok(fieldsOf({ data: { a: '1' }, status: { x: 1 } }, { kind: 'ConfigMap', part: 'all' }).has(['f:status', 'f:x']));
});

test('valueAt and removeAt follow field, key and value elements', () => {
  const o = structuredClone(deployment);
  const image = splitPath('f:spec\nf:template\nf:spec\nf:containers\nk:{"name":"web"}\nf:image');
  assert.deepEqual(valueAt(o, image), { found: true, value: 'nginx' });
  assert.deepEqual(valueAt(o, ['f:spec', 'f:nope']), { found: false });
  removeAt(o, image);
  assert.equal((o.spec.template.spec.containers[0] as any).image, undefined);
  removeAt(o, ['f:metadata', 'f:finalizers', 'v:"a/b"']);
  assert.deepEqual(o.metadata.finalizers, []);
  removeAt(o, ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}']);
  assert.deepEqual(o.spec.template.spec.containers, []);
  removeAt(o, ['f:spec', 'f:absent', 'f:x']);
});

test('jsonEqual ignores key order', () => {
  assert.ok(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
  assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: undefined as unknown as number }));
  assert.ok(!jsonEqual([1, 2], [2, 1]));
});
