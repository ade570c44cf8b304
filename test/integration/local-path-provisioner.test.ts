/**
 * The node's local-path provisioner against a real API server (in-process, SQLite) and a
 * real directory, as the PV controller would drive it (these tests set its annotations and
 * PV phases by hand; no controller runs): a claim placed on this node gets its data and a
 * pre-bound PV; a second provisioner (an agent restarted half-way) finds the work done; a
 * claim of another node is left alone; refusals are ProvisioningFailed events; a claim
 * deleted before its PV existed takes its data along; released
 * volumes are removed with reclaim Delete, kept with Retain, never outside the storage dir.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Event, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import { ApiError } from '../../src/machinery/errors.js';
import { silentLogger } from '../../src/machinery/log.js';
import { LocalPathProvisioner } from '../../src/agent/storage/index.js';

const NODE = 'it-node';

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('local-path provisioner', () => {
  let s: TestServer;
  let client: Client;
  let storage = '';
  let ac = new AbortController();
  let running: Promise<void> | undefined;
  const pvcs = () => client.resource<PersistentVolumeClaim>('persistentvolumeclaims');
  const pvs = () => client.resource<PersistentVolume>('persistentvolumes');

  const start = async () => {
    ac = new AbortController();
    const p = new LocalPathProvisioner({ client, nodeName: NODE, storageDir: storage, log: silentLogger() });
    running = p.run(ac.signal);
    await p.synced;
  };
  const stop = async () => {
    ac.abort();
    await running;
  };

  const claim = async (name: string, className: string, node = NODE, size = '1Gi'): Promise<PersistentVolumeClaim> =>
    pvcs().create('default', {
      metadata: { name, annotations: { 'volume.kubernetes.io/storage-provisioner': 'orch.io/local-path', 'volume.kubernetes.io/selected-node': node } },
      spec: { storageClassName: className, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } },
    });

  const eventsFor = async (name: string): Promise<Event[]> => {
    const list = await client.events.list('default', { fieldSelector: `involvedObject.name=${name}` });
    return list.items as Event[];
  };

  const getPv = (name: string) => pvs().get(undefined, name).catch((err) => (err instanceof ApiError && err.code === 404 ? undefined : Promise.reject(err)));
  /** Gone, or on its way (a protection finalizer holds it while no controller runs here). */
  const deleted = async (name: string) => {
    const pv = await getPv(name);
    return !pv || !!pv.metadata?.deletionTimestamp;
  };

  const release = async (pv: PersistentVolume) => {
    const cur = await pvs().get(undefined, pv.metadata!.name!);
    await pvs().updateStatus({ ...cur, status: { phase: 'Released' } });
  };

  before(async () => {
    s = await startTestServer('sqlite');
    client = new Client({ server: s.api.url, ca: s.api.caPem, token: s.api.adminToken });
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-it-storage-'));
    for (const [name, reclaimPolicy] of [['it-delete', 'Delete'], ['it-retain', 'Retain']]) {
      await client.resource('storageclasses', 'storage.k8s.io').create(undefined, { metadata: { name }, provisioner: 'orch.io/local-path', reclaimPolicy, volumeBindingMode: 'Immediate' });
    }
    await start();
  });

  after(async () => {
    await stop();
    client?.close();
    await s?.cleanup();
    fs.rmSync(storage, { recursive: true, force: true });
  });

  it('makes the directory and a PV pre-bound to the claim, pinned to the node', async () => {
    const c = await claim('data', 'it-delete');
    const pv = await until('the PV', () => getPv(`pvc-${c.metadata!.uid}`));
    const dir = path.join(storage, `pvc-${c.metadata!.uid}_default_data`);
    assert.equal(pv.spec?.local?.path, dir);
    assert.deepEqual(pv.spec?.claimRef && { ns: pv.spec.claimRef.namespace, name: pv.spec.claimRef.name, uid: pv.spec.claimRef.uid }, { ns: 'default', name: 'data', uid: c.metadata!.uid });
    assert.equal(pv.spec?.capacity?.storage, '1Gi');
    assert.equal(pv.spec?.storageClassName, 'it-delete');
    assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'], 'orch.io/local-path');
    assert.ok(fs.statSync(dir).isDirectory());
    const reasons = (await until('the success event', async () => {
      const evs = await eventsFor('data');
      return evs.some((e) => e.reason === 'ProvisioningSucceeded') ? evs : undefined;
    })).map((e) => e.reason);
    assert.ok(reasons.includes('Provisioning'));
    assert.ok(!reasons.includes('ProvisioningFailed'), String(reasons));
  });

  it('an agent restarted half-way (data made, PV there, claim not yet bound) finds the work done', async () => {
    await stop();
    const c = await claim('again', 'it-delete');
    // What a first run left before it was stopped: the directory with data and the PV.
    const dir = path.join(storage, `pvc-${c.metadata!.uid}_default_again`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'f'), 'kept');
    await pvs().create(undefined, {
      metadata: { name: `pvc-${c.metadata!.uid}`, annotations: { 'pv.kubernetes.io/provisioned-by': 'orch.io/local-path' } },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'it-delete',
        persistentVolumeReclaimPolicy: 'Delete',
        claimRef: { namespace: 'default', name: 'again', uid: c.metadata!.uid },
        local: { path: dir },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [NODE] }] }] } },
      },
    });
    await start();
    await sleep(1500);
    assert.equal(fs.readFileSync(path.join(dir, 'f'), 'utf8'), 'kept');
    const reasons = (await eventsFor('again')).map((e) => e.reason);
    assert.deepEqual(reasons, [], 'no second provisioning, no failure');
  });

  it('leaves a claim placed on another node alone', async () => {
    const c = await claim('elsewhere', 'it-delete', 'other-node');
    await sleep(1500);
    assert.equal(await getPv(`pvc-${c.metadata!.uid}`), undefined);
    assert.equal(fs.existsSync(path.join(storage, `pvc-${c.metadata!.uid}_default_elsewhere`)), false);
  });

  it('a claim it cannot provision gets a ProvisioningFailed event with the reason', async () => {
    await claim('noclass', 'does-not-exist');
    const ev = await until('the failure event', async () => (await eventsFor('noclass')).find((e) => e.reason === 'ProvisioningFailed'));
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, 'storageclass.storage.k8s.io "does-not-exist" not found');
  });

  it('a claim deleted before its PV was created takes its data with it', async () => {
    // Provisioning fails (no such class): the directory stands for what a crashed run left.
    const c = await claim('short-lived', 'no-such-class');
    await until('the failure event', async () => (await eventsFor('short-lived')).some((e) => e.reason === 'ProvisioningFailed'));
    const dir = path.join(storage, `pvc-${c.metadata!.uid}_default_short-lived`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'f'), 'x');
    await pvcs().delete('default', 'short-lived');
    // No pvc-protection controller runs here: let the claim go as it would.
    await pvcs().patch('default', 'short-lived', { metadata: { finalizers: null } }, 'merge').catch(() => undefined);
    await until('the orphan directory removed', async () => !fs.existsSync(dir));
  });

  it('a Released volume with reclaim Delete loses its data and its PV; Retain keeps both', async () => {
    const del = await claim('gone', 'it-delete');
    const keep = await claim('kept', 'it-retain');
    const delPv = await until('the Delete PV', () => getPv(`pvc-${del.metadata!.uid}`));
    const keepPv = await until('the Retain PV', () => getPv(`pvc-${keep.metadata!.uid}`));
    await release(delPv);
    await release(keepPv);
    await until('the Delete volume removed', async () => !fs.existsSync(delPv.spec!.local!.path) && (await deleted(delPv.metadata!.name!)));
    await sleep(1000);
    assert.ok(fs.existsSync(keepPv.spec!.local!.path), 'Retain keeps the data');
    assert.equal((await getPv(keepPv.metadata!.name!))?.metadata?.deletionTimestamp, undefined, 'Retain keeps the PV');
  });

  it('never deletes a path outside the storage dir, whatever the PV says', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-it-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'precious'), 'x');
      await pvs().create(undefined, {
        metadata: { name: 'forged', annotations: { 'pv.kubernetes.io/provisioned-by': 'orch.io/local-path' } },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Delete',
          local: { path: outside },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [NODE] }] }] } },
        },
      });
      await release((await getPv('forged'))!);
      const ev = await until('the refusal event', async () => (await eventsFor('forged')).find((e) => e.reason === 'VolumeFailedDelete'));
      assert.match(ev.message ?? '', /refusing to delete/);
      assert.ok(fs.existsSync(path.join(outside, 'precious')));
      assert.ok(await getPv('forged'));
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});
