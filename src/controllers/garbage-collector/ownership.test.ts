import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { AbsentOwners } from './absent-owners.js';
import {
  FOREGROUND,
  ORPHAN,
  blockingDependents,
  collectedResources,
  decide,
  ownerNamespace,
  ownerStateOf,
  resolveOwner,
  unblocked,
  withoutRefs,
  type Decision,
  type Meta,
  type OwnerState,
} from './ownership.js';

const ref = (uid: string, block = false): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid, blockOwnerDeletion: block });

describe('decide', () => {
  const none = { count: 0, anyDeletingDependents: false };
  const cases: { name: string; item: Meta; states: Record<string, OwnerState>; deps?: typeof none; want: Decision }[] = [
    { name: 'no owners: keep', item: {}, states: {}, want: { action: 'keep' } },
    { name: 'owner exists: keep', item: { ownerReferences: [ref('a')] }, states: { a: 'solid' }, want: { action: 'keep' } },
    { name: 'owner of an unknown kind: keep', item: { ownerReferences: [ref('a')] }, states: { a: 'unresolvable' }, want: { action: 'keep' } },
    {
      name: 'owner gone: delete in the background',
      item: { ownerReferences: [ref('a')] },
      states: { a: 'absent' },
      want: { action: 'delete', policy: 'Background', unblock: false },
    },
    {
      name: 'one owner gone, another alive: drop the dangling reference only',
      item: { ownerReferences: [ref('a'), ref('b')] },
      states: { a: 'absent', b: 'solid' },
      want: { action: 'remove-refs', uids: ['a'] },
    },
    {
      name: 'one owner waiting in the foreground, another alive: drop the waiting reference',
      item: { ownerReferences: [ref('a'), ref('b')] },
      states: { a: 'waiting', b: 'solid' },
      want: { action: 'remove-refs', uids: ['a'] },
    },
    {
      name: 'owner waiting, no dependents of our own: delete in the background',
      item: { ownerReferences: [ref('a')] },
      states: { a: 'waiting' },
      want: { action: 'delete', policy: 'Background', unblock: false },
    },
    {
      name: 'owner waiting and we have dependents: delete in the foreground so the owner waits for them too',
      item: { ownerReferences: [ref('a')] },
      states: { a: 'waiting' },
      deps: { count: 2, anyDeletingDependents: false },
      want: { action: 'delete', policy: 'Foreground', unblock: false },
    },
    {
      name: 'owner waiting and a dependent of ours waiting on us: unblock first, against a cycle',
      item: { ownerReferences: [ref('a', true)] },
      states: { a: 'waiting' },
      deps: { count: 1, anyDeletingDependents: true },
      want: { action: 'delete', policy: 'Foreground', unblock: true },
    },
    {
      name: 'owner gone, the object asks for orphaning: honour it',
      item: { ownerReferences: [ref('a')], finalizers: [ORPHAN] },
      states: { a: 'absent' },
      want: { action: 'delete', policy: 'Orphan', unblock: false },
    },
    {
      name: 'owner gone, the object asks for foreground: honour it',
      item: { ownerReferences: [ref('a')], finalizers: [FOREGROUND] },
      states: { a: 'absent' },
      want: { action: 'delete', policy: 'Foreground', unblock: false },
    },
    {
      name: 'no state known for an owner is no reason to delete',
      item: { ownerReferences: [ref('a')] },
      states: {},
      want: { action: 'keep' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(decide(c.item, new Map(Object.entries(c.states)), c.deps ?? none), c.want));
  }
});

describe('ownership helpers', () => {
  it('ownerStateOf: only foreground deletion makes an owner wait', () => {
    assert.equal(ownerStateOf({}), 'solid');
    assert.equal(ownerStateOf({ deletionTimestamp: 't', finalizers: [ORPHAN] }), 'solid');
    assert.equal(ownerStateOf({ deletionTimestamp: 't', finalizers: [FOREGROUND] }), 'waiting');
    assert.equal(ownerStateOf({ finalizers: [FOREGROUND] }), 'solid', 'a finalizer alone is not a deletion');
  });

  it('blockingDependents: those whose reference to the owner blocks', () => {
    const deps = [
      { metadata: { name: 'a', ownerReferences: [ref('o', true)] } },
      { metadata: { name: 'b', ownerReferences: [ref('o', false)] } },
      { metadata: { name: 'c', ownerReferences: [ref('x', true), ref('o')] } },
    ];
    assert.deepEqual(blockingDependents('o', deps).map((d) => d.metadata.name), ['a']);
  });

  it('withoutRefs and unblocked say when there is nothing to change', () => {
    assert.deepEqual(withoutRefs([ref('a'), ref('b')], ['a']), [ref('b')]);
    assert.deepEqual(withoutRefs([ref('a')], ['a']), []);
    assert.equal(withoutRefs([ref('a')], ['z']), undefined);
    assert.deepEqual(unblocked([ref('a', true), ref('b')]), [ref('a', false), ref('b')]);
    assert.equal(unblocked([ref('a')]), undefined);
  });

  it('resolveOwner finds the resource by group and kind, whatever the version', () => {
    assert.equal(resolveOwner({ apiVersion: 'apps/v1', kind: 'Deployment' })?.plural, 'deployments');
    assert.equal(resolveOwner({ apiVersion: 'apps/v1beta2', kind: 'ReplicaSet' })?.plural, 'replicasets');
    assert.equal(resolveOwner({ apiVersion: 'v1', kind: 'Node' })?.plural, 'nodes');
    assert.equal(resolveOwner({ apiVersion: 'example.com/v1', kind: 'Widget' }), undefined);
    assert.equal(resolveOwner({ apiVersion: 'v1', kind: 'Deployment' }), undefined, 'wrong group');
  });

  it('ownerNamespace: same namespace, cluster scope, or impossible', () => {
    const rs = resolveOwner({ apiVersion: 'apps/v1', kind: 'ReplicaSet' })!;
    const node = resolveOwner({ apiVersion: 'v1', kind: 'Node' })!;
    assert.deepEqual(ownerNamespace(rs, 'ns'), { namespace: 'ns' });
    assert.deepEqual(ownerNamespace(node, 'ns'), { namespace: undefined });
    assert.deepEqual(ownerNamespace(node, undefined), { namespace: undefined });
    assert.equal(ownerNamespace(rs, undefined), undefined, 'a cluster-scoped object cannot have a namespaced owner');
  });

  it('collectedResources covers what can own or be owned, not events', () => {
    const names = collectedResources().map((r) => r.plural);
    for (const p of ['pods', 'replicasets', 'deployments', 'services', 'endpoints', 'endpointslices', 'configmaps', 'secrets', 'persistentvolumeclaims', 'nodes'])
      assert.ok(names.includes(p), p);
    assert.ok(!names.includes('events'));
  });
});

describe('AbsentOwners', () => {
  it('remembers up to its bound, dropping the least recently used', () => {
    const a = new AbsentOwners(2);
    a.add('x');
    a.add('y');
    assert.equal(a.has('x'), true);
    a.add('z');
    assert.equal(a.has('y'), false);
    assert.equal(a.has('x'), true);
    assert.equal(a.has('z'), true);
  });
});
