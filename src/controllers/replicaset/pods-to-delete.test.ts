import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { POD_DELETION_COST, podsToDelete } from './pods-to-delete.js';

interface P {
  name: string;
  node?: string;
  phase?: string;
  ready?: boolean;
  readyAt?: string;
  created?: string;
  restarts?: number;
  cost?: number;
}

function pod(p: P): Pod {
  return {
    metadata: {
      name: p.name,
      creationTimestamp: p.created ?? '2025-01-01T00:00:00Z',
      annotations: p.cost !== undefined ? { [POD_DELETION_COST]: String(p.cost) } : undefined,
    },
    spec: { nodeName: p.node, containers: [] },
    status: {
      phase: p.phase ?? 'Running',
      conditions: p.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: p.readyAt ?? '2025-01-01T00:00:00Z' }] : [],
      containerStatuses: [{ name: 'c', restartCount: p.restarts ?? 0, ready: !!p.ready, image: '', imageID: '' }],
    },
  };
}

describe('podsToDelete', () => {
  const cases: { name: string; pods: P[]; related?: P[]; count: number; want: string[] }[] = [
    { name: 'unscheduled first', pods: [{ name: 'a', node: 'n1', ready: true }, { name: 'b' }], count: 1, want: ['b'] },
    {
      name: 'Pending, then Unknown, then Running',
      pods: [{ name: 'run', node: 'n', phase: 'Running' }, { name: 'unk', node: 'n', phase: 'Unknown' }, { name: 'pend', node: 'n', phase: 'Pending' }],
      count: 2,
      want: ['pend', 'unk'],
    },
    { name: 'not ready before ready', pods: [{ name: 'r', node: 'n', ready: true }, { name: 'nr', node: 'n' }], count: 1, want: ['nr'] },
    {
      name: 'lower deletion cost first',
      pods: [{ name: 'dear', node: 'n', ready: true, cost: 100 }, { name: 'cheap', node: 'n', ready: true, cost: -5 }, { name: 'plain', node: 'n', ready: true }],
      count: 2,
      want: ['cheap', 'plain'],
    },
    {
      name: 'doubled-up nodes first',
      pods: [{ name: 'alone', node: 'n1', ready: true }, { name: 'crowded', node: 'n2', ready: true }],
      related: [{ name: 'alone', node: 'n1' }, { name: 'crowded', node: 'n2' }, { name: 'sibling', node: 'n2' }],
      count: 1,
      want: ['crowded'],
    },
    {
      name: 'ready for less time first',
      pods: [{ name: 'old', node: 'n', ready: true, readyAt: '2025-01-01T00:00:00Z' }, { name: 'recent', node: 'n', ready: true, readyAt: '2025-01-01T01:00:00Z' }],
      count: 1,
      want: ['recent'],
    },
    { name: 'more restarts first', pods: [{ name: 'calm', node: 'n', restarts: 0 }, { name: 'flappy', node: 'n', restarts: 7 }], count: 1, want: ['flappy'] },
    {
      name: 'newest first',
      pods: [{ name: 'older', node: 'n', created: '2025-01-01T00:00:00Z' }, { name: 'newer', node: 'n', created: '2025-01-02T00:00:00Z' }],
      count: 1,
      want: ['newer'],
    },
    { name: 'all of them when asked for as many', pods: [{ name: 'a' }, { name: 'b' }], count: 5, want: ['a', 'b'] },
    { name: 'none for zero', pods: [{ name: 'a' }], count: 0, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pods = c.pods.map(pod);
      const related = (c.related ?? c.pods).map(pod);
      assert.deepEqual(podsToDelete(pods, related, c.count).map((p) => p.metadata!.name), c.want);
    });
  }
});
