import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Handlers } from '../client/informer.js';
import { SchedulerCache } from './cache/cache.js';
import { nodeSchedulingChanged, registerEventHandlers, wantsScheduling } from './event-handlers.js';
import { SchedulingQueue } from './queue/scheduling-queue.js';
import { makeNode, makePod } from './testing.js';

test('wantsScheduling', () => {
  const cases: [string, Pod, boolean][] = [
    ['unassigned, default scheduler', makePod(), true],
    ['schedulerName defaulted explicitly', makePod({ spec: { schedulerName: 'default-scheduler' } }), true],
    ['another scheduler', makePod({ spec: { schedulerName: 'other' } }), false],
    ['already assigned', makePod({ nodeName: 'n' }), false],
    ['terminating', { ...makePod(), metadata: { ...makePod().metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } }, false],
    ['finished', { ...makePod(), status: { phase: 'Succeeded' } }, false],
  ];
  for (const [name, pod, want] of cases) assert.equal(wantsScheduling(pod, 'default-scheduler'), want, name);
});

test('nodeSchedulingChanged ignores heartbeats', () => {
  const base = makeNode({ name: 'n' });
  const heartbeat: Node = structuredClone(base);
  heartbeat.status!.conditions = [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-01-01T00:00:10Z' }];
  const notReady: Node = structuredClone(base);
  notReady.status!.conditions = [{ type: 'Ready', status: 'False' }];
  const cordoned: Node = structuredClone(base);
  cordoned.spec!.unschedulable = true;
  const bigger: Node = structuredClone(base);
  bigger.status!.allocatable = { ...bigger.status!.allocatable, cpu: '8' };
  const tainted: Node = structuredClone(base);
  tainted.spec!.taints = [{ key: 'k', effect: 'NoSchedule' }];
  const labelled: Node = structuredClone(base);
  labelled.metadata!.labels = { zone: 'a' };
  assert.equal(nodeSchedulingChanged(base, heartbeat), false);
  for (const n of [notReady, cordoned, bigger, tainted, labelled]) assert.equal(nodeSchedulingChanged(base, n), true);
});

function harness() {
  const podHandlers: Handlers<Pod>[] = [];
  const nodeHandlers: Handlers<Node>[] = [];
  const cache = new SchedulerCache();
  const queue = new SchedulingQueue();
  registerEventHandlers({ pods: { on: (h) => podHandlers.push(h) }, nodes: { on: (h) => nodeHandlers.push(h) }, cache, queue, schedulerName: 'default-scheduler' });
  return { pod: podHandlers[0], node: nodeHandlers[0], cache, queue };
}

test('event handlers: pending pods are queued, bound pods leave the queue and fill the cache', () => {
  const h = harness();
  h.node.add!(makeNode({ name: 'n' }));
  const pending = makePod({ name: 'p', cpu: '1' });
  h.pod.add!(pending);
  assert.equal(h.queue.where('default/p'), 'active');
  const bound = { ...pending, spec: { ...pending.spec!, nodeName: 'n' } };
  h.pod.update!(pending, bound);
  assert.equal(h.queue.where('default/p'), undefined);
  assert.equal(h.cache.getNode('n')!.requested.milliCpu, 1000);
  h.pod.update!(bound, { ...bound, status: { phase: 'Succeeded' } });
  assert.equal(h.cache.getNode('n')!.requested.milliCpu, 0, 'a finished pod frees its room');
});

test('event handlers: a deleted bound pod or a new node wakes parked pods', () => {
  const h = harness();
  const parked = makePod({ name: 'parked' });
  h.pod.add!(parked);
  h.queue.addUnschedulable(h.queue.tryPop()!);
  const bound = makePod({ name: 'b', nodeName: 'n' });
  h.pod.add!(bound);
  h.pod.delete!(bound);
  assert.notEqual(h.queue.where('default/parked'), 'unschedulable');

  const h2 = harness();
  h2.pod.add!(makePod({ name: 'parked' }));
  h2.queue.addUnschedulable(h2.queue.tryPop()!);
  h2.node.add!(makeNode({ name: 'new' }));
  assert.notEqual(h2.queue.where('default/parked'), 'unschedulable');
});

test('event handlers: a pod being deleted leaves the queue', () => {
  const h = harness();
  const p = makePod({ name: 'p' });
  h.pod.add!(p);
  h.pod.update!(p, { ...p, metadata: { ...p.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } });
  assert.equal(h.queue.where('default/p'), undefined);
});
