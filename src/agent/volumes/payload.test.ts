import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod, Secret } from 'kubernetes-types/core/v1.js';
import type { Payload } from './atomic-writer.js';
import { configMapPayload, downwardAPIPayload, fieldValue, formatMap, resourceValue, secretPayload } from './payload.js';
import { VolumeError } from './errors.js';

const files = (p: Payload) => Object.fromEntries([...p].map(([k, v]) => [k, [v.data.toString('utf8'), v.mode.toString(8)]]));

const cm: ConfigMap = {
  metadata: { name: 'cfg', namespace: 'ns' },
  data: { 'app.conf': 'debug=true', other: 'x' },
  binaryData: { 'blob.bin': Buffer.from('bin\u0000ary').toString('base64') },
};

test('configMap items map keys to paths with modes; missing keys and objects follow optional', () => {
  const cases: { name: string; src: any; obj: ConfigMap | undefined; want?: Record<string, [string, string]>; error?: [string, string] }[] = [
    {
      name: 'no items: every data and binaryData key, defaultMode',
      src: { name: 'cfg' },
      obj: cm,
      want: { 'app.conf': ['debug=true', '644'], other: ['x', '644'], 'blob.bin': ['bin\u0000ary', '644'] },
    },
    {
      name: 'items pick keys, set paths and modes',
      src: { name: 'cfg', items: [{ key: 'app.conf', path: 'etc/app.conf', mode: 0o400 }, { key: 'blob.bin', path: 'b' }] },
      obj: cm,
      want: { 'etc/app.conf': ['debug=true', '400'], b: ['bin\u0000ary', '644'] },
    },
    {
      name: 'a missing key is an error',
      src: { name: 'cfg', items: [{ key: 'nope', path: 'n' }] },
      obj: cm,
      error: ['ConfigMapKeyNotFound', 'configmap references non-existent config key: nope'],
    },
    { name: 'a missing key of an optional configMap is skipped', src: { name: 'cfg', optional: true, items: [{ key: 'nope', path: 'n' }, { key: 'other', path: 'o' }] }, obj: cm, want: { o: ['x', '644'] } },
    { name: 'a missing configMap is an error', src: { name: 'gone' }, obj: undefined, error: ['ConfigMapNotFound', 'configmap "gone" not found'] },
    { name: 'a missing optional configMap is an empty volume', src: { name: 'gone', optional: true }, obj: undefined, want: {} },
  ];
  for (const c of cases) {
    if (c.error) {
      assert.throws(() => configMapPayload(c.src, c.obj, 0o644), (e: unknown) => e instanceof VolumeError && e.reason === c.error![0] && e.message === c.error![1], c.name);
    } else {
      assert.deepEqual(files(configMapPayload(c.src, c.obj, 0o644)), c.want, c.name);
    }
  }
});

test('secret data is base64-decoded; a missing secret is SecretNotFound unless optional', () => {
  const s: Secret = { metadata: { name: 'db' }, data: { password: Buffer.from('s3cr3t').toString('base64'), key: Buffer.from([0, 1, 2]).toString('base64') } };
  const p = secretPayload({ secretName: 'db', items: [{ key: 'password', path: 'pw' }] }, 'db', s, 0o400);
  assert.deepEqual(files(p), { pw: ['s3cr3t', '400'] });
  assert.deepEqual([...secretPayload({ secretName: 'db' }, 'db', s, 0o440).get('key')!.data], [0, 1, 2]);
  assert.throws(
    () => secretPayload({ secretName: 'x' }, 'x', undefined, 0o644),
    (e: unknown) => e instanceof VolumeError && e.reason === 'SecretNotFound' && e.message === 'secret "x" not found',
  );
  assert.deepEqual(files(secretPayload({ secretName: 'x', optional: true }, 'x', undefined, 0o644)), {});
  assert.throws(() => secretPayload({ secretName: 'db', items: [{ key: 'k', path: 'k' }] }, 'db', s, 0o644), /secret references non-existent secret key: k/);
});

const pod: Pod = {
  metadata: { name: 'web', namespace: 'prod', uid: 'u-1', labels: { tier: 'front', app: 'web' }, annotations: { note: 'say "hi"\nthere' } },
  spec: {
    nodeName: 'node-a',
    serviceAccountName: 'default',
    containers: [
      { name: 'main', image: 'x', resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } } },
      { name: 'side', image: 'x' },
    ],
  },
  status: { podIP: '10.244.0.5', hostIP: '127.0.0.1' },
};

test('downward API fields render as the kubelet renders them', () => {
  const cases: [string, string][] = [
    ['metadata.name', 'web'],
    ['metadata.namespace', 'prod'],
    ['metadata.uid', 'u-1'],
    ['metadata.labels', 'app="web"\ntier="front"'],
    ['metadata.annotations', 'note="say \\"hi\\"\\nthere"'],
    ["metadata.labels['tier']", 'front'],
    ["metadata.annotations['missing']", ''],
    ['spec.nodeName', 'node-a'],
    ['spec.serviceAccountName', 'default'],
    ['status.podIP', '10.244.0.5'],
    ['status.hostIP', '127.0.0.1'],
  ];
  for (const [f, want] of cases) assert.equal(fieldValue(pod, f), want, f);
  assert.throws(() => fieldValue(pod, 'spec.bogus'), /unsupported fieldPath: spec.bogus/);
  assert.equal(formatMap(undefined), '');
});

test('resourceFieldRef divides by the divisor rounding up, and unset limits are node allocatable', () => {
  const alloc = { cpuMilli: 2000, memoryBytes: 4 * 2 ** 30, ephemeralStorageBytes: 10 * 2 ** 30 };
  const cases: [string, string, string | undefined, string][] = [
    ['main', 'limits.cpu', undefined, '1'],
    ['main', 'limits.cpu', '1m', '500'],
    ['main', 'requests.cpu', '1m', '250'],
    ['main', 'limits.memory', undefined, String(128 * 2 ** 20)],
    ['main', 'limits.memory', '1Mi', '128'],
    ['main', 'requests.memory', '1Mi', '64'],
    ['side', 'limits.cpu', '1m', '2000'],
    ['side', 'limits.memory', '1Gi', '4'],
    ['side', 'requests.cpu', undefined, '0'],
    ['side', 'limits.ephemeral-storage', '1Gi', '10'],
  ];
  for (const [containerName, resource, divisor, want] of cases) {
    assert.equal(resourceValue(pod, { containerName, resource, divisor }, alloc), want, `${containerName} ${resource} / ${divisor ?? '1'}`);
  }
  assert.throws(() => resourceValue(pod, { containerName: 'nope', resource: 'limits.cpu' }, alloc), /container nope not found/);
  assert.throws(() => resourceValue(pod, { containerName: 'main', resource: 'cpu' }, alloc), /unsupported container resource: cpu/);
});

test('downward API items become files with their own mode or the default', () => {
  const p = downwardAPIPayload(
    pod,
    [
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: 'meta/name', fieldRef: { fieldPath: 'metadata.name' }, mode: 0o400 },
      { path: 'cpu', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } },
    ],
    0o644,
  );
  assert.deepEqual(files(p), { labels: ['app="web"\ntier="front"', '644'], 'meta/name': ['web', '400'], cpu: ['500', '644'] });
});
