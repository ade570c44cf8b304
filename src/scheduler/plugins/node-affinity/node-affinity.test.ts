import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSelectorRequirement, PodSpec, PreferredSchedulingTerm } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework/types.js';
import { nodeInfo, podInfo } from '../../testing.js';
import { create, REASON } from './node-affinity.js';

const required = (...terms: { expr?: NodeSelectorRequirement[]; fields?: NodeSelectorRequirement[] }[]): Partial<PodSpec> => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((t) => ({ matchExpressions: t.expr, matchFields: t.fields })) } } },
});

test('NodeAffinity filter', async (t) => {
  const labels = { zone: 'a', gpu: 'true', cores: '16' };
  const cases: { name: string; spec: Partial<PodSpec>; node?: string; want: boolean }[] = [
    { name: 'no constraints', spec: {}, want: true },
    { name: 'nodeSelector matches', spec: { nodeSelector: { zone: 'a' } }, want: true },
    { name: 'nodeSelector mismatches', spec: { nodeSelector: { zone: 'b' } }, want: false },
    { name: 'nodeSelector on a missing label', spec: { nodeSelector: { disk: 'ssd' } }, want: false },
    { name: 'In matches', spec: required({ expr: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }), want: true },
    { name: 'In mismatches', spec: required({ expr: [{ key: 'zone', operator: 'In', values: ['b'] }] }), want: false },
    { name: 'NotIn passes when the label differs', spec: required({ expr: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }), want: true },
    { name: 'NotIn passes when the label is absent', spec: required({ expr: [{ key: 'disk', operator: 'NotIn', values: ['hdd'] }] }), want: true },
    { name: 'NotIn rejects the listed value', spec: required({ expr: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }), want: false },
    { name: 'Exists', spec: required({ expr: [{ key: 'gpu', operator: 'Exists' }] }), want: true },
    { name: 'Exists on a missing label', spec: required({ expr: [{ key: 'disk', operator: 'Exists' }] }), want: false },
    { name: 'DoesNotExist', spec: required({ expr: [{ key: 'disk', operator: 'DoesNotExist' }] }), want: true },
    { name: 'DoesNotExist on a present label', spec: required({ expr: [{ key: 'gpu', operator: 'DoesNotExist' }] }), want: false },
    { name: 'Gt', spec: required({ expr: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }), want: true },
    { name: 'Gt equal is false', spec: required({ expr: [{ key: 'cores', operator: 'Gt', values: ['16'] }] }), want: false },
    { name: 'Lt', spec: required({ expr: [{ key: 'cores', operator: 'Lt', values: ['32'] }] }), want: true },
    { name: 'Gt on a non-integer label is false', spec: required({ expr: [{ key: 'zone', operator: 'Gt', values: ['1'] }] }), want: false },
    { name: 'Gt with two values is invalid: the term matches nothing', spec: required({ expr: [{ key: 'cores', operator: 'Gt', values: ['1', '2'] }] }), want: false },
    { name: 'expressions in a term are ANDed', spec: required({ expr: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gpu', operator: 'DoesNotExist' }] }), want: false },
    { name: 'terms are ORed', spec: required({ expr: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { expr: [{ key: 'gpu', operator: 'Exists' }] }), want: true },
    { name: 'an empty term matches nothing', spec: required({}), want: false },
    { name: 'matchFields metadata.name In', spec: required({ fields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }), want: true },
    { name: 'matchFields metadata.name In another', spec: required({ fields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }), want: false },
    { name: 'matchFields metadata.name NotIn', spec: required({ fields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n2'] }] }), want: true },
    { name: 'matchFields on another field is invalid', spec: required({ fields: [{ key: 'spec.podCIDR', operator: 'In', values: ['x'] }] }), want: false },
    {
      name: 'nodeSelector and affinity must both match',
      spec: { nodeSelector: { zone: 'b' }, ...required({ expr: [{ key: 'gpu', operator: 'Exists' }] }) },
      want: false,
    },
  ];
  const p = create();
  for (const c of cases) {
    await t.test(c.name, () => {
      const state = new CycleState();
      const pod = podInfo({ spec: c.spec });
      assert.equal(p.preFilter(pod, state).code, 'Success');
      const s = p.filter(pod, nodeInfo({ name: 'n1', labels }), state);
      assert.equal(s.code, c.want ? 'Success' : 'UnschedulableAndUnresolvable');
      if (!c.want) assert.deepEqual(s.reasons, [REASON]);
    });
  }
});

test('NodeAffinity score sums the weights of matching preferred terms and normalizes to 100', async (t) => {
  const pref = (weight: number, key: string, value: string): PreferredSchedulingTerm => ({ weight, preference: { matchExpressions: [{ key, operator: 'In', values: [value] }] } });
  const cases: { name: string; terms: PreferredSchedulingTerm[]; want: number[]; skip?: boolean }[] = [
    { name: 'no preferences: skipped', terms: [], want: [], skip: true },
    { name: 'one term', terms: [pref(5, 'zone', 'a')], want: [100, 0, 100] },
    { name: 'weights add', terms: [pref(2, 'zone', 'a'), pref(6, 'disk', 'ssd')], want: [25, 75, 100] },
    { name: 'nothing matches anywhere', terms: [pref(3, 'zone', 'q')], want: [0, 0, 0] },
  ];
  const nodes = [nodeInfo({ labels: { zone: 'a' } }), nodeInfo({ labels: { disk: 'ssd' } }), nodeInfo({ labels: { zone: 'a', disk: 'ssd' } })];
  const p = create();
  for (const c of cases) {
    await t.test(c.name, () => {
      const state = new CycleState();
      const pod = podInfo({ spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: c.terms } } } });
      assert.equal(p.preScore(pod, nodes, state), !c.skip);
      if (c.skip) return;
      const scores = nodes.map((n) => p.score(pod, n, state));
      p.normalize(scores);
      assert.deepEqual(scores, c.want);
    });
  }
});
