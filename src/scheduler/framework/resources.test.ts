import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { makeNode, makePod } from '../testing.js';
import { nodeAllocatable, podNonZeroRequests, podRequests } from './resources.js';

const c = (cpu?: string, memory?: string, extra: Partial<Container> = {}): Container => ({
  name: 'c',
  resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } },
  ...extra,
});

test('podRequests', async (t) => {
  const cases: { name: string; spec: PodSpec; cpu: number; memory: number }[] = [
    { name: 'no requests', spec: { containers: [{ name: 'c' }] }, cpu: 0, memory: 0 },
    { name: 'app containers add up', spec: { containers: [c('100m', '1Mi'), c('250m', '2Mi')] }, cpu: 350, memory: 3 * 2 ** 20 },
    { name: 'init containers: the maximum wins over the app sum', spec: { containers: [c('100m')], initContainers: [c('300m'), c('200m')] }, cpu: 300, memory: 0 },
    { name: 'init containers: the app sum wins when larger', spec: { containers: [c('1'), c('1')], initContainers: [c('1500m')] }, cpu: 2000, memory: 0 },
    {
      // sidecar 200m runs with the apps (1000 + 200) and during the later init container (500 + 200)
      name: 'sidecars run beside the apps and later init containers',
      spec: { containers: [c('1')], initContainers: [c('200m', undefined, { restartPolicy: 'Always' }), c('500m')] },
      cpu: 1200,
      memory: 0,
    },
    {
      name: 'a large init container after a sidecar counts with it',
      spec: { containers: [c('100m')], initContainers: [c('200m', undefined, { restartPolicy: 'Always' }), c('2')] },
      cpu: 2200,
      memory: 0,
    },
    { name: 'overhead is added', spec: { containers: [c('100m')], overhead: { cpu: '50m', memory: '1Ki' } }, cpu: 150, memory: 1024 },
    { name: 'decimal memory', spec: { containers: [c(undefined, '1G')] }, cpu: 0, memory: 1e9 },
    { name: 'fractional cpu', spec: { containers: [c('0.5')] }, cpu: 500, memory: 0 },
  ];
  for (const cs of cases) {
    await t.test(cs.name, () => {
      const r = podRequests(cs.spec);
      assert.equal(r.milliCpu, cs.cpu);
      assert.equal(r.memory, cs.memory);
    });
  }
});

test('podNonZeroRequests substitutes 100m / 200Mi per container that asks for nothing', () => {
  const r = podNonZeroRequests(makePod({ spec: { containers: [{ name: 'a' }, c('300m'), c(undefined, '1Mi')] } }));
  assert.equal(r.milliCpu, 100 + 300 + 100);
  assert.equal(r.memory, 200 * 2 ** 20 * 2 + 2 ** 20);
  const explicitZero = podNonZeroRequests(makePod({ spec: { containers: [c('0', '0')] } }));
  assert.deepEqual([explicitZero.milliCpu, explicitZero.memory], [0, 0], 'an explicit 0 stays 0');
});

test('nodeAllocatable reads allocatable and falls back to capacity per resource', () => {
  const node = makeNode({ cpu: '4', memory: '8Gi', pods: '110' });
  assert.deepEqual(
    { cpu: nodeAllocatable(node).milliCpu, mem: nodeAllocatable(node).memory, pods: nodeAllocatable(node).pods },
    { cpu: 4000, mem: 8 * 2 ** 30, pods: 110 },
  );
  node.status!.allocatable = { cpu: '3500m' };
  const a = nodeAllocatable(node);
  assert.deepEqual([a.milliCpu, a.memory, a.pods], [3500, 8 * 2 ** 30, 110]);
});
