import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlugins } from '../plugins/registry.js';
import { nodeInfo, podInfo } from '../testing.js';
import { Framework } from './framework.js';
import type { NodeInfo } from './node-info.js';
import { SUCCESS, unschedulable } from './status.js';
import type { FilterPlugin, ScorePlugin } from './types.js';

/** A filter that records which nodes it saw and fits those in `fit`. */
function recording(fit: (n: NodeInfo) => boolean) {
  const seen: string[] = [];
  const plugin = {
    name: 'Recording',
    filter(_pod, node) {
      seen.push(node.name);
      return fit(node) ? SUCCESS : unschedulable('nope');
    },
  } satisfies FilterPlugin;
  return { plugin, seen };
}

const nodes = (n: number) => Array.from({ length: n }, (_, i) => nodeInfo({ name: `n${i}` }));

test('stops filtering once enough feasible nodes are found, and starts the next pod where it stopped', () => {
  const { plugin, seen } = recording(() => true);
  const fw = new Framework([plugin], { random: () => 0 });
  const all = nodes(1000); // 42% -> 420 nodes per pod
  const first = fw.schedule(podInfo(), all);
  assert.equal(first.kind, 'Scheduled');
  assert.equal(first.kind === 'Scheduled' && first.evaluatedNodes, 420);
  assert.equal(seen.length, 420);
  assert.equal(seen[0], 'n0');
  seen.length = 0;
  fw.schedule(podInfo(), all);
  assert.equal(seen[0], 'n420', 'round robin: the next scan starts after the last node examined');
  seen.length = 0;
  fw.schedule(podInfo(), all);
  assert.equal(seen[0], 'n840');
  assert.equal(seen[seen.length - 1], 'n259', 'wraps around');
});

test('examines every node when feasible ones are scarce, and reports why the rest failed', () => {
  const { plugin, seen } = recording((n) => n.name === 'n7');
  const fw = new Framework([plugin]);
  const r = fw.schedule(podInfo(), nodes(300));
  assert.equal(seen.length, 300);
  assert.deepEqual(r.kind === 'Scheduled' && r.node.name, 'n7');

  const none = new Framework([recording(() => false).plugin]).schedule(podInfo(), nodes(3));
  assert.equal(none.kind, 'Unschedulable');
  assert.match(none.kind === 'Unschedulable' ? none.message : '', /^0\/3 nodes are available: 3 nope\./);
  assert.deepEqual(none.kind === 'Unschedulable' && [...none.plugins], ['Recording']);
});

test('no nodes at all', () => {
  const r = new Framework(buildPlugins()).schedule(podInfo(), []);
  assert.deepEqual(r, { kind: 'Unschedulable', message: 'no nodes available to schedule pods', plugins: new Set() });
});

test('a filter that throws fails the attempt with an Error instead of crashing the scheduler', () => {
  const broken = {
    name: 'Broken',
    filter() {
      throw new Error('boom');
    },
  } satisfies FilterPlugin;
  const r = new Framework([broken]).schedule(podInfo(), nodes(2));
  assert.deepEqual(r, { kind: 'Error', message: 'running Filter plugin Broken: boom' });
});

test('the highest weighted total wins; ties are broken at random among the best', () => {
  const byName = (scores: Record<string, number>, weight: number) =>
    ({ name: `S${weight}`, weight, score: (_p, n) => scores[n.name] ?? 0 }) satisfies ScorePlugin;
  const all = nodes(3);
  // totals: n0 = 1*90 + 2*0 = 90, n1 = 1*10 + 2*50 = 110, n2 = 1*50 + 2*30 = 110
  const fw = (random: () => number) => new Framework([byName({ n0: 90, n1: 10, n2: 50 }, 1), byName({ n1: 50, n2: 30 }, 2)], { random });
  assert.equal((fw(() => 0.99).schedule(podInfo(), all) as { node: NodeInfo }).node.name, 'n1');
  assert.equal((fw(() => 0).schedule(podInfo(), all) as { node: NodeInfo }).node.name, 'n2');
});

test('the default profile spreads identical pods over identical nodes and respects capacity', () => {
  const fw = new Framework(buildPlugins());
  const all = [nodeInfo({ name: 'a', cpu: '1' }), nodeInfo({ name: 'b', cpu: '1' }), nodeInfo({ name: 'c', cpu: '1' })];
  const placed: string[] = [];
  for (let i = 0; i < 6; i++) {
    const p = podInfo({ cpu: '500m' });
    const r = fw.schedule(p, all);
    assert.equal(r.kind, 'Scheduled');
    if (r.kind !== 'Scheduled') return;
    r.node.addPod(p);
    placed.push(r.node.name);
  }
  assert.deepEqual(placed.slice().sort(), ['a', 'a', 'b', 'b', 'c', 'c']);
  const r = fw.schedule(podInfo({ cpu: '500m' }), all);
  assert.equal(r.kind === 'Unschedulable' && r.message, '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
});
