/**
 * Cluster DNS as `orch server` runs it beside its local node (k3s ships CoreDNS for this):
 * a DnsServer on the node bridge's gateway address, published as the `kube-dns` Service in
 * kube-system whose ClusterIP is the address pods get in their resolv.conf.
 *
 * Why the bridge gateway: it is the one host address every pod of the node reaches
 * directly (it is their default route), and it is not on any of the machine's public
 * interfaces. The Service has no selector; its one endpoint (an EndpointSlice we write) is
 * gateway:53, and the service proxy DNATs the ClusterIP to it like any other Service.
 *
 * The bridge appears only when the node's first pod is wired up (the CNI bridge plugin
 * creates it), so the endpoint is published not ready until the server can bind there;
 * the proxy rejects queries meanwhile rather than letting them time out.
 */
import { networkInterfaces } from 'node:os';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Client } from '../client/client.js';
import type { ClientConfig } from '../client/config.js';
import type { ResourceClient } from '../client/resource-client.js';
import { intToIp, parseCidr } from '../machinery/cidr.js';
import { isApiError } from '../machinery/errors.js';
import type { Logger } from '../machinery/log.js';
import { formatUpstream } from './forwarder.js';
import { SERVICE_NAME_LABEL } from './records.js';
import { upstreamsFromResolvConf } from './resolv-conf.js';
import { DnsServer } from './server.js';
import { sleep } from '../machinery/sleep.js';

export const DNS_NAMESPACE = 'kube-system';
export const DNS_SERVICE_NAME = 'kube-dns';
export const DNS_SLICE_MANAGER = 'dns.orch.io';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

export interface NodeDnsOptions {
  client: ClientConfig;
  log: Logger;
  /** The node whose bridge the server answers on (its spec.podCIDR gives the address). */
  nodeName: string;
  /** The kube-dns ClusterIP: what pods with dnsPolicy ClusterFirst have as nameserver. */
  clusterIP: string;
  clusterDomain?: string;
  /** `host:port` resolvers for other names; undefined: the nameservers of resolvConf. */
  upstreams?: string[];
  /** Default /etc/resolv.conf. */
  resolvConf?: string;
  /** Port on the gateway address (default 53, what the Service targets). */
  port?: number;
  /** How often the Service and the endpoint are checked and restored if changed. Default 10 s. */
  resyncMs?: number;
  /** How often to look for the bridge address before it exists. Default 100 ms. */
  addressPollMs?: number;
}

/** The kube-dns Service: no selector, the ClusterIP fixed, labelled as in Kubernetes. */
export function dnsService(clusterIP: string, port = 53): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: DNS_SERVICE_NAME,
      namespace: DNS_NAMESPACE,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'orch-dns' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: port },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: port },
      ],
    },
  };
}

