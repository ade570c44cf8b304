import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { evictionTime } from './eviction.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from './taints.js';

// timeAdded is cut to the second; the clock starts at the end of that second.
const ADDED = Date.parse('2025-01-01T00:00:00Z') + 999;
const NOW = ADDED + 1000;
const TIMEOUT = 300_000;
const unreachable: Taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00Z' };
const notReady: Taint = { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00Z' };
const custom: Taint = { key: 'maintenance', effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00Z' };
const pod = (tolerations: Toleration[] = []): Pod => ({ metadata: { name: 'p' }, spec: { containers: [], tolerations } });

test('evictionTime: when a pod must leave a NoExecute-tainted node', () => {
  const cases: { name: string; taints: Taint[]; tolerations?: Toleration[]; want: number | undefined }[] = [
    { name: 'no tolerations, unreachable: the eviction timeout', taints: [unreachable], want: ADDED + TIMEOUT },
    { name: 'no tolerations, not-ready: the eviction timeout', taints: [notReady], want: ADDED + TIMEOUT },
    { name: 'an untolerated user taint: at once', taints: [custom], want: NOW },
    {
      name: 'tolerationSeconds wins over the default',
      taints: [unreachable],
      tolerations: [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }],
      want: ADDED + 5000,
    },
    { name: 'tolerated without a limit: never', taints: [unreachable], tolerations: [{ key: TAINT_UNREACHABLE, operator: 'Exists' }], want: undefined },
    { name: 'tolerate-everything (DaemonSet style): never', taints: [unreachable, custom], tolerations: [{ operator: 'Exists' }], want: undefined },
    {
      name: 'zero tolerationSeconds: at once',
      taints: [unreachable],
      tolerations: [{ key: TAINT_UNREACHABLE, operator: 'Exists', tolerationSeconds: 0 }],
      want: NOW,
    },
    {
      name: 'the shortest limit of the matching tolerations',
      taints: [unreachable],
      tolerations: [
        { key: TAINT_UNREACHABLE, operator: 'Exists', tolerationSeconds: 60 },
        { operator: 'Exists', tolerationSeconds: 30 },
      ],
      want: ADDED + 30_000,
    },
    {
      name: 'several taints: the earliest deadline',
      taints: [unreachable, custom],
      tolerations: [{ key: 'maintenance', operator: 'Exists', tolerationSeconds: 10 }],
      want: ADDED + 10_000,
    },
    {
      name: 'a timeAdded with sub-second precision is taken as it is',
      taints: [{ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00.250Z' }],
      want: Date.parse('2025-01-01T00:00:00.250Z') + TIMEOUT,
    },
    {
      name: 'a taint without timeAdded counts from now',
      taints: [{ key: TAINT_UNREACHABLE, effect: 'NoExecute' }],
      want: NOW + TIMEOUT,
    },
  ];
  for (const tc of cases) assert.equal(evictionTime(pod(tc.tolerations), tc.taints, TIMEOUT, NOW), tc.want, tc.name);
});
