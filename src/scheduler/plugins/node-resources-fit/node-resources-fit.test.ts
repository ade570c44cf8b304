import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { makeNode, nodeInfo, podInfo, type PodSpecShort } from '../../testing.js';
import { plugin } from './node-resources-fit.js';

test('NodeResourcesFit filter', async (t) => {
  const cases: { name: string; node?: Parameters<typeof makeNode>[0]; existing?: PodSpecShort[]; pod: PodSpecShort; reasons: string[] }[] = [
    { name: 'fits an empty node', pod: { cpu: '1', memory: '1Gi' }, reasons: [] },
    { name: 'exactly the remaining cpu fits', node: { cpu: '2' }, existing: [{ cpu: '1500m' }], pod: { cpu: '500m' }, reasons: [] },
    { name: 'one millicore too many', node: { cpu: '2' }, existing: [{ cpu: '1500m' }], pod: { cpu: '501m' }, reasons: ['Insufficient cpu'] },
    { name: 'memory', node: { memory: '1Gi' }, existing: [{ memory: '768Mi' }], pod: { memory: '512Mi' }, reasons: ['Insufficient memory'] },
    { name: 'cpu and memory both reported', node: { cpu: '1', memory: '1Gi' }, pod: { cpu: '2', memory: '2Gi' }, reasons: ['Insufficient cpu', 'Insufficient memory'] },
    { name: 'pod count', node: { pods: '2' }, existing: [{}, {}], pod: {}, reasons: ['Too many pods'] },
    { name: 'a pod asking for nothing fits a full node with slots', node: { cpu: '1' }, existing: [{ cpu: '1' }], pod: {}, reasons: [] },
    { name: 'allocatable falls back to capacity', node: { cpu: '1', capacityOnly: true }, pod: { cpu: '2' }, reasons: ['Insufficient cpu'] },
    {
      name: 'init containers count by their maximum, not their sum',
      node: { cpu: '2' },
      pod: { spec: { initContainers: [c('1500m'), c('1500m')] } as Partial<PodSpec>, cpu: '1' },
      reasons: [],
    },
    { name: 'an init container larger than the node', node: { cpu: '2' }, pod: { spec: { initContainers: [c('3')] } as Partial<PodSpec>, cpu: '1' }, reasons: ['Insufficient cpu'] },
    {
      name: 'app containers are summed',
      node: { cpu: '2' },
      pod: { spec: { containers: [c('1'), c('1'), c('100m')] } as Partial<PodSpec> },
      reasons: ['Insufficient cpu'],
    },
    {
      name: 'ephemeral-storage when requested',
      pod: { spec: { containers: [{ name: 'c', resources: { requests: { 'ephemeral-storage': '1Gi' } } }] } as Partial<PodSpec> },
      reasons: ['Insufficient ephemeral-storage'],
    },
    {
      name: 'an extended resource the node lacks',
      pod: { spec: { containers: [{ name: 'c', resources: { requests: { 'nvidia.com/gpu': '1' } } }] } as Partial<PodSpec> },
      reasons: ['Insufficient nvidia.com/gpu'],
    },
    { name: 'overhead counts', node: { cpu: '1' }, pod: { cpu: '900m', spec: { overhead: { cpu: '200m' } } }, reasons: ['Insufficient cpu'] },
  ];
  for (const cs of cases) {
    await t.test(cs.name, () => {
      const s = plugin.filter(podInfo(cs.pod), nodeInfo(cs.node ?? {}, cs.existing ?? []));
      assert.equal(s.code, cs.reasons.length ? 'Unschedulable' : 'Success');
      assert.deepEqual(s.reasons, cs.reasons);
    });
  }
});

function c(cpu: string) {
  return { name: `c${cpu}`, image: 'i', resources: { requests: { cpu } } };
}
