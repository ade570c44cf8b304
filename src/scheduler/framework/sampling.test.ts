import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numFeasibleNodesToFind } from './sampling.js';

test('numFeasibleNodesToFind follows kube-scheduler percentageOfNodesToScore', () => {
  const cases: [nodes: number, pct: number, want: number][] = [
    [0, 0, 0],
    [50, 0, 50], // small clusters: every node
    [99, 0, 99],
    [100, 0, 100], // 50% of 100 is 50, raised to the minimum of 100
    [1000, 0, 420], // 50 - 8 = 42%
    [5000, 0, 500], // 50 - 40 = 10%
    [6000, 0, 300], // 50 - 48 = 2%, raised to 5%
    [20000, 0, 1000], // 5%
    [1000, 30, 300], // configured percentage
    [150, 10, 100], // configured, raised to 100 nodes
    [5000, 100, 5000],
  ];
  for (const [nodes, pct, want] of cases) assert.equal(numFeasibleNodesToFind(nodes, pct), want, `${nodes} nodes, ${pct}%`);
});
