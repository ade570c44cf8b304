/**
 * The PersistentVolume controller (kube-controller-manager's persistentvolume-binder):
 * binds claims to volumes — static ones an administrator made, and ones orch's node
 * provisioner makes on request — keeps both sides' phases, and applies a volume's reclaim
 * policy when its claim goes.
 *
 * Provisioning is a conversation through annotations: the controller marks a claim
 * `volume.kubernetes.io/storage-provisioner: orch.io/local-path` once the claim has a node
 * (`volume.kubernetes.io/selected-node`, from the scheduler for WaitForFirstConsumer
 * classes, from here for Immediate ones); the provisioner on that node creates
 * `pvc-<claim uid>` reserved for the claim, and the claim's next sync binds it.
 *
 * One queue holds both kinds of key: `claim:<ns>/<name>` and `volume:<name>`.
 */
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { Client } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import { isApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  LOCAL_PATH_PROVISIONER,
  ANN_BETA_STORAGE_CLASS,
  defaultClassName,
  isVolumeBoundToClaim,
  storageClassOf,
} from '../../machinery/persistent-volumes.js';
import type { Controller, ControllerContext } from '../types.js';
import { LOST_VOLUME_EVENT, decideClaim, externalProvisioningMessage, type ClaimEvent } from './claim-decision.js';
import { canHostVolumes, pickNode } from './node-choice.js';
import { decideVolume, type VolumePhase } from './volume-decision.js';

const CLAIM = 'claim:';
const VOLUME = 'volume:';
/** Volumes by the claim their claimRef names (`ns/name`). */
const BY_CLAIM = 'byClaim';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const claimKey = (c: PersistentVolumeClaim) => `${c.metadata?.namespace ?? ''}/${c.metadata?.name ?? ''}`;
/** No class asked for at all (absent, not ""): the default class may still be given. */
const hasNoClass = (c: PersistentVolumeClaim) => c.spec?.storageClassName == null && c.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] === undefined;
const isNotFound = (err: unknown) => isApiError(err) && err.code === 404;

export class PersistentVolumeController implements Controller {
  readonly name = 'persistentvolume-binder';
  private readonly queue = new WorkQueue();
  private readonly client: Client;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  private readonly nodes: Informer<Node>;
  private readonly claimsApi: ResourceClient<PersistentVolumeClaim>;
  private readonly volumesApi: ResourceClient<PersistentVolume>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private readonly workers: number;

  constructor(ctx: ControllerContext) {
    this.client = ctx.client;
    this.log = ctx.log.child({ controller: this.name });
    this.recorder = ctx.recorder('persistentvolume-controller');
    this.workers = ctx.config.workers;
    this.claimsApi = this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims');
    this.volumesApi = this.client.resource<PersistentVolume>('persistentvolumes');
    this.claims = ctx.informers.informer<PersistentVolumeClaim>('persistentvolumeclaims');
    this.volumes = ctx.informers.informer<PersistentVolume>('persistentvolumes', '', {
      [BY_CLAIM]: (pv) => (pv.spec?.claimRef ? [`${pv.spec.claimRef.namespace ?? ''}/${pv.spec.claimRef.name ?? ''}`] : []),
    });
    this.classes = ctx.informers.informer<StorageClass>('storageclasses', 'storage.k8s.io');
    this.nodes = ctx.informers.informer<Node>('nodes');

    const onClaim = (c: PersistentVolumeClaim) => {
      this.queue.add(CLAIM + claimKey(c));
      if (c.spec?.volumeName) this.queue.add(VOLUME + c.spec.volumeName);
    };
    this.claims.on({
      add: onClaim,
      update: (_old, c) => onClaim(c),
      // The volume it was bound to (or reserved for it) is released.
      delete: (c) => {
        if (c.spec?.volumeName) this.queue.add(VOLUME + c.spec.volumeName);
        for (const pv of this.volumes.byIndex(BY_CLAIM, claimKey(c))) this.queue.add(VOLUME + pv.metadata!.name);
      },
    });
    const onVolume = (pv: PersistentVolume) => {
      this.queue.add(VOLUME + pv.metadata!.name);
      const ref = pv.spec?.claimRef;
      if (ref) this.queue.add(`${CLAIM}${ref.namespace ?? ''}/${ref.name ?? ''}`);
    };
    this.volumes.on({
      add: (pv) => {
        onVolume(pv);
        if (!pv.spec?.claimRef) this.enqueueUnboundClaims();
      },
      update: (old, pv) => {
        onVolume(pv);
        // A volume came free: a waiting claim may fit it.
        if (old.spec?.claimRef && !pv.spec?.claimRef) this.enqueueUnboundClaims();
      },
      delete: onVolume,
    });
    // A new default class is also for the claims that were made without any.
    const onClass = (sc: StorageClass) => this.enqueueUnboundClaims((c) => storageClassOf(c) === sc.metadata?.name || hasNoClass(c));
    this.classes.on({ add: onClass, update: (_o, sc) => onClass(sc), delete: onClass });
    // A node becoming able to hold volumes may unblock an Immediate claim with none chosen.
    const onNode = (n: Node) => {
      if (canHostVolumes(n)) this.enqueueUnboundClaims((c) => !c.metadata?.annotations?.[ANN_SELECTED_NODE]);
    };
    this.nodes.on({ add: onNode, update: (old, n) => canHostVolumes(old) !== canHostVolumes(n) && onNode(n) });
  }

