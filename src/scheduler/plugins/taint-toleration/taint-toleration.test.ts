import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework/types.js';
import { nodeInfo, podInfo } from '../../testing.js';
import { create } from './taint-toleration.js';

const notReady: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const dedicated: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
const prefer: Taint = { key: 'spot', value: 'true', effect: 'PreferNoSchedule' };

test('TaintToleration filter', async (t) => {
  const cases: { name: string; taints: Taint[]; tolerations?: Toleration[]; want: string; reason?: string }[] = [
    { name: 'untainted node', taints: [], want: 'Success' },
    { name: 'not-ready taint without toleration', taints: [notReady], want: 'UnschedulableAndUnresolvable', reason: 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }' },
    { name: 'unreachable NoExecute taint', taints: [unreachable], want: 'UnschedulableAndUnresolvable', reason: 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }' },
    { name: 'taint value is in the reason', taints: [dedicated], want: 'UnschedulableAndUnresolvable', reason: 'node(s) had untolerated taint {dedicated: gpu}' },
    { name: 'Equal toleration with the value', taints: [dedicated], tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }], want: 'Success' },
    { name: 'default operator is Equal', taints: [dedicated], tolerations: [{ key: 'dedicated', value: 'gpu' }], want: 'Success' },
    { name: 'Equal toleration with another value', taints: [dedicated], tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }], want: 'UnschedulableAndUnresolvable' },
    { name: 'Exists toleration ignores the value', taints: [dedicated], tolerations: [{ key: 'dedicated', operator: 'Exists' }], want: 'Success' },
    { name: 'toleration for another effect', taints: [dedicated], tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }], want: 'UnschedulableAndUnresolvable' },
    { name: 'empty key with Exists tolerates everything', taints: [notReady, unreachable, dedicated], tolerations: [{ operator: 'Exists' }], want: 'Success' },
    { name: 'PreferNoSchedule never filters', taints: [prefer], want: 'Success' },
    {
      name: 'the first untolerated taint is reported',
      taints: [notReady, dedicated],
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }],
      want: 'UnschedulableAndUnresolvable',
      reason: 'node(s) had untolerated taint {dedicated: gpu}',
    },
  ];
  const p = create();
  for (const c of cases) {
    await t.test(c.name, () => {
      const s = p.filter(podInfo({ spec: { tolerations: c.tolerations } }), nodeInfo({ taints: c.taints }));
      assert.equal(s.code, c.want);
      if (c.reason) assert.deepEqual(s.reasons, [c.reason]);
    });
  }
});

test('TaintToleration score counts untolerated PreferNoSchedule taints, fewer is better', async (t) => {
  const other: Taint = { key: 'old', effect: 'PreferNoSchedule' };
  const cases: { name: string; tolerations?: Toleration[]; want: number[] }[] = [
    { name: 'no tolerations', want: [100, 50, 0] },
    { name: 'tolerating spot', tolerations: [{ key: 'spot', operator: 'Exists', effect: 'PreferNoSchedule' }], want: [100, 100, 0] },
    { name: 'tolerating all', tolerations: [{ operator: 'Exists' }], want: [100, 100, 100] },
    { name: 'a NoSchedule toleration does not count', tolerations: [{ key: 'spot', operator: 'Exists', effect: 'NoSchedule' }], want: [100, 50, 0] },
  ];
  const nodes = [nodeInfo({}), nodeInfo({ taints: [prefer, dedicated] }), nodeInfo({ taints: [prefer, other] })];
  const p = create();
  for (const c of cases) {
    await t.test(c.name, () => {
      const state = new CycleState();
      const pod = podInfo({ spec: { tolerations: c.tolerations } });
      p.preScore(pod, nodes, state);
      const scores = nodes.map((n) => p.score(pod, n, state));
      p.normalize(scores);
      assert.deepEqual(scores, c.want);
    });
  }
});
