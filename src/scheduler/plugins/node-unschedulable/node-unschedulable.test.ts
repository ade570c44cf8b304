import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Toleration } from 'kubernetes-types/core/v1.js';
import { nodeInfo, podInfo } from '../../testing.js';
import { plugin, REASON } from './node-unschedulable.js';

test('NodeUnschedulable filter', async (t) => {
  const cases: { name: string; unschedulable?: boolean; tolerations?: Toleration[]; want: string; reasons?: string[] }[] = [
    { name: 'schedulable node admits any pod', want: 'Success' },
    { name: 'cordoned node rejects a pod without tolerations', unschedulable: true, want: 'UnschedulableAndUnresolvable', reasons: [REASON] },
    {
      name: 'cordoned node admits a pod tolerating the unschedulable taint',
      unschedulable: true,
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
      want: 'Success',
    },
    { name: 'tolerate-everything admits', unschedulable: true, tolerations: [{ operator: 'Exists' }], want: 'Success' },
    {
      name: 'a NoExecute-only toleration does not cover the NoSchedule taint',
      unschedulable: true,
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }],
      want: 'UnschedulableAndUnresolvable',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const s = plugin.filter(podInfo({ spec: { tolerations: c.tolerations } }), nodeInfo({ unschedulable: c.unschedulable }));
      assert.equal(s.code, c.want);
      if (c.reasons) assert.deepEqual(s.reasons, c.reasons);
    });
  }
});
