/**
 * The Endpoints controller: keeps, for every Service with a selector, an Endpoints object
 * of the same name listing the pods it selects (ready ones in `addresses`, the rest in
 * `notReadyAddresses`), grouped by the ports they serve. Services without a selector are
 * left to whoever writes their Endpoints by hand.
 */
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import { isApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import type { Controller, ControllerContext } from '../types.js';
import { MANAGED_BY, MANAGED_BY_LABEL, desiredLabels, desiredSubsets, endpointsUpToDate } from './desired.js';
import { NAMESPACE_INDEX, byNamespace, endpointFingerprint, hasSelector, selects, servicesSelecting, splitKey } from './pod-helpers.js';

const isManaged = (ep: Endpoints) => ep.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;

/** A create refused because the namespace is being deleted: retrying cannot help. */
export const isNamespaceTerminating = (err: unknown): boolean =>
  isApiError(err) && err.code === 403 && /being terminated/.test(err.message);

export class EndpointsController implements Controller {
  readonly name = 'endpoints';
  private readonly queue = new WorkQueue();
  private readonly client: Client;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly endpoints: Informer<Endpoints>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private readonly workers: number;

  constructor(ctx: ControllerContext) {
    this.client = ctx.client;
    this.log = ctx.log.child({ controller: this.name });
    this.recorder = ctx.recorder('endpoint-controller');
    this.workers = ctx.config.workers;
    this.services = ctx.informers.informer<Service>('services', '', { [NAMESPACE_INDEX]: byNamespace });
    this.pods = ctx.informers.informer<Pod>('pods', '', { [NAMESPACE_INDEX]: byNamespace });
    this.endpoints = ctx.informers.informer<Endpoints>('endpoints');

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
    // Only our own Endpoints: their Service may be gone (deleted while we were down), or
    // someone may have edited what we wrote. Hand-made ones are not ours to judge.
    const enqueueEndpoints = (ep: Endpoints) => {
      if (isManaged(ep)) this.queue.add(`${ep.metadata!.namespace}/${ep.metadata!.name}`);
    };
    this.endpoints.on({ add: enqueueEndpoints, update: (_old, ep) => enqueueEndpoints(ep), delete: enqueueEndpoints });
  }

  private enqueueFor(pod: Pod): void {
    for (const key of servicesSelecting(this.services.byIndex(NAMESPACE_INDEX, pod.metadata?.namespace ?? ''), pod)) this.queue.add(key);
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this.workers, (key) => this.sync(key), signal, (key, err) =>
      this.log.debug({ service: key, err: (err as Error).message }, 'sync failed; will retry'),
    );
  }

  /** Brings the Endpoints named `key` in line with its Service and the pods it selects. */
  async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const svc = this.services.get(key);
    if (!svc) return this.serviceGone(ns, name);
    if (svc.spec?.type === 'ExternalName' || !hasSelector(svc)) return;

    const pods = this.pods.byIndex(NAMESPACE_INDEX, ns).filter((p) => selects(svc, p));
    const subsets = desiredSubsets(svc, pods);
    const labels = desiredLabels(svc);
    const current = this.endpoints.get(key);
    if (current && endpointsUpToDate(current, subsets, labels)) return;

    const next: Endpoints = current ? structuredClone(current) : { metadata: { name, namespace: ns } };
    next.metadata!.labels = labels;
    next.subsets = subsets;
    try {
      if (current) await this.client.endpoints.update(next);
      else await this.client.endpoints.create(ns, next);
    } catch (err) {
      if (!current && isNamespaceTerminating(err)) return;
      // A stale cache (the object was written meanwhile) sorts itself out on the retry.
      if (isApiError(err) && (err.reason === 'Conflict' || err.reason === 'AlreadyExists')) throw err;
      const reason = current ? 'FailedToUpdateEndpoint' : 'FailedToCreateEndpoint';
      this.recorder.event({ kind: 'Endpoints', apiVersion: 'v1', metadata: next.metadata }, 'Warning', reason, `Failed to ${current ? 'update' : 'create'} endpoint ${key}: ${(err as Error).message}`);
      throw err;
    }
  }

  private async serviceGone(ns: string, name: string): Promise<void> {
    const ep = this.endpoints.get(`${ns}/${name}`);
    if (!ep) return;
    // The Service may have been created a moment ago and not have reached our cache yet.
    try {
      await this.client.services.get(ns, name);
      return;
    } catch (err) {
      if (!(isApiError(err) && err.code === 404)) throw err;
    }
    try {
      await this.client.endpoints.delete(ns, name, { preconditions: { uid: ep.metadata!.uid } });
    } catch (err) {
      // Gone already, or replaced by a new object that is not the one we judged.
      if (isApiError(err) && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }
}
