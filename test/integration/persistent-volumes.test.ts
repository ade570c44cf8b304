/**
 * Persistent storage in the control plane: the API server's claim and volume admission
 * (default class, protection finalizers), the PV binder, the protection controllers and
 * the scheduler's VolumeBinding plugin, all against the real API server with fake nodes.
 *
 * orch's node provisioner lives in the agent, which fake nodes do not run. Where a test
 * needs a provisioned volume it plays the node's part itself: it creates `pvc-<claim uid>`
 * exactly as the provisioning contract says (claimRef, capacity, modes, class, reclaim
 * policy, local path, hostname node affinity, provisioned-by annotation).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Event, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { ApiError } from '../../src/machinery/errors.js';
import type { ResourceClient } from '../../src/client/resource-client.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { createNamespace, waitFor } from './support-pods.js';

const COURSE_CLAIM = '/work/shared/examples/pvc-claim.yaml';
const TIMEOUT = 30_000;

interface VolumeOptions {
  size?: string;
  modes?: string[];
  className?: string;
  labels?: Record<string, string>;
  policy?: string;
  claimRef?: { namespace: string; name: string };
}

function staticVolume(name: string, o: VolumeOptions = {}): PersistentVolume {
  return {
    metadata: { name, labels: o.labels },
    spec: {
      capacity: { storage: o.size ?? '1Gi' },
      accessModes: o.modes ?? ['ReadWriteOnce'],
      storageClassName: o.className,
      persistentVolumeReclaimPolicy: o.policy ?? 'Retain',
      hostPath: { path: `/tmp/orch-test-pv/${name}` },
      claimRef: o.claimRef,
    },
  };
}

function claim(name: string, o: { size?: string; modes?: string[]; className?: string; selector?: Record<string, string>; volumeName?: string } = {}): PersistentVolumeClaim {
  return {
    metadata: { name },
    spec: {
      accessModes: o.modes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: o.size ?? '1Gi' } },
      storageClassName: o.className,
      selector: o.selector ? { matchLabels: o.selector } : undefined,
      volumeName: o.volumeName,
    },
  };
}

function podWithClaim(name: string, claimName: string): Pod {
  return {
    metadata: { name },
    spec: {
      containers: [{ name: 'c', image: 'orch.local/busybox:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
    },
  };
}

/** What orch's node provisioner creates for a claim placed on `node` (see the file comment). */
function provisionedVolume(c: PersistentVolumeClaim, node: string, policy: string): PersistentVolume {
  return {
    metadata: { name: `pvc-${c.metadata!.uid}`, annotations: { 'pv.kubernetes.io/provisioned-by': 'orch.io/local-path' } },
    spec: {
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: c.metadata!.namespace, name: c.metadata!.name, uid: c.metadata!.uid },
      capacity: { storage: c.spec!.resources!.requests!.storage },
      accessModes: c.spec!.accessModes,
      storageClassName: c.spec!.storageClassName,
      persistentVolumeReclaimPolicy: policy,
      local: { path: `/var/lib/orch-test/storage/pvc-${c.metadata!.uid}` },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    },
  };
}