/** The Service's one endpoint: where this server listens, ready once it does. */
export function dnsEndpointSlice(svc: Service, address: string, port: number, ready: boolean, nodeName: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${DNS_SERVICE_NAME}-orch`,
      namespace: DNS_NAMESPACE,
      labels: { [SERVICE_NAME_LABEL]: DNS_SERVICE_NAME, [MANAGED_BY_LABEL]: DNS_SLICE_MANAGER },
      // Deleting the Service takes its endpoint with it (garbage collector).
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: DNS_SERVICE_NAME, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [address], conditions: { ready, serving: ready, terminating: false }, nodeName }],
    ports: [
      { name: 'dns', port, protocol: 'UDP' },
      { name: 'dns-tcp', port, protocol: 'TCP' },
    ],
  };
}

/** The bridge's address for a node pod CIDR: its first host, as the CNI config sets it. */
export function gatewayFor(podCidr: string): string {
  return intToIp(parseCidr(podCidr).base + 1);
}

export function hasLocalAddress(ip: string): boolean {
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === ip));
}

export class NodeDns {
  /** Resolves once the server answers on the gateway and its endpoint is published ready. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;
  private readonly log: Logger;
  private server: DnsServer | undefined;

  constructor(private readonly opts: NodeDnsOptions) {
    this.log = opts.log.child({ component: 'dns' });
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  /** The running DnsServer (after the bridge address appeared). */
  get dns(): DnsServer | undefined {
    return this.server;
  }

  async run(signal: AbortSignal): Promise<void> {
    const o = this.opts;
    const port = o.port ?? 53;
    const client = new Client({ ...o.client, userAgent: 'orch-dns' });
    const services = client.resource<Service>('services');
    const slices = client.resource<EndpointSlice>('endpointslices', 'discovery.k8s.io');
    let published = false;
    try {
      let svc = await this.retry('publish the kube-dns Service', () => ensureService(services, dnsService(o.clusterIP, port), this.log), signal);
      const podCidr = await this.retry('read the node pod CIDR', () => nodePodCidr(client, o.nodeName), signal);
      if (!svc || !podCidr) return;
      const gateway = gatewayFor(podCidr);
      let ready = false;
      const publish = async () => {
        svc = await ensureService(services, dnsService(o.clusterIP, port), this.log);
        await ensureSlice(slices, dnsEndpointSlice(svc, gateway, port, ready, o.nodeName));
        published = true;
      };
      await this.retry('publish the kube-dns endpoint', () => publish().then(() => true), signal);
      if (!hasLocalAddress(gateway)) this.log.info({ address: gateway }, 'waiting for the node bridge before answering DNS');
      while (!signal.aborted && !hasLocalAddress(gateway)) await sleep(o.addressPollMs ?? 100, signal);
      if (signal.aborted) return;
      const listen = { host: gateway, port };
      // Never forward to ourselves: a resolv.conf naming this address would loop.
      const upstreams = o.upstreams ?? (await upstreamsFromResolvConf(o.resolvConf, [formatUpstream(listen)]));
      if (!upstreams.length) this.log.warn('no upstream resolvers: names outside the cluster domain will get SERVFAIL');
      const server = (this.server = new DnsServer({ client: o.client, log: o.log, listen: [listen], clusterDomain: o.clusterDomain, upstreams }));
      const running = server.run(signal);
      await Promise.race([server.ready, running]);
      if (signal.aborted) return await running;
      ready = true;
      await this.retry('mark the kube-dns endpoint ready', () => publish().then(() => true), signal);
      this.log.info({ address: gateway, clusterIP: o.clusterIP }, 'cluster DNS ready');
      this.resolveReady();
      // Someone deleting the Service or its endpoint gets them back, as k3s's addon manager does.
      const resync = (async () => {
        while (!signal.aborted) {
          await sleep(o.resyncMs ?? 10_000, signal);
          if (!signal.aborted) await publish().catch((err: Error) => this.log.warn({ err: err.message }, 'restoring the kube-dns Service failed'));
        }
      })();
      await Promise.all([running, resync]);
    } catch (err) {
      this.rejectReady(err as Error);
      throw err;
    } finally {
      this.rejectReady(new Error('cluster DNS stopped before it was ready'));
      // The endpoint goes with the server, so a stopped server is not a target; best effort,
      // as the API server may be stopping too.
      if (published) await withTimeout(slices.delete(DNS_NAMESPACE, `${DNS_SERVICE_NAME}-orch`), 2000).catch(() => undefined);
      client.close();
    }
  }

  /** Retries an API step until it gives a value or the signal aborts (undefined then). */
  private async retry<T>(what: string, step: () => Promise<T | undefined>, signal: AbortSignal): Promise<T | undefined> {
    let backoff = 200;
    while (!signal.aborted) {
      try {
        const v = await step();
        if (v !== undefined) return v;
      } catch (err) {
        if (signal.aborted) break;
        this.log.warn({ err: (err as Error).message }, `cannot ${what}; retrying`);
        backoff = Math.min(backoff * 2, 5000);
      }
      await sleep(backoff, signal);
    }
    return undefined;
  }
}

/** Creates the Service, or recreates it when its ClusterIP (immutable) or ports differ. */
async function ensureService(api: ResourceClient<Service>, want: Service, log: Logger): Promise<Service> {
  let have: Service | undefined;
  try {
    have = await api.get(DNS_NAMESPACE, DNS_SERVICE_NAME);
  } catch (err) {
    if (!(isApiError(err) && err.code === 404)) throw err;
  }
  if (have && have.spec?.clusterIP === want.spec!.clusterIP && samePorts(have, want) && !have.spec?.selector) return have;
  if (have) {
    log.warn({ clusterIP: have.spec?.clusterIP, want: want.spec!.clusterIP }, 'kube-dns Service differs from what pods are given; recreating it');
    await api.delete(DNS_NAMESPACE, DNS_SERVICE_NAME).catch((err) => {
      if (!(isApiError(err) && err.code === 404)) throw err;
    });
  }
  return api.create(DNS_NAMESPACE, want);
}

const portsKey = (s: Service) => JSON.stringify((s.spec?.ports ?? []).map((p) => [p.name, p.port, p.protocol ?? 'TCP', String(p.targetPort ?? p.port)]));
const samePorts = (a: Service, b: Service) => portsKey(a) === portsKey(b);

async function ensureSlice(api: ResourceClient<EndpointSlice>, want: EndpointSlice): Promise<void> {
  let have: EndpointSlice | undefined;
  try {
    have = await api.get(DNS_NAMESPACE, want.metadata!.name!);
  } catch (err) {
    if (!(isApiError(err) && err.code === 404)) throw err;
  }
  if (!have) {
    await api.create(DNS_NAMESPACE, want);
    return;
  }
  const key = (s: EndpointSlice) => JSON.stringify([s.endpoints, s.ports, s.metadata?.labels, s.metadata?.ownerReferences?.map((r) => r.uid)]);
  if (key(have) === key(want)) return;
  await api.update({ ...want, metadata: { ...want.metadata, resourceVersion: have.metadata?.resourceVersion } });
}

async function nodePodCidr(client: Client, nodeName: string): Promise<string | undefined> {
  try {
    return (await client.resource<Node>('nodes').get(undefined, nodeName)).spec?.podCIDR || undefined;
  } catch (err) {
    // Not registered yet: the agent is still starting.
    if (isApiError(err) && err.code === 404) return undefined;
    throw err;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((r) => (t = setTimeout(() => r(undefined), ms)))]).finally(() => clearTimeout(t));
}
