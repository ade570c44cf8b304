import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { kindSchema } from './index.js';
import { findTypeErrors, findUnknownFields, strictDecodingMessage } from './unknown-fields.js';

const EXAMPLES = '/work/shared/examples';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(name) ? [p] : [];
  });
}

function schemaFor(obj: { apiVersion?: string; kind?: string }) {
  const [group, version] = obj.apiVersion?.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion ?? ''];
  return kindSchema(group, version, obj.kind ?? '');
}

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'a', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1', memory: 1e9 } } },
          { name: 'b', image: 'busybox' },
        ],
      },
    },
  },
});

test('every example manifest of a kind orch serves has no unknown fields', () => {
  assert.ok(statSync(EXAMPLES, { throwIfNoEntry: false })?.isDirectory(), `expected examples at ${EXAMPLES}`);
  let checked = 0;
  const problems: string[] = [];
  for (const file of yamlFiles(EXAMPLES)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const obj = doc.toJS() as { apiVersion?: string; kind?: string } | null;
      if (!obj) continue;
      const schema = schemaFor(obj);
      if (!schema) continue;
      checked++;
      for (const p of findUnknownFields(schema, obj)) problems.push(`${file}: ${obj.kind} unknown ${p}`);
      for (const e of findTypeErrors(schema, obj)) problems.push(`${file}: ${obj.kind} ${e.field} ${e.detail}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked >= 60, `expected at least 60 served objects among the examples, checked ${checked}`);
});

test('a well-formed deployment has no unknown fields and no type errors', () => {
  const schema = kindSchema('apps', 'v1', 'Deployment')!;
  assert.deepEqual(findUnknownFields(schema, deployment()), []);
  assert.deepEqual(findTypeErrors(schema, deployment()), []);
});

test('misspelt fields are reported with their full path, in document order', () => {
  const d = deployment() as any;
  d.spec.foo = 1;
  d.spec.template.spec.containers[1].imagee = 'x';
  d.metadata.lables = {};
  const schema = kindSchema('apps', 'v1', 'Deployment')!;
  assert.deepEqual(findUnknownFields(schema, d), [
    'metadata.lables',
    'spec.template.spec.containers[1].imagee',
    'spec.foo',
  ]);
  assert.equal(
    strictDecodingMessage(['spec.foo', 'spec.bar']),
    'strict decoding error: unknown field "spec.foo", unknown field "spec.bar"',
  );
});

test('free-form maps accept any key; null values are fine', () => {
  const schema = kindSchema('', 'v1', 'ConfigMap')!;
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { 'x/y': 'z' } }, data: { any: 'v' }, immutable: null };
  assert.deepEqual(findUnknownFields(schema, cm), []);
  assert.deepEqual(findTypeErrors(schema, cm), []);
});

test('values of the wrong JSON type are reported', () => {
  const d = deployment() as any;
  d.spec.replicas = '3';
  d.spec.template.spec.containers[0].ports[0].containerPort = 'http';
  d.spec.template.spec.containers = d.spec.template.spec.containers.concat('oops');
  const errors = findTypeErrors(kindSchema('apps', 'v1', 'Deployment')!, d);
  assert.deepEqual(
    errors.map((e) => `${e.field}: ${e.detail}`),
    [
      'spec.replicas: must be of type integer',
      'spec.template.spec.containers[0].ports[0].containerPort: must be of type integer',
      'spec.template.spec.containers[2]: must be of type object',
    ],
  );
});
