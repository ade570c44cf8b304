import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { ANN_BOUND_BY_CONTROLLER, ANN_PROVISIONED_BY, LOCAL_PATH_PROVISIONER } from '../../machinery/persistent-volumes.js';
import { pv, pvc } from '../../machinery/persistent-volumes-testing.js';
import { decideVolume, type VolumeDecision } from './volume-decision.js';

const summary = (d: VolumeDecision): string => (d.kind === 'phase' ? `phase ${d.phase}` : d.kind === 'fail' ? `fail ${d.reason}: ${d.message}` : d.kind);
const provisioned = { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER };

describe('decideVolume', () => {
  const cases: { name: string; volume: PersistentVolume; claim?: PersistentVolumeClaim; want: string }[] = [
    { name: 'a new free volume becomes Available', volume: pv({ name: 'v', phase: 'Pending' }), want: 'phase Available' },
    { name: 'an Available free volume stays', volume: pv({ name: 'v', phase: 'Available' }), want: 'none' },
    { name: 'reserved by name for a claim not yet there: Available', volume: pv({ name: 'v', claimRef: 'default/c', phase: 'Pending' }), want: 'phase Available' },
    { name: 'reserved by name for an existing claim: the claim decides', volume: pv({ name: 'v', claimRef: 'default/c' }), claim: pvc({ name: 'c' }), want: 'syncClaim' },
    { name: 'bound to its claim: Bound', volume: pv({ name: 'v', claimRef: 'default/c/uid-c', phase: 'Available' }), claim: pvc({ name: 'c', volumeName: 'v' }), want: 'phase Bound' },
    { name: 'Bound stays Bound', volume: pv({ name: 'v', claimRef: 'default/c/uid-c', phase: 'Bound' }), claim: pvc({ name: 'c', volumeName: 'v' }), want: 'none' },
    { name: 'made for a claim not bound yet: the claim decides', volume: pv({ name: 'v', claimRef: 'default/c/uid-c' }), claim: pvc({ name: 'c' }), want: 'syncClaim' },
    {
      name: 'chosen by the controller for a claim that took another volume: freed',
      volume: pv({ name: 'v', claimRef: 'default/c/uid-c', annotations: { [ANN_BOUND_BY_CONTROLLER]: 'yes' } }),
      claim: pvc({ name: 'c', volumeName: 'other' }),
      want: 'unbind',
    },
    { name: 'claim gone, Retain: Released', volume: pv({ name: 'v', claimRef: 'default/c/uid-c', phase: 'Bound' }), want: 'phase Released' },
    { name: 'claim gone, Retain, already Released: stays', volume: pv({ name: 'v', claimRef: 'default/c/uid-c', phase: 'Released' }), want: 'none' },
    {
      name: 'claim gone, Delete, static: Failed as in Kubernetes',
      volume: pv({ name: 'v', claimRef: 'default/c/uid-c', phase: 'Bound', policy: 'Delete' }),
      want: 'fail VolumeFailedDelete: error getting deleter volume plugin for volume "v": no deletable volume plugin matched',
    },
    { name: 'claim gone, Delete, provisioned: Released for the node to delete', volume: pv({ name: 'v', claimRef: 'default/c/uid-c', phase: 'Bound', policy: 'Delete', annotations: provisioned }), want: 'phase Released' },
    { name: 'claim gone, Recycle: Failed, unsupported', volume: pv({ name: 'v', claimRef: 'default/c/uid-c', phase: 'Bound', policy: 'Recycle' }), want: 'fail VolumeFailedRecycle: Recycle reclaim policy is not supported by orch; volume "v" must be cleaned up and deleted by hand' },
    { name: 'Failed stays Failed', volume: pv({ name: 'v', claimRef: 'default/c/uid-c', phase: 'Failed', policy: 'Delete' }), want: 'none' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(summary(decideVolume(c.volume, c.claim)), c.want));
  }
});
