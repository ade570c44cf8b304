import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, podInfo } from '../testing.js';
import { SchedulerCache } from './cache.js';

const cacheWith = (...names: string[]) => {
  const c = new SchedulerCache();
  for (const n of names) c.setNode(makeNode({ name: n, cpu: '2' }));
  return c;
};

test('an assumed pod counts on its node at once, so the next pod cannot take the same room', () => {
  const c = cacheWith('a');
  const p = podInfo({ name: 'p', cpu: '1500m' });
  assert.equal(c.assumePod(p, 'a'), true);
  const a = c.getNode('a')!;
  assert.equal(a.requested.milliCpu, 1500);
  assert.equal(a.podCount, 1);
  assert.equal(c.isAssumed(p.key), true);
  assert.equal(c.assumePod(p, 'a'), false, 'the same pod cannot be assumed twice');
});

test('forgetting an assumed pod (failed binding) frees its room', () => {
  const c = cacheWith('a');
  const p = podInfo({ name: 'p', cpu: '1', hostPorts: [80] });
  c.assumePod(p, 'a');
  c.forgetPod(p.key, p.uid);
  const a = c.getNode('a')!;
  assert.deepEqual([a.requested.milliCpu, a.podCount, a.usedPorts.empty, c.nodeOf(p.key)], [0, 0, true, undefined]);
});

test('the informer confirms an assumed pod: later forget is a no-op and nothing is counted twice', () => {
  const c = cacheWith('a');
  const pod = makePod({ name: 'p', cpu: '1' });
  c.assumePod(podInfo({ name: 'p', cpu: '1' }), 'a');
  c.addOrUpdatePod({ ...pod, spec: { ...pod.spec!, nodeName: 'a' } });
  assert.equal(c.isAssumed('default/p'), false);
  assert.equal(c.getNode('a')!.requested.milliCpu, 1000);
  c.forgetPod('default/p', 'uid-p');
  assert.equal(c.getNode('a')!.requested.milliCpu, 1000, 'a confirmed pod is not forgotten');
});

test('a pod bound to another node than assumed moves there', () => {
  const c = cacheWith('a', 'b');
  const pod = makePod({ name: 'p', cpu: '1' });
  c.assumePod(podInfo({ name: 'p', cpu: '1' }), 'a');
  c.addOrUpdatePod({ ...pod, spec: { ...pod.spec!, nodeName: 'b' } });
  assert.equal(c.getNode('a')!.requested.milliCpu, 0);
  assert.equal(c.getNode('b')!.requested.milliCpu, 1000);
});

test('forget checks the UID: a re-created pod of the same name stays', () => {
  const c = cacheWith('a');
  c.assumePod(podInfo({ name: 'p', uid: 'new', cpu: '1' }), 'a');
  c.forgetPod('default/p', 'old');
  assert.equal(c.getNode('a')!.podCount, 1);
});

test('removing a pod frees its resources, ports and owner count', () => {
  const c = cacheWith('a');
  const pod = makePod({ name: 'p', cpu: '1', memory: '1Gi', hostPorts: [80], owner: 'rs' });
  c.addOrUpdatePod({ ...pod, spec: { ...pod.spec!, nodeName: 'a' } });
  const a = c.getNode('a')!;
  assert.equal(a.ownerCounts.get('rs'), 1);
  c.removePod('default/p');
  assert.deepEqual([a.requested.milliCpu, a.requested.memory, a.nonZeroRequested.milliCpu, a.usedPorts.empty, a.ownerCounts.size], [0, 0, 0, true, 0]);
});

test('pods on a node the cache has not seen are kept, and the node appears with them counted', () => {
  const c = new SchedulerCache();
  const pod = makePod({ name: 'p', cpu: '1' });
  c.addOrUpdatePod({ ...pod, spec: { ...pod.spec!, nodeName: 'late' } });
  assert.equal(c.nodeCount, 0, 'not schedulable without a Node object');
  c.setNode(makeNode({ name: 'late' }));
  assert.equal(c.nodeCount, 1);
  assert.equal(c.getNode('late')!.requested.milliCpu, 1000);
});

test('node removal keeps the round-robin list dense and updates indexes', () => {
  const c = cacheWith('a', 'b', 'c', 'd');
  c.removeNode('b');
  assert.deepEqual(c.nodeList.map((n) => n.name).sort(), ['a', 'c', 'd']);
  c.nodeList.forEach((n, i) => assert.equal(n.index, i));
  c.removeNode('d');
  c.removeNode('a');
  c.removeNode('a');
  assert.deepEqual(c.nodeList.map((n) => n.name), ['c']);
  assert.equal(c.getNode('a'), undefined);
});

test('updating a node replaces allocatable, labels and taints', () => {
  const c = cacheWith('a');
  c.setNode(makeNode({ name: 'a', cpu: '8', labels: { zone: 'z' }, taints: [{ key: 'k', effect: 'NoSchedule' }] }));
  const a = c.getNode('a')!;
  assert.deepEqual([a.allocatable.milliCpu, a.labels.zone, a.taints.length, c.nodeCount], [8000, 'z', 1, 1]);
});
