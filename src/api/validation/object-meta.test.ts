import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors.js';
import { validateCreate, validateObjectMeta, validateObjectMetaUpdate } from './index.js';

const render = (errs: ReturnType<typeof validateObjectMeta>): string[] => errs.map(fieldErrorMessage);
const namespaced = { namespaced: true, nameRule: 'subdomain' } as const;

test('object metadata rules, one broken field at a time', () => {
  const cases: { name: string; meta: any; opts?: Parameters<typeof validateObjectMeta>[1]; want: string[] }[] = [
    { name: 'valid', meta: { name: 'web', namespace: 'default' }, want: [] },
    { name: 'generateName alone is enough', meta: { generateName: 'web-', namespace: 'default' }, want: [] },
    {
      name: 'no name',
      meta: { namespace: 'default' },
      want: ['metadata.name: Required value: name or generateName is required'],
    },
    { name: 'no namespace', meta: { name: 'web' }, want: ['metadata.namespace: Required value'] },
    {
      name: 'namespace on a cluster-scoped kind',
      meta: { name: 'n1', namespace: 'default' },
      opts: { namespaced: false, nameRule: 'subdomain' },
      want: ['metadata.namespace: Forbidden: not allowed on this type'],
    },
    {
      name: 'bad label key and value',
      meta: { name: 'web', namespace: 'default', labels: { 'a/b/c': 'ok', ok: '-bad-' } },
      want: [
        "metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        "metadata.labels: Invalid value: \"-bad-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    },
    {
      name: 'label value too long',
      meta: { name: 'web', namespace: 'default', labels: { a: 'x'.repeat(64) } },
      want: [`metadata.labels: Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`],
    },
    {
      name: 'annotations over 256 KiB',
      meta: { name: 'web', namespace: 'default', annotations: { big: 'x'.repeat(256 * 1024) } },
      want: ['metadata.annotations: Too long: may not be more than 262144 bytes'],
    },
    {
      name: 'annotation keys are case-insensitive qualified names',
      meta: { name: 'web', namespace: 'default', annotations: { 'Example.COM/Key': 'v' } },
      want: [],
    },
    {
      name: 'owner reference missing its identity',
      meta: { name: 'web', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs' }] },
      want: ['metadata.ownerReferences.uid: Invalid value: "": must not be empty'],
    },
    {
      name: 'two controllers',
      meta: {
        name: 'web',
        namespace: 'default',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
        ],
      },
      want: [
        'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
      ],
    },
    {
      name: 'finalizers must be domain-qualified unless standard',
      meta: { name: 'web', namespace: 'default', finalizers: ['kubernetes.io/pv-protection', 'foregroundDeletion', 'mine'] },
      want: ['metadata.finalizers: Invalid value: "mine": name is neither a standard finalizer name nor is it fully qualified'],
    },
    {
      name: 'name too long for a label rule',
      meta: { name: 'a'.repeat(64) },
      opts: { namespaced: false, nameRule: 'label' },
      want: [`metadata.name: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`],
    },
  ];
  for (const c of cases) assert.deepEqual(render(validateObjectMeta(c.meta, c.opts ?? namespaced)), c.want, c.name);
});

test('metadata updates keep identity and refuse new finalizers during deletion', () => {
  const old = { name: 'web', namespace: 'default', uid: 'u1', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['a.io/x'] };
  assert.deepEqual(render(validateObjectMetaUpdate({ ...old }, old)), []);
  assert.deepEqual(render(validateObjectMetaUpdate({ ...old, name: 'web2' }, old)), ['metadata.name: Invalid value: "web2": field is immutable']);
  assert.deepEqual(render(validateObjectMetaUpdate({ ...old, uid: 'u2' }, old)), ['metadata.uid: Invalid value: "u2": field is immutable']);
  assert.deepEqual(render(validateObjectMetaUpdate({ ...old, finalizers: ['a.io/x', 'b.io/y'] }, old)), [
    'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ["b.io/y"]',
  ]);
  // The registry fills uid from the stored object; a request without it is fine.
  assert.deepEqual(render(validateObjectMetaUpdate({ ...old, uid: undefined }, old)), []);
});

test('kinds without rules of their own still get metadata validation; unknown kinds none', () => {
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'Bad_Name', namespace: 'default' } };
  assert.equal(validateCreate('ServiceAccount', sa).length, 1);
  assert.deepEqual(validateCreate('NoSuchKind', { metadata: {} }), []);
});