describe('persistent volumes', () => {
  let cluster: TestCluster;
  let pvs: ResourceClient<PersistentVolume>;
  let pvcs: ResourceClient<PersistentVolumeClaim>;
  let nsCount = 0;
  const newNamespace = async () => {
    const ns = `pv-${++nsCount}`;
    await createNamespace(cluster.client, ns);
    return ns;
  };
  const boundClaim = (ns: string, name: string) =>
    waitFor(`claim ${ns}/${name} Bound`, async () => {
      const c = await pvcs.get(ns, name);
      return c.status?.phase === 'Bound' && c;
    }, TIMEOUT);
  const volumePhase = (name: string, phase: string) =>
    waitFor(`volume ${name} ${phase}`, async () => {
      const v = await pvs.get(undefined, name);
      return v.status?.phase === phase && v;
    }, TIMEOUT);
  const eventsOf = async (ns: string, name: string): Promise<Event[]> => (await cluster.client.events.list(ns)).items.filter((e: Event) => e.involvedObject.name === name);
  const waitEvent = (ns: string, name: string, reason: string) =>
    waitFor(`event ${reason} on ${ns}/${name}`, async () => (await eventsOf(ns, name)).find((e) => e.reason === reason), TIMEOUT);
  const gone = (what: string, get: () => Promise<unknown>) =>
    waitFor(`${what} gone`, async () => {
      try {
        await get();
        return false;
      } catch (err) {
        return err instanceof ApiError && err.code === 404;
      }
    }, TIMEOUT);

  before(async () => {
    cluster = await startTestCluster({ nodes: 2 });
    pvs = cluster.client.resource<PersistentVolume>('persistentvolumes');
    pvcs = cluster.client.resource<PersistentVolumeClaim>('persistentvolumeclaims');
  });
  after(async () => {
    await cluster?.cleanup();
  });

  it('has the local-path (default) and default StorageClasses from the first start', async () => {
    const classes = cluster.client.resource<StorageClass>('storageclasses', 'storage.k8s.io');
    const lp = await classes.get(undefined, 'local-path');
    assert.equal(lp.provisioner, 'orch.io/local-path');
    assert.equal(lp.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(lp.reclaimPolicy, 'Delete');
    assert.equal(lp.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
    const def = await classes.get(undefined, 'default');
    assert.equal(def.provisioner, 'orch.io/local-path');
    assert.equal(def.volumeBindingMode, 'Immediate');
    assert.equal(def.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'], undefined);
  });

  it('admission: a claim without a class gets the default one, claims and volumes get protection finalizers', async () => {
    const ns = await newNamespace();
    const c = await pvcs.create(ns, claim('no-class'));
    assert.equal(c.spec?.storageClassName, 'local-path');
    assert.deepEqual(c.metadata?.finalizers, ['kubernetes.io/pvc-protection']);
    const explicit = await pvcs.create(ns, claim('explicit-none', { className: '' }));
    assert.equal(explicit.spec?.storageClassName, '');
    const v = await pvs.create(undefined, staticVolume('admission-pv', { className: 'admission' }));
    assert.deepEqual(v.metadata?.finalizers, ['kubernetes.io/pv-protection']);
  });

  it('a claim made while no class is the default gets the default once one is (retroactive assignment)', async () => {
    const classes = cluster.client.resource<StorageClass>('storageclasses', 'storage.k8s.io');
    const ns = await newNamespace();
    const setDefault = async (on: boolean) => {
      const lp = await classes.get(undefined, 'local-path');
      lp.metadata!.annotations = { ...lp.metadata!.annotations, 'storageclass.kubernetes.io/is-default-class': on ? 'true' : 'false' };
      await classes.update(lp);
    };
    await setDefault(false);
    try {
      const c = await pvcs.create(ns, claim('before-default'));
      assert.equal(c.spec?.storageClassName, undefined);
      await pvcs.create(ns, claim('explicitly-none', { className: '' }));
      await setDefault(true);
      await waitFor('the default class on the claim', async () => (await pvcs.get(ns, 'before-default')).spec?.storageClassName === 'local-path', TIMEOUT);
      assert.equal((await pvcs.get(ns, 'explicitly-none')).spec?.storageClassName, '', 'a claim that asked for no class keeps none');
      // Only that change is allowed: the class of a claim that has one stays.
      const later = await pvcs.get(ns, 'before-default');
      later.spec!.storageClassName = 'default';
      await assert.rejects(pvcs.update(later), (err: ApiError) => err.code === 422);
    } finally {
      await setDefault(true);
    }
  });

  it('binds static volumes by size (smallest that fits), access modes, class, selector and volumeName', async () => {
    const ns = await newNamespace();
    for (const [name, o] of [
      ['size-1', { size: '1Gi', className: 'size' }],
      ['size-5', { size: '5Gi', className: 'size' }],
      ['size-10', { size: '10Gi', className: 'size' }],
      ['modes-rwo', { size: '1Gi', className: 'modes' }],
      ['modes-rwx', { size: '2Gi', className: 'modes', modes: ['ReadWriteOnce', 'ReadWriteMany'] }],
      ['sel-plain', { className: 'sel' }],
      ['sel-gold', { className: 'sel', labels: { tier: 'gold' }, size: '3Gi' }],
      ['named-a', { className: 'named' }],
      ['named-b', { className: 'named' }],
    ] as [string, VolumeOptions][]) {
      await pvs.create(undefined, staticVolume(name, o));
    }
    await volumePhase('size-1', 'Available');

    await pvcs.create(ns, claim('by-size', { size: '3Gi', className: 'size' }));
    await pvcs.create(ns, claim('by-modes', { modes: ['ReadWriteMany'], className: 'modes' }));
    await pvcs.create(ns, claim('by-selector', { className: 'sel', selector: { tier: 'gold' } }));
    await pvcs.create(ns, claim('by-name', { className: 'named', volumeName: 'named-b' }));

    const bySize = await boundClaim(ns, 'by-size');
    assert.equal(bySize.spec?.volumeName, 'size-5');
    assert.deepEqual(bySize.status?.capacity, { storage: '5Gi' });
    assert.deepEqual(bySize.status?.accessModes, ['ReadWriteOnce']);
    assert.equal(bySize.metadata?.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(bySize.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    const size5 = await volumePhase('size-5', 'Bound');
    assert.equal(size5.spec?.claimRef?.uid, bySize.metadata?.uid);
    assert.equal(size5.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.equal((await pvs.get(undefined, 'size-1')).status?.phase, 'Available');

    assert.equal((await boundClaim(ns, 'by-modes')).spec?.volumeName, 'modes-rwx');
    assert.equal((await boundClaim(ns, 'by-selector')).spec?.volumeName, 'sel-gold');
    const byName = await boundClaim(ns, 'by-name');
    assert.equal(byName.spec?.volumeName, 'named-b');
    // The user chose the volume: the controller did not.
    assert.equal(byName.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined);
    assert.equal((await pvs.get(undefined, 'named-a')).status?.phase, 'Available');
  });

  it('a volume reserved for a claim by claimRef goes to that claim only', async () => {
    const ns = await newNamespace();
    await pvs.create(undefined, staticVolume('reserved', { className: 'reserve', claimRef: { namespace: ns, name: 'wanted' } }));
    await pvcs.create(ns, claim('other', { className: 'reserve' }));
    await pvcs.create(ns, claim('wanted', { className: 'reserve' }));
    assert.equal((await boundClaim(ns, 'wanted')).spec?.volumeName, 'reserved');
    const other = await pvcs.get(ns, 'other');
    assert.equal(other.status?.phase, 'Pending');
  });

  it('a claim nobody can satisfy stays Pending and says why', async () => {
    const ns = await newNamespace();
    await pvcs.create(ns, claim('huge', { size: '100Ti', className: '' }));
    const e = await waitEvent(ns, 'huge', 'FailedBinding');
    assert.equal(e.message, 'no persistent volumes available for this claim and no storage class is set');
    await pvcs.create(ns, claim('no-such-class', { className: 'gold' }));
    const f = await waitEvent(ns, 'no-such-class', 'ProvisioningFailed');
    assert.equal(f.message, 'storageclass.storage.k8s.io "gold" not found');
    assert.equal((await pvcs.get(ns, 'huge')).status?.phase, 'Pending');
  });

  it('Retain: a released volume stays Released; static Delete: the volume fails, as Kubernetes does', async () => {
    const ns = await newNamespace();
    await pvs.create(undefined, staticVolume('keep-me', { className: 'retain' }));
    await pvs.create(undefined, staticVolume('delete-me', { className: 'delete', policy: 'Delete' }));
    await pvcs.create(ns, claim('keep', { className: 'retain' }));
    await pvcs.create(ns, claim('drop', { className: 'delete' }));
    await boundClaim(ns, 'keep');
    await boundClaim(ns, 'drop');
    await pvcs.delete(ns, 'keep');
    await pvcs.delete(ns, 'drop');
    await gone('claim keep', () => pvcs.get(ns, 'keep'));
    const kept = await volumePhase('keep-me', 'Released');
    assert.equal(kept.spec?.claimRef?.name, 'keep');
    const failed = await volumePhase('delete-me', 'Failed');
    assert.equal(failed.status?.message, 'error getting deleter volume plugin for volume "delete-me": no deletable volume plugin matched');
    // A new claim of the same class does not get the released volume's data.
    await pvcs.create(ns, claim('again', { className: 'retain' }));
    // (The class exists only on the volumes, so the binder looks for a volume, then reports the class missing.)
    await waitEvent(ns, 'again', 'ProvisioningFailed');
    assert.equal((await pvcs.get(ns, 'again')).status?.phase, 'Pending');
    assert.equal((await pvs.get(undefined, 'keep-me')).status?.phase, 'Released');
  });

  it("the course's claim (class `default`) is sent to a node for provisioning, then binds to the provisioned volume", async () => {
    const ns = await newNamespace();
    const manifest = parse(readFileSync(COURSE_CLAIM, 'utf8')) as PersistentVolumeClaim;
    await pvcs.create(ns, manifest);
    const marked = await waitFor('selected-node and storage-provisioner', async () => {
      const c = await pvcs.get(ns, 'myclaim');
      const a = c.metadata?.annotations ?? {};
      return a['volume.kubernetes.io/selected-node'] && a['volume.kubernetes.io/storage-provisioner'] && c;
    }, TIMEOUT);
    const annotations = marked.metadata!.annotations!;
    assert.ok(cluster.nodes!.names.includes(annotations['volume.kubernetes.io/selected-node']), `selected node ${annotations['volume.kubernetes.io/selected-node']} is one of the cluster's`);
    assert.equal(annotations['volume.kubernetes.io/storage-provisioner'], 'orch.io/local-path');
    assert.equal(annotations['volume.beta.kubernetes.io/storage-provisioner'], 'orch.io/local-path');
    const e = await waitEvent(ns, 'myclaim', 'ExternalProvisioning');
    assert.match(e.message!, /^Waiting for a volume to be created either by the external provisioner 'orch.io\/local-path' or manually by the system administrator/);

    // The node's part: the provisioner makes the volume for the claim.
    await pvs.create(undefined, provisionedVolume(marked, annotations['volume.kubernetes.io/selected-node'], 'Delete'));
    const bound = await boundClaim(ns, 'myclaim');
    assert.equal(bound.spec?.volumeName, `pvc-${marked.metadata!.uid}`);
    assert.deepEqual(bound.status?.capacity, { storage: '8Gi' });
    await volumePhase(`pvc-${marked.metadata!.uid}`, 'Bound');

    // Delete reclaim of a provisioned volume: Released, for the node to remove (not Failed).
    await pvcs.delete(ns, 'myclaim');
    await volumePhase(`pvc-${marked.metadata!.uid}`, 'Released');
  });

  it('a WaitForFirstConsumer claim gets a node only when a pod using it is scheduled, and the pod starts once it is bound', async () => {
    const ns = await newNamespace();
    await pvcs.create(ns, claim('data'));
    const waiting = await waitEvent(ns, 'data', 'WaitForFirstConsumer');
    assert.equal(waiting.message, 'waiting for first consumer to be created before binding');
    assert.equal((await pvcs.get(ns, 'data')).metadata?.annotations?.['volume.kubernetes.io/selected-node'], undefined);

    await cluster.client.pods.create(ns, podWithClaim('app', 'data'));
    const marked = await waitFor('selected-node', async () => {
      const c = await pvcs.get(ns, 'data');
      return c.metadata?.annotations?.['volume.kubernetes.io/selected-node'] && c;
    }, TIMEOUT);
    const node = marked.metadata!.annotations!['volume.kubernetes.io/selected-node'];
    assert.ok(cluster.nodes!.names.includes(node));
    // The pod is not bound before its volume exists.
    assert.equal((await cluster.client.pods.get(ns, 'app')).spec?.nodeName, undefined);

    await pvs.create(undefined, provisionedVolume(marked, node, 'Delete'));
    await boundClaim(ns, 'data');
    const pod = await waitFor('pod bound', async () => {
      const p: Pod = await cluster.client.pods.get(ns, 'app');
      return p.spec?.nodeName && p;
    }, TIMEOUT);
    assert.equal(pod.spec?.nodeName, node);
  });

  it('a pod is placed on the node of its bound local volume', async () => {
    const ns = await newNamespace();
    const target = cluster.nodes!.names[1];
    const v = staticVolume('local-on-1', { className: 'pinned' });
    v.spec!.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [target] }] }] } };
    await pvs.create(undefined, v);
    await pvcs.create(ns, claim('pinned', { className: 'pinned' }));
    await boundClaim(ns, 'pinned');
    for (let i = 0; i < 3; i++) await cluster.client.pods.create(ns, podWithClaim(`p${i}`, 'pinned'));
    for (let i = 0; i < 3; i++) {
      const p = await waitFor(`p${i} bound`, async () => {
        const pod: Pod = await cluster.client.pods.get(ns, `p${i}`);
        return pod.spec?.nodeName && pod;
      }, TIMEOUT);
      assert.equal(p.spec?.nodeName, target);
    }
  });

  it('a pod using a missing claim stays Pending and says so', async () => {
    const ns = await newNamespace();
    await cluster.client.pods.create(ns, podWithClaim('orphan', 'nope'));
    const cond = await waitFor('PodScheduled=False', async () => {
      const p: Pod = await cluster.client.pods.get(ns, 'orphan');
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    }, TIMEOUT);
    assert.match(cond.message!, /persistentvolumeclaim "nope" not found/);
    assert.equal((await cluster.client.pods.get(ns, 'orphan')).spec?.nodeName, undefined);

    // An unbound Immediate claim also holds the pod back, with Kubernetes' message.
    await pvcs.create(ns, claim('never', { className: '', size: '100Ti' }));
    await cluster.client.pods.create(ns, podWithClaim('stuck', 'never'));
    const stuck = await waitFor('PodScheduled=False', async () => {
      const p: Pod = await cluster.client.pods.get(ns, 'stuck');
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    }, TIMEOUT);
    assert.match(stuck.message!, /pod has unbound immediate PersistentVolumeClaims/);
  });

  it('protection: a claim in use by a pod and a Bound volume are not deleted until released', async () => {
    const ns = await newNamespace();
    await pvs.create(undefined, staticVolume('protected', { className: 'protect' }));
    await pvcs.create(ns, claim('held', { className: 'protect' }));
    await boundClaim(ns, 'held');
    await cluster.client.pods.create(ns, podWithClaim('user', 'held'));
    await waitFor('pod running', async () => (await cluster.client.pods.get(ns, 'user')).status?.phase === 'Running', TIMEOUT);

    await pvcs.delete(ns, 'held');
    await pvs.delete(undefined, 'protected');
    const held = await pvcs.get(ns, 'held');
    assert.ok(held.metadata?.deletionTimestamp, 'claim is terminating');
    assert.deepEqual(held.metadata?.finalizers, ['kubernetes.io/pvc-protection']);
    const pv = await pvs.get(undefined, 'protected');
    assert.ok(pv.metadata?.deletionTimestamp, 'volume is terminating');
    assert.equal(pv.status?.phase, 'Bound');
    // A new pod cannot start on a claim being deleted.
    await cluster.client.pods.create(ns, podWithClaim('late', 'held'));
    const late = await waitFor('PodScheduled=False', async () => {
      const p: Pod = await cluster.client.pods.get(ns, 'late');
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    }, TIMEOUT);
    assert.match(late.message!, /persistentvolumeclaim "held" is being deleted/);
    // Give the protection controllers time to (wrongly) let go, then check they did not.
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(await pvcs.get(ns, 'held'));
    assert.ok(await pvs.get(undefined, 'protected'));

    await cluster.client.pods.delete(ns, 'user', { gracePeriodSeconds: 0 });
    await gone('claim held', () => pvcs.get(ns, 'held'));
    // Released (Retain) is no longer in use: the volume goes too.
    await gone('volume protected', () => pvs.get(undefined, 'protected'));
  });

  it('deleting a namespace takes its claims in use with it and releases their volumes', async () => {
    const ns = await newNamespace();
    await pvs.create(undefined, staticVolume('ns-volume', { className: 'ns-delete' }));
    await pvcs.create(ns, claim('ns-claim', { className: 'ns-delete' }));
    await boundClaim(ns, 'ns-claim');
    await cluster.client.pods.create(ns, podWithClaim('ns-user', 'ns-claim'));
    await waitFor('pod running', async () => (await cluster.client.pods.get(ns, 'ns-user')).status?.phase === 'Running', TIMEOUT);
    await cluster.client.namespaces.delete(undefined, ns);
    await gone(`namespace ${ns}`, () => cluster.client.namespaces.get(undefined, ns));
    await volumePhase('ns-volume', 'Released');
  });
});
