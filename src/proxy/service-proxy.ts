/**
 * The service proxy component (kube-proxy): watches Services and EndpointSlices through the
 * API and keeps this node's iptables rules for them, and warns with an Event about Services
 * whose selector matches no ready pod.
 */
import { hostname } from 'node:os';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Client } from '../client/client.js';
import type { ClientConfig } from '../client/config.js';
import { EventRecorder } from '../client/events.js';
import { InformerFactory } from '../client/informer-factory.js';
import type { Informer } from '../client/informer.js';
import type { Logger } from '../machinery/log.js';
import type { Iptables } from './iptables.js';
import { countEndpoints, NO_ENDPOINTS_REASON, NoEndpointsTracker, type NoEndpointsOptions } from './no-endpoints.js';
import { Proxier, type ProxierStats } from './proxier.js';
import type { ProxyState } from './service-ports.js';
import type { Sysctl } from './sysctl.js';

export interface ServiceProxyOptions {
  client: ClientConfig;
  log: Logger;
  /** ClusterIPs get rules only inside this range, e.g. 10.96.0.0/12. */
  serviceCidr: string;
  /** The pod network; traffic to a ClusterIP from outside it is masqueraded. */
  clusterCidr: string;
  nodePortRange: [number, number];
  /** Reported as the Event source host (default: the hostname). */
  nodeName?: string;
  /** Addresses node ports answer on; include 127.0.0.1 for localhost node ports. */
  nodeIPs: string[];
  /** Per-instance chain prefix, e.g. `ORCH-1a2b3c-`. */
  chainPrefix: string;
  minSyncIntervalMs?: number;
  checkIntervalMs?: number;
  canaryIntervalMs?: number;
  masqueradeBit?: number;
  noEndpoints?: NoEndpointsOptions;
  /** Injected for tests; default the iptables binaries. */
  iptables?: Iptables;
  sysctl?: Sysctl;
}

const EVENT_TICK_MS = 1000;

export class ServiceProxy {
  /** Resolves once the first sync has put the rules for the synced caches into the kernel. */
  readonly ready: Promise<void>;
  readonly proxier: Proxier;
  private services: Informer<Service> | undefined;
  private slices: Informer<EndpointSlice> | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: ServiceProxyOptions) {
    this.log = opts.log.child({ component: 'proxy' });
    this.proxier = new Proxier({
      rules: {
        chainPrefix: opts.chainPrefix,
        serviceCidr: opts.serviceCidr,
        clusterCidr: opts.clusterCidr,
        nodePortRange: opts.nodePortRange,
        nodeIPs: opts.nodeIPs,
        masqueradeBit: opts.masqueradeBit,
      },
      log: this.log,
      source: () => this.state(),
      iptables: opts.iptables,
      sysctl: opts.sysctl,
      minSyncIntervalMs: opts.minSyncIntervalMs,
      checkIntervalMs: opts.checkIntervalMs,
      canaryIntervalMs: opts.canaryIntervalMs,
    });
    this.ready = this.proxier.ready;
  }

  get stats(): ProxierStats {
    return this.proxier.stats;
  }

  private state(): ProxyState {
    return { services: this.services?.list() ?? [], endpointSlices: this.slices?.list() ?? [] };
  }

  async run(signal: AbortSignal): Promise<void> {
    const client = new Client({ ...this.opts.client, userAgent: 'orch-proxy' });
    const informers = new InformerFactory(client, this.log);
    this.services = informers.informer<Service>('services');
    this.slices = informers.informer<EndpointSlice>('endpointslices', 'discovery.k8s.io');
    const changed = { add: () => this.proxier.requestSync(), update: () => this.proxier.requestSync(), delete: () => this.proxier.requestSync() };
    this.services.on(changed);
    this.slices.on(changed);
    const recorder = new EventRecorder(client, 'orch-proxy', this.opts.nodeName ?? hostname(), this.log);
    const tracker = new NoEndpointsTracker(this.opts.noEndpoints);
    let ticker: NodeJS.Timeout | undefined;
    try {
      informers.start(signal);
      // Rules from half-loaded caches would drop working services: wait for both lists.
      await Promise.race([informers.waitForSync(), new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }))]);
      if (signal.aborted) return;
      ticker = setInterval(() => {
        for (const e of tracker.observe(Date.now(), countEndpoints(this.services!.list(), this.slices!.list()))) {
          this.log.info({ service: `${e.service.metadata?.namespace}/${e.service.metadata?.name}` }, 'service has no endpoints');
          recorder.event({ ...e.service, kind: 'Service', apiVersion: 'v1' }, 'Warning', NO_ENDPOINTS_REASON, e.message);
        }
      }, EVENT_TICK_MS);
      ticker.unref();
      await this.proxier.run(signal);
    } finally {
      if (ticker) clearInterval(ticker);
      await informers.stopped();
      client.close();
    }
  }
}
