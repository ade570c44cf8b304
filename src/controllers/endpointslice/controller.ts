/**
 * The EndpointSlice controller: for every Service with a selector, discovery.k8s.io/v1
 * EndpointSlices (owned by the Service, at most maxEndpointsPerSlice endpoints each)
 * listing its pods with ready/serving/terminating conditions. Slices of Services without
 * a selector are not mirrored from hand-made Endpoints (Kubernetes' endpointslicemirroring).
 */
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Client } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import { isApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import type { Controller, ControllerContext } from '../types.js';
import { isNamespaceTerminating } from '../endpoints/controller.js';
import { NAMESPACE_INDEX, byNamespace, endpointFingerprint, hasSelector, selects, servicesSelecting, splitKey } from '../endpoints/pod-helpers.js';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, desiredGroups } from './desired.js';
import { planSlices } from './reconcile.js';
import { SliceTracker } from './slice-tracker.js';

/** Our slices by the key (`ns/service`) of the Service they belong to. */
const SERVICE_INDEX = 'endpointslice-controller/service';
const serviceOfSlice = (s: EndpointSlice): string[] => {
  const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
  return svc && s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME ? [`${s.metadata!.namespace}/${svc}`] : [];
};

export interface EndpointSliceOptions {
  /** Kubernetes' --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
}

export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice';
  private readonly queue = new WorkQueue();
  private readonly client: Client;
  private readonly api: ResourceClient<EndpointSlice>;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly tracker = new SliceTracker();
  private readonly log: Logger;
  private readonly workers: number;
  private readonly max: number;

  constructor(ctx: ControllerContext, opts: EndpointSliceOptions = {}) {
    this.client = ctx.client;
    this.api = ctx.client.resource<EndpointSlice>('endpointslices', 'discovery.k8s.io');
    this.log = ctx.log.child({ controller: this.name });
    this.workers = ctx.config.workers;
    this.max = opts.maxEndpointsPerSlice ?? 100;
    this.services = ctx.informers.informer<Service>('services', '', { [NAMESPACE_INDEX]: byNamespace });
    this.pods = ctx.informers.informer<Pod>('pods', '', { [NAMESPACE_INDEX]: byNamespace });
    this.slices = ctx.informers.informer<EndpointSlice>('endpointslices', 'discovery.k8s.io', { [SERVICE_INDEX]: serviceOfSlice });

    const enqueueService = (svc: Service) => this.queue.add(`${svc.metadata!.namespace}/${svc.metadata!.name}`);
    this.services.on({ add: enqueueService, update: (_old, svc) => enqueueService(svc), delete: enqueueService });
    this.pods.on({
      add: (pod) => this.enqueueFor(pod),
      update: (old, pod) => {
        if (endpointFingerprint(old) === endpointFingerprint(pod)) return;
        this.enqueueFor(old);
        this.enqueueFor(pod);
      },
      delete: (pod) => this.enqueueFor(pod),
    });
    const enqueueSlice = (s: EndpointSlice) => {
      for (const key of serviceOfSlice(s)) this.queue.add(key);
    };
    this.slices.on({ add: enqueueSlice, update: (_old, s) => enqueueSlice(s), delete: enqueueSlice });
  }

  private enqueueFor(pod: Pod): void {
    for (const key of servicesSelecting(this.services.byIndex(NAMESPACE_INDEX, pod.metadata?.namespace ?? ''), pod)) this.queue.add(key);
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this.workers, (key) => this.sync(key), signal, (key, err) =>
      this.log.debug({ service: key, err: (err as Error).message }, 'sync failed; will retry'),
    );
  }

  async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const existing = this.slices.byIndex(SERVICE_INDEX, key);
    if (this.tracker.stale(key, existing)) {
      // Our last writes have not reached the cache; their events requeue the Service.
      // The delayed add is a backstop should an event never come.
      this.queue.addAfter(key, 1000);
      return;
    }
    const svc = this.services.get(key);
    if (!svc) {
      if (!existing.length) return this.tracker.forget(key);
      // The Service may be too new for our cache; only delete slices of one truly gone.
      // (The garbage collector would remove them too, through their ownerReference.)
      try {
        await this.client.services.get(ns, name);
        return;
      } catch (err) {
        if (!(isApiError(err) && err.code === 404)) throw err;
      }
      for (const s of existing) await this.deleteSlice(key, s);
      return;
    }
    if (svc.spec?.type === 'ExternalName' || !hasSelector(svc)) {
      for (const s of existing) await this.deleteSlice(key, s);
      return;
    }

    const pods = this.pods.byIndex(NAMESPACE_INDEX, ns).filter((p) => selects(svc, p));
    const plan = planSlices(svc, desiredGroups(svc, pods), existing, this.max);
    // Creating before deleting: readers never see a moment with fewer endpoints than before.
    // A Service being deleted gets no new slices, which the garbage collector would race.
    if (!svc.metadata?.deletionTimestamp) {
      for (const s of plan.create) {
        try {
          this.tracker.written(key, await this.api.create(ns, s));
        } catch (err) {
          if (isNamespaceTerminating(err)) return;
          throw err;
        }
      }
    }
    for (const s of plan.update) this.tracker.written(key, await this.api.update(s));
    for (const s of plan.delete) await this.deleteSlice(key, s);
  }

  private async deleteSlice(key: string, s: EndpointSlice): Promise<void> {
    try {
      await this.api.delete(s.metadata!.namespace, s.metadata!.name!, { preconditions: { uid: s.metadata!.uid } });
    } catch (err) {
      if (!(isApiError(err) && (err.code === 404 || err.code === 409))) throw err;
    }
    this.tracker.deleted(key, s);
  }
}
