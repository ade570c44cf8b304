/**
 * ServiceLB (k3s's klipper-lb, without its pods): a Service of type LoadBalancer with no
 * loadBalancerClass gets the node's addresses in status.loadBalancer.ingress, and the
 * service proxy serves its ports there. As in k3s, a port belongs to the oldest such
 * Service that asks for it: a later one wanting the same port and protocol stays pending
 * (no address) with a Warning event until the port is free.
 */
import { hostname } from 'node:os';
import type { Service } from 'kubernetes-types/core/v1.js';
import { Client } from '../client/client.js';
import type { ClientConfig } from '../client/config.js';
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { isApiError } from '../machinery/errors.js';
import type { Logger } from '../machinery/log.js';

export interface LbPlan {
  /** The addresses to publish; empty while pending. */
  ips: string[];
  /** Why it is pending (a port held by an older Service). */
  conflict?: string;
}

const key = (s: Service) => `${s.metadata?.namespace}/${s.metadata?.name}`;

export function isServiceLbService(s: Service): boolean {
  return s.spec?.type === 'LoadBalancer' && !s.spec.loadBalancerClass && !s.metadata?.deletionTimestamp;
}

/** What every ServiceLB Service should publish, by `namespace/name`. Pure. */
export function planServiceLb(services: readonly Service[], addresses: readonly string[]): Map<string, LbPlan> {
  const plan = new Map<string, LbPlan>();
  // A Service that stopped being a LoadBalancer gives its address back.
  for (const svc of services) if (svc.spec?.type !== 'LoadBalancer' && svc.status?.loadBalancer?.ingress?.length) plan.set(key(svc), { ips: [] });
  const owner = new Map<string, string>();
  const ordered = services.filter(isServiceLbService).sort((a, b) => cmp(a.metadata?.creationTimestamp ?? '', b.metadata?.creationTimestamp ?? '') || cmp(key(a), key(b)));
  for (const svc of ordered) {
    const ports = (svc.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`);
    const taken = ports.find((p) => owner.has(p));
    if (taken) {
      plan.set(key(svc), { ips: [], conflict: `port ${taken} is already used by LoadBalancer Service ${owner.get(taken)}` });
      continue;
    }
    for (const p of ports) owner.set(p, key(svc));
    plan.set(key(svc), { ips: [...addresses] });
  }
  return plan;
}

/** The merge patch bringing a Service's status to the plan, or undefined when it is there. */
export function lbStatusPatch(svc: Service, want: LbPlan): object | undefined {
  const have = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '');
  if (JSON.stringify(have) === JSON.stringify(want.ips)) return undefined;
  return { status: { loadBalancer: { ingress: want.ips.length ? want.ips.map((ip) => ({ ip })) : null } } };
}

export interface ServiceLbOptions {
  client: ClientConfig;
  log: Logger;
  /** The node addresses published (127.0.0.1 for a one-machine cluster). */
  addresses: string[];
}

const COMPONENT = 'service-lb-controller';
const DELAY_MS = 20;

export class ServiceLb {
  private readonly log: Logger;

  constructor(private readonly opts: ServiceLbOptions) {
    this.log = opts.log.child({ component: 'servicelb' });
  }

  async run(signal: AbortSignal): Promise<void> {
    const client = new Client({ ...this.opts.client, userAgent: COMPONENT });
    const api = client.resource<Service>('services');
    const services = new Informer<Service>(api, { log: this.log });
    const recorder = new EventRecorder(client, COMPONENT, hostname(), this.log);
    const warned = new Map<string, string>();
    let timer: NodeJS.Timeout | undefined;
    let running = Promise.resolve();
    let again = false;
    const sync = async () => {
      const plan = planServiceLb(services.list(), this.opts.addresses);
      for (const [k, want] of plan) {
        const svc = services.get(k);
        if (!svc) continue;
        if (want.conflict && warned.get(k) !== want.conflict) recorder.event({ apiVersion: 'v1', kind: 'Service', ...svc }, 'Warning', 'PortInUse', `${want.conflict}; pending`);
        if (want.conflict) warned.set(k, want.conflict);
        else warned.delete(k);
        const patch = lbStatusPatch(svc, want);
        if (!patch) continue;
        try {
          await api.patch(svc.metadata!.namespace, svc.metadata!.name!, patch, 'merge', 'status');
        } catch (err) {
          // Gone meanwhile, or a stale cache: the informer brings the next change.
          if (!(isApiError(err) && (err.code === 404 || err.code === 409))) this.log.warn({ service: k, err: (err as Error).message }, 'updating LoadBalancer status failed');
          again = true;
        }
      }
      for (const k of warned.keys()) if (!plan.has(k)) warned.delete(k);
    };
    const schedule = () => {
      if (timer || signal.aborted) return;
      timer = setTimeout(() => {
        timer = undefined;
        again = false;
        running = running.then(sync).catch((err) => this.log.error({ err }, 'ServiceLB sync failed'));
        void running.then(() => {
          if (again) setTimeout(schedule, 1000);
        });
      }, DELAY_MS);
    };
    services.on({ add: schedule, update: schedule, delete: schedule });
    const done = services.run(signal);
    try {
      await done;
    } finally {
      if (timer) clearTimeout(timer);
      await running;
      client.close();
    }
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
