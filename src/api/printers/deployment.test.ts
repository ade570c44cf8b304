import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { deploymentPrinter } from './deployment.js';
import { ago, cellsOf, pick } from './testing.js';

const deployment = (spec: Partial<NonNullable<Deployment['spec']>>, status: Deployment['status'] = {}): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(5, 'm') },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'log', image: 'busybox:1.36' }] },
    },
    ...spec,
  },
  status,
});

test('deployment row shows ready/desired, rollout counters and, wide, the template', () => {
  const d = deployment({ replicas: 3 }, { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 });
  assert.deepEqual(cellsOf(deploymentPrinter, d), {
    Name: 'web',
    Ready: '2/3',
    'Up-to-date': 3,
    Available: 2,
    Age: '5m',
    Containers: 'nginx,log',
    Images: 'nginx:1.27,busybox:1.36',
    Selector: 'app=web',
  });
});

test('deployment edge cases', () => {
  const cases: [name: string, d: Deployment, want: Record<string, unknown>][] = [
    ['new, no status yet', deployment({ replicas: 2 }), { Ready: '0/2', 'Up-to-date': 0, Available: 0 }],
    ['scaled to zero', deployment({ replicas: 0 }), { Ready: '0/0' }],
    ['replicas unset reads as the default 1', deployment({}), { Ready: '0/1' }],
    [
      'selector with expressions',
      deployment({
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'track', operator: 'In', values: ['stable'] }] },
      }),
      { Selector: 'app=web,track in (stable)' },
    ],
    [
      'invalid selector',
      deployment({ selector: { matchExpressions: [{ key: 'a', operator: 'Nope' }] } }),
      { Selector: '<invalid>' },
    ],
  ];
  for (const [name, d, want] of cases) assert.deepEqual(pick(deploymentPrinter, d, Object.keys(want)), want, name);
});
