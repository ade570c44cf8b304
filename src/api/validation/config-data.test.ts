import { test } from 'node:test';
import { meta, runCreateCases, runUpdateCases } from './test-fixtures.js';

const configMap = (): any => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('cfg'), data: { 'app.properties': 'a=1' } });
const secret = (): any => ({ apiVersion: 'v1', kind: 'Secret', metadata: meta('s'), data: { password: 'c2VjcmV0' } });
const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('config map rules', () => {
  runCreateCases('ConfigMap', configMap, [
    { name: 'valid', mutate: () => {}, want: [] },
    {
      name: 'bad keys',
      mutate: (cm) => (cm.data = { 'a/b': 'x', '..x': 'y' }),
      want: [
        "data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        "data[..x]: Invalid value: \"..x\": must not start with '..'",
      ],
    },
    {
      name: 'a key in both data and binaryData',
      mutate: (cm) => (cm.binaryData = { 'app.properties': b64('x') }),
      want: ['data[app.properties]: Invalid value: "app.properties": duplicate of key present in binaryData'],
    },
    {
      name: 'binaryData must be base64',
      mutate: (cm) => (cm.binaryData = { bin: 'not base64!' }),
      want: ['binaryData[bin]: Invalid value: "not base64!": must be a base64-encoded string'],
    },
    {
      name: 'over 1 MiB',
      mutate: (cm) => (cm.data = { a: 'x'.repeat(600 * 1024), b: 'y'.repeat(600 * 1024) }),
      want: [': Too long: may not be more than 1048576 bytes'],
    },
  ]);
});

test('an immutable config map keeps its data and its flag', () => {
  const immutable = (cm: any): void => {
    cm.immutable = true;
  };
  runUpdateCases('ConfigMap', configMap, [
    { name: 'mutable data change', change: (cm) => (cm.data.x = 'y'), want: [] },
    { name: 'labels change', before: immutable, change: (cm) => (cm.metadata.labels = { a: 'b' }), want: [] },
    {
      name: 'data change',
      before: immutable,
      change: (cm) => (cm.data.x = 'y'),
      want: ['data: Forbidden: field is immutable when `immutable` is set'],
    },
    {
      name: 'unsetting immutable',
      before: immutable,
      change: (cm) => delete cm.immutable,
      want: ['immutable: Forbidden: field is immutable when `immutable` is set'],
    },
  ]);
});

test('secret rules', () => {
  runCreateCases('Secret', secret, [
    { name: 'valid', mutate: () => {}, want: [] },
    { name: 'stringData is folded into data', mutate: (s) => (s.stringData = { token: 'plain text' }), want: [] },
    {
      name: 'data must be base64',
      mutate: (s) => (s.data = { password: 'plain text' }),
      want: ['data[password]: Invalid value: "<secret contents redacted>": must be a base64-encoded string'],
    },
    {
      name: 'tls needs a certificate and a key',
      mutate: (s) => (s.type = 'kubernetes.io/tls'),
      want: ['data[tls.crt]: Required value', 'data[tls.key]: Required value'],
    },
    {
      name: 'dockerconfigjson needs its key',
      mutate: (s) => (s.type = 'kubernetes.io/dockerconfigjson'),
      want: ['data[.dockerconfigjson]: Required value'],
    },
    {
      name: 'dockerconfigjson must be JSON',
      mutate: (s) => Object.assign(s, { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{nope') } }),
      want: [
        `data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": ${(() => {
          try {
            JSON.parse('{nope');
          } catch (e) {
            return (e as Error).message;
          }
          return '';
        })()}`,
      ],
    },
    {
      name: 'a valid dockerconfigjson',
      mutate: (s) => Object.assign(s, { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":{}}') } }),
      want: [],
    },
    {
      name: 'basic-auth needs a username or a password',
      mutate: (s) => Object.assign(s, { type: 'kubernetes.io/basic-auth', data: {} }),
      want: ['data[username]: Required value', 'data[password]: Required value'],
    },
    {
      name: 'service account tokens name their account',
      mutate: (s) => (s.type = 'kubernetes.io/service-account-token'),
      want: ['metadata.annotations[kubernetes.io/service-account.name]: Required value'],
    },
  ]);
});

test('secret updates keep the type, and immutable secrets their data', () => {
  runUpdateCases('Secret', secret, [
    { name: 'data change', change: (s) => (s.data.password = b64('new')), want: [] },
    {
      name: 'type change',
      change: (s) => (s.type = 'kubernetes.io/basic-auth'),
      want: ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable'],
    },
    {
      name: 'immutable data change',
      before: (s) => (s.immutable = true),
      change: (s) => (s.data.password = b64('new')),
      want: ['data: Forbidden: field is immutable when `immutable` is set'],
    },
  ]);
});
