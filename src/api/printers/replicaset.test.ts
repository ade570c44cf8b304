import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { replicaSetPrinter } from './replicaset.js';
import { ago, cellsOf } from './testing.js';

const HASHED = { matchLabels: { app: 'web', 'pod-template-hash': '7c5ddbdf54' } };

const rs = (replicas: number, status: ReplicaSet['status'], selector: LabelSelector = HASHED): ReplicaSet => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web-7c5ddbdf54', namespace: 'default', creationTimestamp: ago(90) },
  spec: {
    replicas,
    selector,
    template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } },
  },
  status,
});

test('replicaset rows', () => {
  const cases: [name: string, obj: ReplicaSet, want: Record<string, unknown>][] = [
    [
      'scaling up',
      rs(3, { replicas: 2, readyReplicas: 1 }),
      {
        Name: 'web-7c5ddbdf54',
        Desired: 3,
        Current: 2,
        Ready: 1,
        Age: '90s',
        Containers: 'nginx',
        Images: 'nginx:1.27',
        Selector: 'app=web,pod-template-hash=7c5ddbdf54',
      },
    ],
    [
      'old replica set scaled down, empty selector',
      rs(0, { replicas: 0 }, {}),
      {
        Name: 'web-7c5ddbdf54',
        Desired: 0,
        Current: 0,
        Ready: 0,
        Age: '90s',
        Containers: 'nginx',
        Images: 'nginx:1.27',
        Selector: '<none>',
      },
    ],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(cellsOf(replicaSetPrinter, obj), want, name);
});
