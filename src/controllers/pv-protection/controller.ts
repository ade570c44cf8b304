/**
 * pv-protection: a PersistentVolume being deleted keeps its `kubernetes.io/pv-protection`
 * finalizer (added at admission) while it is Bound, so a volume is never removed from
 * under its claim; once its claim lets go the finalizer is removed and the volume goes.
 */
import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import { isApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import { PV_PROTECTION_FINALIZER } from '../../machinery/persistent-volumes.js';
import type { Controller, ControllerContext } from '../types.js';

/** Kubernetes judges use by phase alone: Bound means a claim holds the volume. */
export const volumeInUse = (pv: PersistentVolume): boolean => pv.status?.phase === 'Bound';

export class PvProtectionController implements Controller {
  readonly name = 'pv-protection';
  private readonly queue = new WorkQueue();
  private readonly volumes: Informer<PersistentVolume>;
  private readonly volumesApi: ResourceClient<PersistentVolume>;
  private readonly log: Logger;
  private readonly workers: number;

  constructor(ctx: ControllerContext) {
    this.log = ctx.log.child({ controller: this.name });
    this.workers = ctx.config.workers;
    this.volumesApi = ctx.client.resource<PersistentVolume>('persistentvolumes');
    this.volumes = ctx.informers.informer<PersistentVolume>('persistentvolumes');
    const onVolume = (pv: PersistentVolume) => {
      if (pv.metadata?.deletionTimestamp && pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) this.queue.add(pv.metadata.name!);
    };
    this.volumes.on({ add: onVolume, update: (_o, pv) => onVolume(pv) });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this.workers, (key) => this.sync(key), signal, (key, err) =>
      this.log.debug({ volume: key, err: (err as Error).message }, 'sync failed; will retry'),
    );
  }

  async sync(name: string): Promise<void> {
    const pv = this.volumes.get(name);
    if (!pv?.metadata?.deletionTimestamp || !pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER) || volumeInUse(pv)) return;
    const next = structuredClone(pv);
    next.metadata!.finalizers = next.metadata!.finalizers!.filter((f) => f !== PV_PROTECTION_FINALIZER);
    try {
      await this.volumesApi.update(next);
    } catch (err) {
      if (isApiError(err) && err.code === 404) return;
      throw err;
    }
  }
}
