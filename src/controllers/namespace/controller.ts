/**
 * The Namespace controller: when a Namespace is being deleted, deletes everything in it,
 * reports progress in its status conditions, and once nothing is left removes the
 * "kubernetes" finalizer through /finalize, which lets the API server remove it.
 */
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import { isApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import type { Controller, ControllerContext } from '../types.js';
import { isEmpty, nextConditions, type ContentReport } from './conditions.js';
import { deleteContent } from './content.js';

/** The finalizer (in spec.finalizers) that is this controller's to remove. */
export const KUBERNETES_FINALIZER = 'kubernetes';

const PODS_BY_NAMESPACE = 'namespace-controller/namespace';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export interface NamespaceControllerOptions {
  /** First wait before looking again at a namespace whose content is still going. */
  recheckBaseMs?: number;
  /** Longest such wait. */
  recheckMaxMs?: number;
}

export class NamespaceController implements Controller {
  readonly name = 'namespace';
  private readonly queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 30_000 });
  private readonly client: Client;
  private readonly namespaces: Informer<Namespace>;
  private readonly pods: Informer<Pod>;
  /** Passes that found content left, per namespace: the back-off of the next look. */
  private readonly passes = new Map<string, number>();
  private readonly log: Logger;
  private readonly workers: number;
  private readonly recheckBase: number;
  private readonly recheckMax: number;

  constructor(ctx: ControllerContext, opts: NamespaceControllerOptions = {}) {
    this.client = ctx.client;
    this.log = ctx.log.child({ controller: this.name });
    this.workers = ctx.config.workers;
    this.recheckBase = opts.recheckBaseMs ?? 250;
    this.recheckMax = opts.recheckMaxMs ?? 15_000;
    this.namespaces = ctx.informers.informer<Namespace>('namespaces');

    const enqueue = (ns: Namespace) => {
      if (ns.metadata?.deletionTimestamp) this.queue.add(ns.metadata.name!);
    };
    this.namespaces.on({
      add: enqueue,
      // Not on our own status writes: only when deletion starts or the finalizers change.
      update: (old, ns) => {
        if (!old.metadata?.deletionTimestamp || JSON.stringify(old.spec?.finalizers) !== JSON.stringify(ns.spec?.finalizers)) enqueue(ns);
      },
      delete: (ns) => this.passes.delete(ns.metadata!.name!),
    });
    // Pods are what a namespace mostly waits for (their grace period): look again as soon
    // as the last one goes rather than at the next back-off tick — not at every pod, which
    // would be a full pass per pod of a large namespace.
    this.pods = ctx.informers.informer<Pod>('pods', '', { [PODS_BY_NAMESPACE]: (p) => [p.metadata?.namespace ?? ''] });
    this.pods.on({
      delete: (pod) => {
        const name = pod.metadata?.namespace ?? '';
        const ns = this.namespaces.get(name);
        if (ns?.metadata?.deletionTimestamp && !this.pods.byIndex(PODS_BY_NAMESPACE, name).length) this.queue.add(name);
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this.workers, (name) => this.sync(name), signal, (name, err) =>
      this.log.warn({ namespace: name, err: (err as Error).message }, 'namespace deletion failed; will retry'),
    );
  }

  async sync(name: string): Promise<void> {
    const ns = this.namespaces.get(name);
    if (!ns?.metadata?.deletionTimestamp) {
      this.passes.delete(name);
      return;
    }
    // Already finalized by us (or by hand): the API server removes it once nothing else holds it.
    if (!ns.spec?.finalizers?.includes(KUBERNETES_FINALIZER)) return;

    const report = await deleteContent(this.client, name);
    await this.reportConditions(ns, report);
    if (report.failures.length) throw new Error(`deleting content of namespace ${name}: ${report.failures.join('; ')}`);
    if (!isEmpty(report)) {
      const n = this.passes.get(name) ?? 0;
      this.passes.set(name, n + 1);
      this.queue.addAfter(name, Math.min(this.recheckBase * 2 ** n, this.recheckMax));
      this.log.debug({ namespace: name, remaining: Object.fromEntries(report.remaining) }, 'namespace content remaining');
      return;
    }
    await this.finalize(name);
    this.passes.delete(name);
  }

  /** Best effort: a stale or conflicting status write is simply redone on the next pass. */
  private async reportConditions(ns: Namespace, report: ContentReport): Promise<void> {
    const { conditions, changed } = nextConditions(ns.status?.conditions, report, now());
    if (!changed) return;
    const next = structuredClone(ns);
    next.status = { ...(next.status ?? {}), conditions };
    try {
      await this.client.namespaces.updateStatus(next);
    } catch (err) {
      if (!(isApiError(err) && (err.code === 409 || err.code === 404))) throw err;
    }
  }

  private async finalize(name: string): Promise<void> {
    let live: Namespace;
    try {
      live = await this.client.namespaces.get(undefined, name);
    } catch (err) {
      if (isApiError(err) && err.code === 404) return;
      throw err;
    }
    if (!live.spec?.finalizers?.includes(KUBERNETES_FINALIZER)) return;
    const next = structuredClone(live);
    next.spec = { ...next.spec, finalizers: live.spec.finalizers.filter((f) => f !== KUBERNETES_FINALIZER) };
    this.log.info({ namespace: name }, 'namespace content deleted; finalizing');
    await this.client.transport.request('PUT', `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, next);
  }
}
