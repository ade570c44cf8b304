/**
 * The node-local provisioner (k3s's local-path-provisioner, run by every agent for its own
 * node): makes the volume of each claim the control plane placed on this node (annotations
 * storage-provisioner = orch.io/local-path and selected-node = this node) and creates its
 * PV, which the PV controller then binds; removes the data and the PV of released volumes
 * with reclaim policy Delete. One informer each on claims, PVs and StorageClasses feed a
 * work queue; every sync is idempotent, so an agent restarted half-way finishes the job.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { Client } from '../../client/client.js';
import { EventRecorder } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import { runWorkers, WorkQueue } from '../../client/work-queue.js';
import { ApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import { storageClassOf } from '../../machinery/persistent-volumes.js';
import { PROVISIONER, pvNameFor } from './names.js';
import { decideClaim, decidePv, isClaimForNode, isOwnPv, orphanDirOf } from './plan.js';
import { createVolumeData, removeVolumeData, unmountVolumes } from './volume-data.js';

export interface LocalPathProvisionerOptions {
  client: Client;
  nodeName: string;
  /** `<agent data dir>/storage` (storageDirOf). */
  storageDir: string;
  log: Logger;
  /** Parallel syncs; making an image runs mkfs, so a few at most. Default 2. */
  workers?: number;
}

const is404 = (err: unknown) => err instanceof ApiError && err.code === 404;
const is409 = (err: unknown) => err instanceof ApiError && err.code === 409;

/** A sync that failed for a reason already reported as an event; retried with back-off. */
class ReportedError extends Error {}

