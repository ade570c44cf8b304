import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitErrorMessage } from './fit-error.js';
import { unresolvable, unschedulable } from './status.js';

const SUFFIX = (n: number) => ` preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`;

test('fitErrorMessage', async (t) => {
  const taint = unresolvable('node(s) had untolerated taint {node.kubernetes.io/not-ready: }');
  const cpu = unschedulable('Insufficient cpu');
  const cases = [
    {
      name: 'reasons counted and sorted as strings',
      statuses: [cpu, taint, cpu],
      want: '0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 2 Insufficient cpu.' + SUFFIX(3),
    },
    {
      name: 'several reasons on one node are each counted',
      statuses: [unschedulable('Insufficient cpu', 'Insufficient memory'), cpu],
      want: '0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.' + SUFFIX(2),
    },
    {
      name: 'Go string order puts 10 before 9',
      statuses: [...Array(10).fill(cpu), ...Array(9).fill(taint)],
      want: '0/19 nodes are available: 10 Insufficient cpu, 9 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.' + SUFFIX(19),
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.equal(fitErrorMessage(c.statuses.length, c.statuses), c.want));
  }
  await t.test('a PreFilter message replaces the per-node counts', () => {
    assert.equal(fitErrorMessage(4, [cpu], 'pod has unbound claims'), '0/4 nodes are available: pod has unbound claims.' + SUFFIX(4));
  });
});
