import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { ANN_BIND_COMPLETED, ANN_SELECTED_NODE, LOCAL_PATH_PROVISIONER } from '../../machinery/persistent-volumes.js';
import { pv, pvc, storageClass } from '../../machinery/persistent-volumes-testing.js';
import { NO_CLASS_MESSAGE, WAIT_FOR_FIRST_CONSUMER_MESSAGE, decideClaim, type ClaimDecision } from './claim-decision.js';

const immediate = storageClass('default', LOCAL_PATH_PROVISIONER);
const wffc = storageClass('local-path', LOCAL_PATH_PROVISIONER, 'WaitForFirstConsumer');
const foreign = storageClass('ebs', 'ebs.csi.aws.com');
const bound = { [ANN_BIND_COMPLETED]: 'yes' };

/** The decision reduced to what the table compares: kind, volume and event reason/message. */
function summary(d: ClaimDecision): string {
  switch (d.kind) {
    case 'bind':
      return `bind ${d.volume.metadata?.name}`;
    case 'pending':
      return d.event ? `pending ${d.event.reason}: ${d.event.message}` : 'pending';
    case 'provision':
      return `provision${d.pickNode ? ' pick-node' : ''}`;
    case 'lost':
      return `lost ${d.event.reason}`;
    case 'volumeMissing':
      return `missing ${d.volumeName}`;
  }
}

describe('decideClaim', () => {
  const cases: { name: string; claim: PersistentVolumeClaim; volumes?: PersistentVolume[]; sc?: StorageClass; want: string | RegExp }[] = [
    { name: 'binds a matching static volume', claim: pvc({ name: 'c', className: '' }), volumes: [pv({ name: 'v1' })], want: 'bind v1' },
    { name: 'no volume and no class', claim: pvc({ name: 'c', className: '' }), want: `pending FailedBinding: ${NO_CLASS_MESSAGE}` },
    { name: 'class that does not exist', claim: pvc({ name: 'c', className: 'gold' }), want: 'pending ProvisioningFailed: storageclass.storage.k8s.io "gold" not found' },
    { name: 'WaitForFirstConsumer without a node waits', claim: pvc({ name: 'c', className: 'local-path' }), sc: wffc, want: `pending WaitForFirstConsumer: ${WAIT_FOR_FIRST_CONSUMER_MESSAGE}` },
    {
      name: 'WaitForFirstConsumer ignores free static volumes until the scheduler picks',
      claim: pvc({ name: 'c', className: 'local-path' }),
      volumes: [pv({ name: 'v1', className: 'local-path' })],
      sc: wffc,
      want: /^pending WaitForFirstConsumer/,
    },
    { name: 'WaitForFirstConsumer with a selected node provisions there', claim: pvc({ name: 'c', className: 'local-path', annotations: { [ANN_SELECTED_NODE]: 'n1' } }), sc: wffc, want: 'provision' },
    { name: 'Immediate local-path provisions on a node the controller picks', claim: pvc({ name: 'c', className: 'default' }), sc: immediate, want: 'provision pick-node' },
    { name: 'a provisioner orch does not have', claim: pvc({ name: 'c', className: 'ebs' }), sc: foreign, want: /^pending ProvisioningFailed: storage class "ebs" uses provisioner "ebs.csi.aws.com", which orch does not have/ },
    { name: 'the provisioned volume reserved for the claim is bound', claim: pvc({ name: 'c', className: 'default' }), volumes: [pv({ name: 'pvc-uid-c', className: 'default', claimRef: 'default/c/uid-c' })], sc: immediate, want: 'bind pvc-uid-c' },
    { name: 'pre-bound to a volume that does not exist yet', claim: pvc({ name: 'c', volumeName: 'later' }), want: 'pending' },
    { name: 'pre-bound to a free volume that fits', claim: pvc({ name: 'c', volumeName: 'v1' }), volumes: [pv({ name: 'v1' })], want: 'bind v1' },
    { name: 'pre-bound to a volume that is too small', claim: pvc({ name: 'c', volumeName: 'v1', size: '50Gi' }), volumes: [pv({ name: 'v1' })], want: 'pending VolumeMismatch: Cannot bind to requested volume "v1": requested PV is too small' },
    { name: 'pre-bound to a volume of another class', claim: pvc({ name: 'c', volumeName: 'v1', className: 'x' }), volumes: [pv({ name: 'v1' })], want: 'pending VolumeMismatch: Cannot bind to requested volume "v1": storageClassName does not match' },
    { name: 'pre-bound to a volume with other access modes', claim: pvc({ name: 'c', volumeName: 'v1', modes: ['ReadWriteMany'] }), volumes: [pv({ name: 'v1' })], want: 'pending VolumeMismatch: Cannot bind to requested volume "v1": incompatible accessMode' },
    { name: 'pre-bound to a volume another claim holds', claim: pvc({ name: 'c', volumeName: 'v1' }), volumes: [pv({ name: 'v1', claimRef: 'default/other/u9' })], want: 'pending FailedBinding: volume "v1" already bound to a different claim.' },
    { name: 'bound and consistent: bind again is a no-op', claim: pvc({ name: 'c', volumeName: 'v1', annotations: bound }), volumes: [pv({ name: 'v1', claimRef: 'default/c/uid-c' })], want: 'bind v1' },
    { name: 'bound with no volume name is lost', claim: pvc({ name: 'c', annotations: bound }), want: 'lost ClaimLost' },
    { name: 'bound to a volume not in the cache', claim: pvc({ name: 'c', volumeName: 'gone', annotations: bound }), want: 'missing gone' },
    { name: 'bound to a volume another claim holds', claim: pvc({ name: 'c', volumeName: 'v1', annotations: bound }), volumes: [pv({ name: 'v1', claimRef: 'default/other/u9' })], want: 'lost ClaimMisbound' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const volumes = c.volumes ?? [];
      const got = summary(decideClaim(c.claim, { volumes, volume: (n) => volumes.find((v) => v.metadata?.name === n), storageClass: c.sc }));
      if (typeof c.want === 'string') assert.equal(got, c.want);
      else assert.match(got, c.want);
    });
  }
});
