import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NamespaceCondition } from 'kubernetes-types/core/v1.js';
import { isEmpty, nextConditions, type ContentReport } from './conditions.js';
import { namespacedResources } from './content.js';

const report = (o: Partial<{ remaining: [string, number][]; finalizers: [string, number][]; failures: string[] }> = {}): ContentReport => ({
  remaining: new Map(o.remaining ?? []),
  finalizers: new Map(o.finalizers ?? []),
  failures: o.failures ?? [],
});

const byType = (cs: NamespaceCondition[]) => Object.fromEntries(cs.map((c) => [c.type, [c.status, c.reason, c.message]]));

describe('nextConditions', () => {
  it('reports all five conditions, false when all is well', () => {
    const { conditions, changed } = nextConditions(undefined, report(), 'T1');
    assert.equal(changed, true);
    assert.deepEqual(byType(conditions), {
      NamespaceDeletionDiscoveryFailure: ['False', 'ResourcesDiscovered', 'All resources successfully discovered'],
      NamespaceDeletionGroupVersionParsingFailure: ['False', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'],
      NamespaceDeletionContentFailure: ['False', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
      NamespaceContentRemaining: ['False', 'ContentRemoved', 'All content successfully removed'],
      NamespaceFinalizersRemaining: ['False', 'ContentRemoved', 'All content successfully removed'],
    });
    assert.ok(conditions.every((c) => c.lastTransitionTime === 'T1'));
  });

  it('says what remains, what holds it, and what failed, in a stable order', () => {
    const r = report({ remaining: [['pods', 2], ['deployments.apps', 1]], finalizers: [['example.com/hold', 1], ['foregroundDeletion', 1]], failures: ['secrets: boom'] });
    const { conditions } = nextConditions(undefined, r, 'T1');
    const t = byType(conditions);
    assert.deepEqual(t.NamespaceContentRemaining, ['True', 'SomeResourcesRemain', 'Some resources are remaining: deployments.apps has 1 resource instances, pods has 2 resource instances']);
    assert.deepEqual(t.NamespaceFinalizersRemaining, ['True', 'SomeFinalizersRemain', 'Some finalizers are remaining: example.com/hold in 1 resource instances, foregroundDeletion in 1 resource instances']);
    assert.deepEqual(t.NamespaceDeletionContentFailure, ['True', 'ContentDeletionFailed', 'Failed to delete all resource types, 1 remaining: secrets: boom']);
  });

  it('changes nothing when nothing changed, and moves the transition time only on a flip', () => {
    const first = nextConditions(undefined, report({ remaining: [['pods', 2]] }), 'T1').conditions;
    assert.equal(nextConditions(first, report({ remaining: [['pods', 2]] }), 'T2').changed, false);
    const fewer = nextConditions(first, report({ remaining: [['pods', 1]] }), 'T2');
    assert.equal(fewer.changed, true);
    assert.equal(fewer.conditions.find((c) => c.type === 'NamespaceContentRemaining')!.lastTransitionTime, 'T1');
    const done = nextConditions(fewer.conditions, report(), 'T3').conditions;
    assert.equal(done.find((c) => c.type === 'NamespaceContentRemaining')!.lastTransitionTime, 'T3');
  });

  it('keeps conditions it does not own', () => {
    const other = { type: 'Example', status: 'True', reason: 'X', message: 'x' };
    assert.deepEqual(nextConditions([other], report(), 'T1').conditions[0], other);
  });
});

describe('isEmpty', () => {
  it('only with nothing left and nothing failed', () => {
    assert.equal(isEmpty(report()), true);
    assert.equal(isEmpty(report({ remaining: [['pods', 1]] })), false);
    assert.equal(isEmpty(report({ failures: ['pods: x'] })), false);
  });
});

describe('namespacedResources', () => {
  it('are the namespaced resources of the table, without cluster-scoped ones', () => {
    const names = namespacedResources().map((r) => r.plural);
    for (const p of ['pods', 'services', 'configmaps', 'secrets', 'deployments', 'replicasets', 'endpoints', 'endpointslices', 'events', 'leases']) assert.ok(names.includes(p), p);
    for (const p of ['namespaces', 'nodes', 'persistentvolumes']) assert.ok(!names.includes(p), p);
  });
});