export class LocalPathProvisioner {
  private readonly o: LocalPathProvisionerOptions;
  private readonly log: Logger;
  private readonly queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 60_000 });
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  private readonly recorder: EventRecorder;
  /** Claims deleted before they were bound, by queue key, until their sync has run. */
  private readonly deletedClaims = new Map<string, PersistentVolumeClaim>();
  /** Resolves once the caches are loaded and the first syncs are queued. */
  readonly synced: Promise<void>;

  constructor(options: LocalPathProvisionerOptions) {
    this.o = options;
    this.log = options.log.child({ component: 'local-path-provisioner' });
    const c = options.client;
    this.claims = new Informer(c.resource<PersistentVolumeClaim>('persistentvolumeclaims'), { log: this.log });
    this.volumes = new Informer(c.resource<PersistentVolume>('persistentvolumes'), { log: this.log });
    this.classes = new Informer(c.resource<StorageClass>('storageclasses', 'storage.k8s.io'), { log: this.log });
    this.recorder = new EventRecorder(c, PROVISIONER, options.nodeName, this.log);
    this.synced = Promise.all([this.claims.synced, this.volumes.synced, this.classes.synced]).then(() => undefined);

    const node = options.nodeName;
    const onClaim = (pvc: PersistentVolumeClaim) => {
      if (isClaimForNode(pvc, node)) this.queue.add(`pvc/${pvc.metadata?.namespace}/${pvc.metadata?.name}`);
    };
    this.claims.on({
      add: onClaim,
      update: (_o, n) => onClaim(n),
      delete: (pvc) => {
        // Its data may exist without a PV (deleted between the two steps): see syncDeletedClaim.
        if (!orphanDirOf(pvc, node, options.storageDir)) return;
        const key = `pvc/${pvc.metadata?.namespace}/${pvc.metadata?.name}`;
        this.deletedClaims.set(key, pvc);
        this.queue.add(key);
      },
    });
    const onPv = (pv: PersistentVolume) => {
      if (isOwnPv(pv, node)) this.queue.add(`pv/${pv.metadata?.name}`);
    };
    this.volumes.on({ add: onPv, update: (_o, n) => onPv(n) });
    // A class created after its claims (or fixed) retries the claims waiting for it.
    const onClass = () => {
      for (const pvc of this.claims.list()) onClaim(pvc);
    };
    this.classes.on({ add: onClass, update: onClass });
  }

  /** Runs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const loops = [this.claims.run(signal), this.volumes.run(signal), this.classes.run(signal)];
    await Promise.race([this.synced, Promise.all(loops)]);
    await runWorkers(this.queue, this.o.workers ?? 2, (key) => this.sync(key), signal, (key, err) => {
      if (!(err instanceof ReportedError)) this.log.warn({ key, err: (err as Error).message }, 'storage sync failed; retrying');
    });
    await Promise.allSettled(loops);
  }

  /** Unmounts every volume image of this node (a full agent stop, after the pods are gone). */
  async unmountAll(): Promise<void> {
    const left = await unmountVolumes(this.o.storageDir);
    if (left.length) this.log.warn({ mounts: left }, 'volume images still mounted');
  }

  private async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const kind = key.slice(0, slash);
    const rest = key.slice(slash + 1);
    if (kind === 'pvc') {
      // A claim deleted and (maybe) created again under the same name: the old one's first.
      const gone = this.deletedClaims.get(key);
      if (gone) {
        await this.syncDeletedClaim(gone);
        if (this.deletedClaims.get(key) === gone) this.deletedClaims.delete(key);
      }
      const pvc = this.claims.get(rest);
      if (pvc) await this.syncClaim(pvc);
    } else {
      const pv = this.volumes.get(rest);
      if (pv) await this.syncVolume(pv);
    }
  }

  private async syncClaim(pvc: PersistentVolumeClaim): Promise<void> {
    const cls = this.classes.get(storageClassOf(pvc));
    const d = decideClaim(pvc, cls, this.o.nodeName, this.o.storageDir);
    if (d.kind === 'ignore') return;
    const ref = `${pvc.metadata?.namespace}/${pvc.metadata?.name}`;
    const claimObj = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...pvc };
    if (d.kind === 'fail') {
      this.recorder.event(claimObj, 'Warning', 'ProvisioningFailed', d.message);
      throw new ReportedError(d.message);
    }
    const { plan } = d;
    const pvs = this.o.client.resource<PersistentVolume>('persistentvolumes');
    const existing = this.volumes.get(plan.pvName) ?? (await pvs.get(undefined, plan.pvName).catch((err) => (is404(err) ? undefined : Promise.reject(err))));
    if (existing) return this.checkExisting(existing, pvc, claimObj);
    this.recorder.event(claimObj, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${ref}"`);
    try {
      await createVolumeData(plan.dir, plan.image);
    } catch (err) {
      const message = `failed to provision volume with StorageClass "${storageClassOf(pvc)}": ${(err as Error).message}`;
      this.recorder.event(claimObj, 'Warning', 'ProvisioningFailed', message);
      throw new ReportedError(message);
    }
    try {
      await pvs.create(undefined, plan.pv);
    } catch (err) {
      if (is409(err)) return this.checkExisting(await pvs.get(undefined, plan.pvName), pvc, claimObj);
      const message = `failed to create PersistentVolume "${plan.pvName}": ${(err as Error).message}`;
      this.recorder.event(claimObj, 'Warning', 'ProvisioningFailed', message);
      throw new ReportedError(message);
    }
    this.log.info({ claim: ref, pv: plan.pvName, dir: plan.dir, sizeEnforced: !!plan.image }, 'volume provisioned');
    this.recorder.event(claimObj, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${plan.pvName}`);
  }

  /**
   * A claim deleted before it was bound: when no PV was created for it, nothing will ever
   * reclaim its data, so it is removed here. With a PV, the PV controller releases it and the
   * reclaim policy decides. Runs under the claim's queue key, so never beside its provisioning.
   */
  private async syncDeletedClaim(pvc: PersistentVolumeClaim): Promise<void> {
    const dir = orphanDirOf(pvc, this.o.nodeName, this.o.storageDir);
    if (!dir) return;
    const pvName = pvNameFor(pvc);
    const pv = await this.o.client
      .resource<PersistentVolume>('persistentvolumes')
      .get(undefined, pvName)
      .catch((err) => (is404(err) ? undefined : Promise.reject(err)));
    if (pv) return;
    await removeVolumeData(dir);
    this.log.info({ claim: `${pvc.metadata?.namespace}/${pvc.metadata?.name}`, dir }, 'data of a claim deleted before its volume was created removed');
  }

  /** The PV is already there (an earlier sync, before a restart): fine if it is this claim's. */
  private checkExisting(pv: PersistentVolume, pvc: PersistentVolumeClaim, claimObj: object): void {
    if (pv.spec?.claimRef?.uid === pvc.metadata?.uid) return;
    const message = `PersistentVolume "${pv.metadata?.name}" already exists for another claim`;
    this.recorder.event(claimObj, 'Warning', 'ProvisioningFailed', message);
    throw new ReportedError(message);
  }

  private async syncVolume(pv: PersistentVolume): Promise<void> {
    const d = decidePv(pv, this.o.nodeName, this.o.storageDir);
    if (d.kind === 'ignore') return;
    const pvObj = { apiVersion: 'v1', kind: 'PersistentVolume', ...pv };
    if (d.kind === 'fail') {
      this.recorder.event(pvObj, 'Warning', 'VolumeFailedDelete', d.message);
      throw new ReportedError(d.message);
    }
    try {
      await removeVolumeData(d.dir);
    } catch (err) {
      this.recorder.event(pvObj, 'Warning', 'VolumeFailedDelete', (err as Error).message);
      throw new ReportedError((err as Error).message);
    }
    // Already on its way out (our earlier delete, held by the pv-protection finalizer).
    if (pv.metadata?.deletionTimestamp) return;
    try {
      // Only this PV (its uid): one created again under the same name is left alone.
      await this.o.client.resource<PersistentVolume>('persistentvolumes').delete(undefined, pv.metadata!.name!, { preconditions: { uid: pv.metadata!.uid } });
    } catch (err) {
      if (!is404(err)) throw err;
    }
    this.log.info({ pv: pv.metadata?.name, dir: d.dir }, 'released volume deleted');
  }
}
