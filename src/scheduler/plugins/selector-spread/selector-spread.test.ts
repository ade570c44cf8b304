import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeInfo, podInfo, type PodSpecShort } from '../../testing.js';
import { create } from './selector-spread.js';

const mine = (n: number): PodSpecShort[] => Array.from({ length: n }, () => ({ owner: 'rs-1' }));
const others = (n: number): PodSpecShort[] => Array.from({ length: n }, () => ({ owner: 'rs-2' }));

test('SelectorSpread', async (t) => {
  const cases: { name: string; nodes: { zone?: string; pods: PodSpecShort[] }[]; owner?: string; want?: number[] }[] = [
    { name: 'a pod without a controller is skipped', nodes: [{ pods: mine(1) }], owner: undefined },
    { name: 'no siblings anywhere: all equal', nodes: [{ pods: others(3) }, { pods: [] }], owner: 'rs-1', want: [100, 100] },
    { name: 'fewest siblings wins', nodes: [{ pods: mine(2) }, { pods: mine(1) }, { pods: others(5) }], owner: 'rs-1', want: [0, 50, 100] },
    {
      // node scores 0,100,100 ; zone a has 2, zone b 0 -> zone scores 0,0,100 ; blend 1/3 node + 2/3 zone
      name: 'zones weigh two thirds',
      nodes: [
        { zone: 'a', pods: mine(2) },
        { zone: 'a', pods: [] },
        { zone: 'b', pods: [] },
      ],
      owner: 'rs-1',
      want: [0, 33, 100],
    },
  ];
  const p = create();
  for (const c of cases) {
    await t.test(c.name, () => {
      const nodes = c.nodes.map((n) => nodeInfo({ labels: n.zone ? { 'topology.kubernetes.io/zone': n.zone } : {} }, n.pods));
      const pod = podInfo({ owner: c.owner });
      assert.equal(p.preScore(pod), c.want !== undefined);
      if (!c.want) return;
      const scores = nodes.map((n) => p.score(pod, n));
      p.normalize(scores, nodes);
      assert.deepEqual(scores, c.want);
    });
  }
});

test('SelectorSpread ignores terminating siblings', () => {
  const terminating = podInfo({ owner: 'rs-1' });
  const node = nodeInfo({}, [{ ...terminating, terminating: true } as never]);
  assert.equal(create().score(podInfo({ owner: 'rs-1' }), node), 0);
});
