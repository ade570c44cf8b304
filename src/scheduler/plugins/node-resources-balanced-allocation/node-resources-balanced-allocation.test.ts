import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeInfo, podInfo, type NodeShort, type PodSpecShort } from '../../testing.js';
import { create } from './node-resources-balanced-allocation.js';

test('NodeResourcesBalancedAllocation score', async (t) => {
  const cases: { name: string; node: NodeShort; existing: PodSpecShort[]; pod: PodSpecShort; want: number }[] = [
    { name: 'equal shares', node: { cpu: '4', memory: '4Gi' }, existing: [], pod: { cpu: '1', memory: '1Gi' }, want: 100 },
    // cpu 3/4, memory 1/4: |0.75-0.25|/2 = 0.25
    { name: 'lopsided', node: { cpu: '4', memory: '4Gi' }, existing: [{ cpu: '2' }], pod: { cpu: '1', memory: '1Gi' }, want: 75 },
    // Actual requests, not the non-zero defaults: a best-effort pod on an empty node is perfectly balanced.
    { name: 'best effort uses real (zero) requests', node: { cpu: '4', memory: '4Gi' }, existing: [], pod: {}, want: 100 },
    // fractions are capped at 1: cpu 1 (capped from 2), memory 0 -> 50
    { name: 'fractions capped at 1', node: { cpu: '1', memory: '4Gi' }, existing: [{ cpu: '1' }], pod: { cpu: '1' }, want: 50 },
    // cpu 0.3, memory 0: 1 - 0.15 = 0.85
    { name: 'rounded down', node: { cpu: '10', memory: '4Gi' }, existing: [], pod: { cpu: '3' }, want: 85 },
    { name: 'a node reporting no memory: cpu alone cannot be unbalanced', node: { cpu: '4', memory: '0' }, existing: [], pod: { cpu: '1' }, want: 100 },
  ];
  const p = create();
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.equal(p.score(podInfo(c.pod), nodeInfo(c.node, c.existing)), c.want);
    });
  }
});
