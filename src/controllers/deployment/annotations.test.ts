import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maxRevision, revisionOf, setDeploymentRevision, setNewReplicaSetAnnotations, REVISION, REVISION_HISTORY } from './annotations.js';
import { deployment, rs } from './test-fixtures.js';

describe('annotations', () => {
  it('reads revisions, ignoring junk', () => {
    const a = rs('a', { replicas: 0, revision: 3 });
    const b = rs('b', { replicas: 0, revision: 12 });
    const c = rs('c', { replicas: 0 });
    c.metadata!.annotations![REVISION] = 'x';
    assert.deepEqual([revisionOf(a), revisionOf(b), revisionOf(c)], [3, 12, 0]);
    assert.equal(maxRevision([a, b, c]), 12);
    assert.equal(maxRevision([]), 0);
  });

  it('annotates a new ReplicaSet: copied annotations, revision and replica counts', () => {
    const d = deployment(4, { maxSurge: 1 });
    d.metadata!.annotations = {
      'kubernetes.io/change-cause': 'kubectl set image',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      [REVISION]: '7',
      team: 'a',
    };
    const r = rs('n', { replicas: 0 });
    r.metadata!.annotations = {};
    assert.ok(setNewReplicaSetAnnotations(d, r, 3, false, 1));
    assert.deepEqual(r.metadata!.annotations, {
      'kubernetes.io/change-cause': 'kubectl set image',
      team: 'a',
      [REVISION]: '3',
      'deployment.kubernetes.io/desired-replicas': '4',
      'deployment.kubernetes.io/max-replicas': '5',
    });
    assert.equal(setNewReplicaSetAnnotations(d, r, 3, true, 1), false, 'nothing changes the second time');
  });

  it('raises an existing ReplicaSet to the new revision and remembers the old one (rollback)', () => {
    const d = deployment(2);
    const r = rs('old', { replicas: 0, revision: 1 });
    assert.ok(setNewReplicaSetAnnotations(d, r, 4, true, 1));
    assert.equal(r.metadata!.annotations![REVISION], '4');
    assert.equal(r.metadata!.annotations![REVISION_HISTORY], '1');
    assert.ok(setNewReplicaSetAnnotations(d, r, 6, true, 1));
    assert.equal(r.metadata!.annotations![REVISION_HISTORY], '1,4');
    assert.equal(setNewReplicaSetAnnotations(d, r, 5, true, 1), false, 'never lowered');
    assert.equal(r.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], undefined, 'existing sets keep their counts');
  });

  it('mirrors the revision on the Deployment', () => {
    const d = deployment(1);
    assert.equal(setDeploymentRevision(d, '2'), true);
    assert.equal(setDeploymentRevision(d, '2'), false);
    assert.equal(d.metadata!.annotations![REVISION], '2');
  });
});
