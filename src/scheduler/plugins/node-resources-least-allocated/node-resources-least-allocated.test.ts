import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeInfo, podInfo, type NodeShort, type PodSpecShort } from '../../testing.js';
import { create, leastRequested } from './node-resources-least-allocated.js';

test('leastRequested', () => {
  assert.equal(leastRequested(0, 4000), 100);
  assert.equal(leastRequested(1000, 4000), 75);
  assert.equal(leastRequested(1001, 4000), 74, 'rounds down');
  assert.equal(leastRequested(4000, 4000), 0);
  assert.equal(leastRequested(5000, 4000), 0, 'over capacity');
  assert.equal(leastRequested(0, 0), 0, 'no capacity');
});

test('NodeResourcesLeastAllocated score', async (t) => {
  const cases: { name: string; node: NodeShort; existing: PodSpecShort[]; pod: PodSpecShort; want: number }[] = [
    // cpu (4000-1000)/4000 = 75, memory (4Gi-1Gi)/4Gi = 75
    { name: 'empty node', node: { cpu: '4', memory: '4Gi' }, existing: [], pod: { cpu: '1', memory: '1Gi' }, want: 75 },
    // cpu (4000-3000)/4000 = 25, memory 50 -> 37
    { name: 'cpu and memory average, rounded down', node: { cpu: '4', memory: '4Gi' }, existing: [{ cpu: '2', memory: '1Gi' }], pod: { cpu: '1', memory: '1Gi' }, want: 37 },
    // best effort counts as 100m / 200Mi: cpu (1000-200)/1000 = 80, memory (1000Mi-400Mi)/1000Mi = 60
    { name: 'requests default to 100m and 200Mi', node: { cpu: '1', memory: '1000Mi' }, existing: [{}], pod: {}, want: 70 },
  ];
  const p = create();
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.equal(p.score(podInfo(c.pod), nodeInfo(c.node, c.existing)), c.want);
    });
  }
});
