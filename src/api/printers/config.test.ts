import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from './config.js';
import { ago, cellsOf } from './testing.js';

const metadata = { name: 'app', namespace: 'default', creationTimestamp: ago(50) };

test('configmap DATA counts text and binary keys', () => {
  const cases: [name: string, obj: object, data: number][] = [
    [
      'text and binary',
      { metadata, data: { 'app.conf': 'x=1', 'log.conf': 'level=info' }, binaryData: { 'logo.png': 'iVBORw0K' } },
      3,
    ],
    ['empty', { metadata }, 0],
  ];
  for (const [name, obj, data] of cases) {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', ...obj };
    assert.deepEqual(cellsOf(configMapPrinter, cm), { Name: 'app', Data: data, Age: '50s' }, name);
  }
});

test('secret TYPE and DATA', () => {
  const cases: [name: string, obj: object, type: string, data: number][] = [
    ['tls', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'LS0t', 'tls.key': 'LS0t' } }, 'kubernetes.io/tls', 2],
    ['opaque, empty', { type: 'Opaque' }, 'Opaque', 0],
  ];
  for (const [name, obj, type, data] of cases) {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata, ...obj };
    assert.deepEqual(cellsOf(secretPrinter, secret), { Name: 'app', Type: type, Data: data, Age: '50s' }, name);
  }
});

test('service account SECRETS', () => {
  const cases: [name: string, obj: object, secrets: number][] = [
    ['none (the norm since bound tokens)', {}, 0],
    ['one listed', { secrets: [{ name: 'app-token-x7q2v' }] }, 1],
  ];
  for (const [name, obj, secrets] of cases) {
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata, ...obj };
    assert.deepEqual(cellsOf(serviceAccountPrinter, sa), { Name: 'app', Secrets: secrets, Age: '50s' }, name);
  }
});