  private enqueueUnboundClaims(filter: (c: PersistentVolumeClaim) => boolean = () => true): void {
    for (const c of this.claims.list()) if (!c.metadata?.annotations?.[ANN_BIND_COMPLETED] && filter(c)) this.queue.add(CLAIM + claimKey(c));
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this.workers, (key) => this.sync(key), signal, (key, err) =>
      this.log.debug({ key, err: (err as Error).message }, 'sync failed; will retry'),
    );
  }

  sync(key: string): Promise<void> {
    if (key.startsWith(CLAIM)) return this.syncClaim(key.slice(CLAIM.length));
    return this.syncVolume(key.slice(VOLUME.length));
  }

  // ---- claims ------------------------------------------------------------------------

  async syncClaim(key: string): Promise<void> {
    const claim = this.claims.get(key);
    if (!claim) return;
    // A claim made while no class was the default gets the default once there is one
    // (Kubernetes' retroactive default StorageClass assignment); the update brings it back.
    if (hasNoClass(claim) && !claim.spec?.volumeName) {
      const def = defaultClassName(this.classes.list());
      if (def) {
        await this.claimsApi.update({ ...structuredClone(claim), spec: { ...claim.spec, storageClassName: def } });
        this.log.info({ claim: key, storageClass: def }, 'assigned the default StorageClass');
        return;
      }
    }
    const className = storageClassOf(claim);
    const decision = decideClaim(claim, {
      volumes: this.volumes.list(),
      volume: (name) => this.volumes.get(name),
      storageClass: className ? this.classes.get(className) : undefined,
    });
    switch (decision.kind) {
      case 'bind':
        return this.bind(claim, decision.volume);
      case 'pending':
        if (decision.event) this.claimEvent(claim, decision.event);
        return this.setClaimPhase(claim, 'Pending');
      case 'provision':
        return this.provision(claim, decision.pickNode);
      case 'lost':
        this.claimEvent(claim, decision.event);
        return this.setClaimPhase(claim, 'Lost');
      case 'volumeMissing':
        // The cache may simply not have the volume yet: only the API can say it is gone.
        try {
          const pv = await this.volumesApi.get(undefined, decision.volumeName);
          if (isVolumeBoundToClaim(pv, claim)) return this.bind(claim, pv);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        this.claimEvent(claim, LOST_VOLUME_EVENT);
        return this.setClaimPhase(claim, 'Lost');
    }
  }

  /**
   * Both halves of a bind, each written only if not already so, volume first as
   * Kubernetes does: a crash between the writes leaves a volume reserved for the claim,
   * which the claim's next sync takes.
   */
  private async bind(claim: PersistentVolumeClaim, volume: PersistentVolume): Promise<void> {
    let pv = volume;
    const ref = pv.spec?.claimRef;
    if (!ref?.uid || !isVolumeBoundToClaim(pv, claim)) {
      const next = structuredClone(pv);
      next.spec!.claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata!.namespace, name: claim.metadata!.name, uid: claim.metadata!.uid };
      // Set when the controller chose the volume, not when someone reserved it for the claim.
      if (!isVolumeBoundToClaim(pv, claim)) next.metadata!.annotations = { ...next.metadata!.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' };
      pv = await this.volumesApi.update(next);
    }
    if (pv.status?.phase !== 'Bound') pv = await this.writeVolumePhase(pv, 'Bound');

    let c = claim;
    if (c.spec?.volumeName !== pv.metadata!.name || c.metadata?.annotations?.[ANN_BIND_COMPLETED] === undefined) {
      const next = structuredClone(c);
      const annotations = (next.metadata!.annotations ??= {});
      if (!next.spec!.volumeName) {
        next.spec!.volumeName = pv.metadata!.name;
        annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
      }
      annotations[ANN_BIND_COMPLETED] = 'yes';
      c = await this.claimsApi.update(next);
    }
    const capacity = pv.spec?.capacity ?? {};
    const modes = pv.spec?.accessModes ?? [];
    const st = c.status ?? {};
    if (st.phase !== 'Bound' || JSON.stringify(st.capacity ?? {}) !== JSON.stringify(capacity) || JSON.stringify(st.accessModes ?? []) !== JSON.stringify(modes)) {
      await this.claimsApi.updateStatus({ ...structuredClone(c), status: { ...c.status, phase: 'Bound', capacity, accessModes: modes } });
      this.log.info({ claim: claimKey(c), volume: pv.metadata!.name }, 'claim bound');
    }
  }

  /** Marks the claim for orch's provisioner, choosing its node first when nobody else will. */
  private async provision(claim: PersistentVolumeClaim, chooseNode: boolean): Promise<void> {
    const annotations = claim.metadata?.annotations ?? {};
    const want: Record<string, string> = { [ANN_STORAGE_PROVISIONER]: LOCAL_PATH_PROVISIONER, [ANN_BETA_STORAGE_PROVISIONER]: LOCAL_PATH_PROVISIONER };
    if (chooseNode) {
      const chosen = annotations[ANN_SELECTED_NODE];
      // A node that went away cannot make the volume: choose again.
      if (!chosen || !this.nodes.get(chosen)) {
        const node = pickNode(this.nodes.list(), this.volumes.list(), this.claims.list());
        if (!node) {
          this.claimEvent(claim, { type: 'Warning', reason: 'ProvisioningFailed', message: `no ready, schedulable node to provision a volume for claim "${claimKey(claim)}" on` });
          return this.setClaimPhase(claim, 'Pending');
        }
        want[ANN_SELECTED_NODE] = node;
      }
    }
    let c = claim;
    if (Object.entries(want).some(([k, v]) => annotations[k] !== v)) {
      const next = structuredClone(claim);
      next.metadata!.annotations = { ...next.metadata!.annotations, ...want };
      c = await this.claimsApi.update(next);
    }
    this.claimEvent(c, { type: 'Normal', reason: 'ExternalProvisioning', message: externalProvisioningMessage(LOCAL_PATH_PROVISIONER) });
    await this.setClaimPhase(c, 'Pending');
  }

  private async setClaimPhase(claim: PersistentVolumeClaim, phase: 'Pending' | 'Lost'): Promise<void> {
    if (claim.status?.phase === phase) return;
    await this.claimsApi.updateStatus({ ...structuredClone(claim), status: { ...claim.status, phase } });
  }

  private claimEvent(claim: PersistentVolumeClaim, e: ClaimEvent): void {
    this.recorder.event({ kind: 'PersistentVolumeClaim', apiVersion: 'v1', metadata: claim.metadata }, e.type, e.reason, e.message);
  }

  // ---- volumes -----------------------------------------------------------------------

  async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.get(name);
    if (!pv) return;
    const claim = await this.claimOf(pv);
    const decision = decideVolume(pv, claim);
    switch (decision.kind) {
      case 'none':
        return;
      case 'phase':
        await this.writeVolumePhase(pv, decision.phase);
        return;
      case 'fail':
        this.recorder.event({ kind: 'PersistentVolume', apiVersion: 'v1', metadata: pv.metadata }, 'Warning', decision.reason, decision.message);
        await this.writeVolumePhase(pv, 'Failed', decision.message);
        return;
      case 'syncClaim':
        this.queue.add(CLAIM + `${pv.spec!.claimRef!.namespace ?? ''}/${pv.spec!.claimRef!.name ?? ''}`);
        return;
      case 'unbind': {
        const next = structuredClone(pv);
        delete next.spec!.claimRef;
        delete next.metadata!.annotations![ANN_BOUND_BY_CONTROLLER];
        const updated = await this.volumesApi.update(next);
        await this.writeVolumePhase(updated, 'Available');
        return;
      }
    }
  }

  /**
   * The claim the volume's claimRef names, if it still exists with the same uid. A miss in
   * the cache is confirmed with the API: releasing a volume whose claim was only slow to
   * arrive would hand its data to the reclaim policy.
   */
  private async claimOf(pv: PersistentVolume): Promise<PersistentVolumeClaim | undefined> {
    const ref = pv.spec?.claimRef;
    if (!ref?.uid) return ref ? this.claims.get(`${ref.namespace ?? ''}/${ref.name ?? ''}`) : undefined;
    let claim = this.claims.get(`${ref.namespace ?? ''}/${ref.name ?? ''}`);
    if (!claim) {
      try {
        claim = await this.claimsApi.get(ref.namespace ?? '', ref.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return claim?.metadata?.uid === ref.uid ? claim : undefined;
  }

  private async writeVolumePhase(pv: PersistentVolume, phase: VolumePhase, message?: string): Promise<PersistentVolume> {
    const status: Record<string, unknown> = { ...pv.status, phase, lastPhaseTransitionTime: now() };
    delete status.message;
    delete status.reason;
    if (message) status.message = message;
    return this.volumesApi.updateStatus({ ...structuredClone(pv), status });
  }
}
