/**
 * pvc-protection: a claim being deleted keeps its `kubernetes.io/pvc-protection`
 * finalizer (added at admission) while a pod uses it, so the data is not released under a
 * running container; the finalizer goes when the last such pod has finished or gone.
 */
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import type { Client } from '../../client/client.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import { isApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import { PVC_PROTECTION_FINALIZER } from '../../machinery/persistent-volumes.js';
import type { Controller, ControllerContext } from '../types.js';
import { claimKeysOf, podUsesClaim } from './in-use.js';

const BY_CLAIM = 'byClaim';

export class PvcProtectionController implements Controller {
  readonly name = 'pvc-protection';
  private readonly queue = new WorkQueue();
  private readonly client: Client;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly pods: Informer<Pod>;
  private readonly claimsApi: ResourceClient<PersistentVolumeClaim>;
  private readonly log: Logger;
  private readonly workers: number;

  constructor(ctx: ControllerContext) {
    this.client = ctx.client;
    this.log = ctx.log.child({ controller: this.name });
    this.workers = ctx.config.workers;
    this.claimsApi = this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims');
    this.claims = ctx.informers.informer<PersistentVolumeClaim>('persistentvolumeclaims');
    this.pods = ctx.informers.informer<Pod>('pods', '', { [BY_CLAIM]: claimKeysOf });
    const onClaim = (c: PersistentVolumeClaim) => {
      if (c.metadata?.deletionTimestamp && c.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) this.queue.add(`${c.metadata.namespace}/${c.metadata.name}`);
    };
    this.claims.on({ add: onClaim, update: (_o, c) => onClaim(c) });
    // A pod finishing or going may free the claims it used.
    const onPod = (pod: Pod) => {
      for (const key of claimKeysOf(pod)) {
        const c = this.claims.get(key);
        if (c) onClaim(c);
      }
    };
    this.pods.on({ add: onPod, update: (_o, p) => onPod(p), delete: onPod });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this.workers, (key) => this.sync(key), signal, (key, err) =>
      this.log.debug({ claim: key, err: (err as Error).message }, 'sync failed; will retry'),
    );
  }

  async sync(key: string): Promise<void> {
    const claim = this.claims.get(key);
    if (!claim?.metadata?.deletionTimestamp || !claim.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return;
    const ns = claim.metadata.namespace ?? '';
    const name = claim.metadata.name ?? '';
    if (this.pods.byIndex(BY_CLAIM, key).some((p) => podUsesClaim(p, ns, name))) return;
    // The cache may lag a pod just bound to a node; ask the API before letting the claim go.
    const live = await this.client.pods.list(ns);
    if (live.items.some((p: Pod) => podUsesClaim(p, ns, name))) return;
    const next = structuredClone(claim);
    next.metadata!.finalizers = next.metadata!.finalizers!.filter((f) => f !== PVC_PROTECTION_FINALIZER);
    try {
      await this.claimsApi.update(next);
      this.log.debug({ claim: key }, 'protection finalizer removed');
    } catch (err) {
      if (isApiError(err) && err.code === 404) return;
      throw err;
    }
  }
}
