/**
 * The EndpointSlice mirroring controller: keeps EndpointSlices in line with the hand-made
 * Endpoints of Services without a selector (see desired.ts), and removes its mirrors when
 * the Service gains a selector or goes, or the Endpoints go.
 */
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import { isApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import type { Controller, ControllerContext } from '../types.js';
import { isNamespaceTerminating } from '../endpoints/controller.js';
import { MANAGED_BY_LABEL, MIRROR_CONTROLLER_NAME, SERVICE_NAME_LABEL, mirrorSlices, sameMirror, shouldMirror } from './desired.js';

/** Our mirrors by the key (`ns/service`) they belong to. */
const MIRROR_INDEX = 'endpointslicemirroring/service';
const mirrorOf = (s: EndpointSlice): string[] => {
  const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
  return svc && s.metadata?.labels?.[MANAGED_BY_LABEL] === MIRROR_CONTROLLER_NAME ? [`${s.metadata!.namespace}/${svc}`] : [];
};
const keyOf = (o: { metadata?: { namespace?: string; name?: string } }) => `${o.metadata?.namespace}/${o.metadata?.name}`;

export class EndpointSliceMirroringController implements Controller {
  readonly name = 'endpointslicemirroring';
  private readonly queue = new WorkQueue();
  private readonly api: ResourceClient<EndpointSlice>;
  private readonly services: Informer<Service>;
  private readonly endpoints: Informer<Endpoints>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly log: Logger;
  private readonly workers: number;

  constructor(ctx: ControllerContext) {
    this.api = ctx.client.resource<EndpointSlice>('endpointslices', 'discovery.k8s.io');
    this.log = ctx.log.child({ controller: this.name });
    this.workers = ctx.config.workers;
    this.services = ctx.informers.informer<Service>('services');
    this.endpoints = ctx.informers.informer<Endpoints>('endpoints');
    this.slices = ctx.informers.informer<EndpointSlice>('endpointslices', 'discovery.k8s.io', { [MIRROR_INDEX]: mirrorOf });
    const enqueue = (o: { metadata?: { namespace?: string; name?: string } }) => this.queue.add(keyOf(o));
    const handlers = { add: enqueue, update: (_o: unknown, n: { metadata?: { namespace?: string; name?: string } }) => enqueue(n), delete: enqueue };
    this.services.on(handlers);
    this.endpoints.on(handlers);
    const enqueueSlice = (s: EndpointSlice) => {
      for (const key of mirrorOf(s)) this.queue.add(key);
    };
    this.slices.on({ add: enqueueSlice, update: (_o, s) => enqueueSlice(s), delete: enqueueSlice });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this.workers, (key) => this.sync(key), signal, (key, err) =>
      this.log.debug({ service: key, err: (err as Error).message }, 'mirroring failed; will retry'),
    );
  }

  async sync(key: string): Promise<void> {
    const svc = this.services.get(key);
    const ep = this.endpoints.get(key);
    const want = shouldMirror(svc, ep) ? mirrorSlices(ep!) : [];
    const have = new Map(this.slices.byIndex(MIRROR_INDEX, key).map((s) => [s.metadata!.name!, s]));
    for (const s of want) {
      const cur = have.get(s.metadata!.name!);
      have.delete(s.metadata!.name!);
      try {
        if (!cur) await this.api.create(s.metadata!.namespace, s);
        else if (!sameMirror(cur, s)) await this.api.update({ ...s, metadata: { ...s.metadata, resourceVersion: cur.metadata?.resourceVersion } });
      } catch (err) {
        if (isNamespaceTerminating(err)) return;
        // Made meanwhile (a stale cache): the informer event brings the next sync.
        if (isApiError(err) && err.code === 409) continue;
        throw err;
      }
    }
    for (const s of have.values()) {
      try {
        await this.api.delete(s.metadata!.namespace, s.metadata!.name!, { preconditions: { uid: s.metadata!.uid } });
      } catch (err) {
        if (!(isApiError(err) && (err.code === 404 || err.code === 409))) throw err;
      }
    }
  }
}
