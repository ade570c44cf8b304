import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { noScheduleTaintsFor, planTaints, tolerates, TAINT_NOT_READY, TAINT_UNREACHABLE } from './taints.js';

const NOW = '2025-01-01T00:01:00Z';
const node = (ready: string | undefined, taints: Taint[] = [], extra: Partial<Node['spec']> = {}, conds: [string, string][] = []): Node => ({
  metadata: { name: 'n' },
  spec: { taints, ...extra },
  status: { conditions: [...(ready ? [{ type: 'Ready', status: ready }] : []), ...conds.map(([type, status]) => ({ type, status }))] },
});
const ne = (key: string, timeAdded = '2025-01-01T00:00:00Z'): Taint => ({ key, effect: 'NoExecute', timeAdded });
const ns = (key: string): Taint => ({ key, effect: 'NoSchedule' });
const user: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoExecute' };
const text = (ts?: Taint[]) => ts?.map((t) => `${t.key}:${t.effect}${t.timeAdded ? `@${t.timeAdded}` : ''}`);

test('planTaints: the controller taints follow the Ready condition', () => {
  const allow = { allowNewNoExecute: true, suppressNoExecute: false, now: NOW };
  const cases: { name: string; node: Node; opts?: Partial<typeof allow>; want: string[] | undefined; adds?: boolean; held?: boolean }[] = [
    { name: 'ready and clean: nothing to do', node: node('True'), want: undefined },
    {
      name: 'unknown: unreachable NoSchedule and NoExecute',
      node: node('Unknown'),
      want: [`${TAINT_UNREACHABLE}:NoSchedule`, `${TAINT_UNREACHABLE}:NoExecute@${NOW}`],
      adds: true,
    },
    {
      name: 'not ready: not-ready taints',
      node: node('False'),
      want: [`${TAINT_NOT_READY}:NoSchedule`, `${TAINT_NOT_READY}:NoExecute@${NOW}`],
      adds: true,
    },
    {
      name: 'already tainted: unchanged, timeAdded kept',
      node: node('Unknown', [ns(TAINT_UNREACHABLE), ne(TAINT_UNREACHABLE)]),
      want: undefined,
    },
    {
      name: 'not-ready -> unknown swaps at once even without a token, restarting the clock',
      node: node('Unknown', [ns(TAINT_NOT_READY), ne(TAINT_NOT_READY)]),
      opts: { allowNewNoExecute: false },
      want: [`${TAINT_UNREACHABLE}:NoSchedule`, `${TAINT_UNREACHABLE}:NoExecute@${NOW}`],
      adds: false,
    },
    {
      name: 'no token: NoSchedule now, NoExecute held back',
      node: node('Unknown'),
      opts: { allowNewNoExecute: false },
      want: [`${TAINT_UNREACHABLE}:NoSchedule`],
      held: true,
    },
    {
      name: 'recovered: controller taints go, user taints stay',
      node: node('True', [user, ns(TAINT_UNREACHABLE), ne(TAINT_UNREACHABLE)]),
      want: ['dedicated:NoExecute'],
    },
    {
      name: 'every zone down: NoExecute removed, NoSchedule kept',
      node: node('Unknown', [ns(TAINT_UNREACHABLE), ne(TAINT_UNREACHABLE)]),
      opts: { suppressNoExecute: true },
      want: [`${TAINT_UNREACHABLE}:NoSchedule`],
    },
    { name: 'no Ready condition yet: no NoExecute decision', node: node(undefined), want: undefined },
    {
      name: 'pressure and cordon become NoSchedule taints',
      node: node('True', [], { unschedulable: true }, [['MemoryPressure', 'True'], ['DiskPressure', 'False']]),
      want: ['node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule'],
    },
  ];
  for (const tc of cases) {
    const plan = planTaints(tc.node, { ...allow, ...tc.opts });
    assert.deepEqual(text(plan.taints), tc.want, tc.name);
    assert.equal(plan.addsNoExecute, tc.adds ?? false, `${tc.name}: addsNoExecute`);
    assert.equal(plan.heldBack, tc.held ?? false, `${tc.name}: heldBack`);
  }
});

test('noScheduleTaintsFor maps each condition to its taint', () => {
  const n = node('False', [], {}, [['PIDPressure', 'True'], ['NetworkUnavailable', 'True']]);
  assert.deepEqual(text(noScheduleTaintsFor(n)), [
    `${TAINT_NOT_READY}:NoSchedule`,
    'node.kubernetes.io/network-unavailable:NoSchedule',
    'node.kubernetes.io/pid-pressure:NoSchedule',
  ]);
});

test('tolerates follows Kubernetes matching rules', () => {
  const taint: Taint = { key: 'k', value: 'v', effect: 'NoExecute' };
  const cases: [string, Parameters<typeof tolerates>[0], boolean][] = [
    ['equal key and value', { key: 'k', operator: 'Equal', value: 'v' }, true],
    ['default operator is Equal', { key: 'k', value: 'v' }, true],
    ['wrong value', { key: 'k', value: 'w' }, false],
    ['Exists on the key', { key: 'k', operator: 'Exists' }, true],
    ['Exists with no key tolerates everything', { operator: 'Exists' }, true],
    ['empty key without Exists tolerates nothing', { value: 'v' }, false],
    ['other effect', { key: 'k', operator: 'Exists', effect: 'NoSchedule' }, false],
    ['same effect', { key: 'k', operator: 'Exists', effect: 'NoExecute' }, true],
    ['other key', { key: 'x', operator: 'Exists' }, false],
  ];
  for (const [name, tol, want] of cases) assert.equal(tolerates(tol, taint), want, name);
});
