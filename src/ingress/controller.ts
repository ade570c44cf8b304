/**
 * The ingress controller: an HTTP and an HTTPS listener in front of Service endpoints,
 * configured by the Ingresses of its IngressClasses.
 *
 * Informers on Ingresses, IngressClasses, Services, EndpointSlices and TLS Secrets feed
 * one pure function, buildRoutes; its table is swapped in whole on every relevant change.
 * Requests route by the table current when they arrive, so a swap never touches an
 * exchange in flight or a client connection. After each rebuild the controller reports the
 * table's problems as Events and brings the status of Ingresses in line through a work
 * queue; status-only updates (its own writes) cause no rebuild.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { Client } from '../client/client.js';
import type { ClientConfig } from '../client/config.js';
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { InformerFactory } from '../client/informer-factory.js';
import type { ResourceClient } from '../client/resource-client.js';
import { WorkQueue, runWorkers } from '../client/work-queue.js';
import { isApiError } from '../machinery/errors.js';
import type { Logger } from '../machinery/log.js';
import { classFilterFor, defaultAnnotationPatch, desiredIngressClass } from './ingress-class.js';
import { ProblemReporter } from './problem-reporter.js';
import { IngressProxy } from './proxy.js';
import { buildRoutes, SERVICE_NAME_LABEL, type Problem, type RouteTable } from './routes.js';
import { statusPatch } from './status.js';
import { CertStore, DEFAULT_CERT_NAME, selfSignedCertificate, type KeyPair } from './tls.js';
import { UpstreamPool } from './upstream-pool.js';
import { sleep } from '../machinery/sleep.js';

export interface Listen {
  host: string;
  /** 0 picks a free port; see httpAddress/httpsAddress once ready. */
  port: number;
}

export interface IngressControllerOptions {
  client: ClientConfig;
  log: Logger;
  httpListen: Listen;
  httpsListen: Listen;
  /** The IngressClass created at start (default `orch`). */
  className?: string;
  /** spec.controller of the classes this controller serves (default `orch.io/ingress`). */
  controllerName?: string;
  /** true: annotate the class as the cluster default; false: remove that; unset: leave it. */
  isDefaultClass?: boolean;
  /**
   * With isDefaultClass unset: create the class annotated as the cluster default when it is
   * missing, and leave the annotation to the administrator afterwards (k3s's behaviour).
   */
  defaultWhenCreated?: boolean;
  /**
   * Written to status.loadBalancer.ingress of served Ingresses (an IP, or a hostname).
   * Default: httpListen.host unless it is a wildcard address; else no status is written.
   */
  statusAddress?: string;
  /** The certificate for unknown SNI names (default: self-signed, made at start). */
  defaultCertificate?: KeyPair;
  /** Identical Warning events are sent at most once per this interval (default 5 min). */
  eventIntervalMs?: number;
  /** On shutdown, requests in flight get this long to finish (default 10 s). */
  shutdownGraceMs?: number;
  /** Give up connecting to an endpoint after this long (default 5 s). */
  connectTimeoutMs?: number;
}

const COMPONENT = 'orch-ingress';
// Coalesces a burst of endpoint changes (a rollout) into one rebuild.
const REBUILD_DELAY_MS = 10;

export class IngressController {
  /** Resolves once both listeners are bound, the caches have synced and routes are built. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;
  private readonly log: Logger;
  private readonly className: string;
  private readonly controllerName: string;
  private readonly statusAddress: string | undefined;
  private table: RouteTable | undefined;
  private httpServer: http.Server | undefined;
  private httpsServer: https.Server | undefined;
  private started = false;

  constructor(private readonly opts: IngressControllerOptions) {
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // run() rejects too; an unawaited ready must not crash the process.
    this.ready.catch(() => undefined);
    this.log = opts.log.child({ component: 'ingress' });
    this.className = opts.className ?? 'orch';
    this.controllerName = opts.controllerName ?? 'orch.io/ingress';
    const h = opts.httpListen.host;
    this.statusAddress = opts.statusAddress ?? (h && h !== '0.0.0.0' && h !== '::' ? h : undefined);
  }

  /** Where the HTTP listener is bound (after ready). */
  get httpAddress(): AddressInfo {
    return this.httpServer?.address() as AddressInfo;
  }

  /** Where the HTTPS listener is bound (after ready). */
  get httpsAddress(): AddressInfo {
    return this.httpsServer?.address() as AddressInfo;
  }

  /** The routing table in use (undefined before the first build). */
  get routes(): RouteTable | undefined {
    return this.table;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('IngressController.run called twice');
    this.started = true;
    const client = new Client({ ...this.opts.client, userAgent: COMPONENT });
    const pool = new UpstreamPool({ connectTimeoutMs: this.opts.connectTimeoutMs });
    const proxy = new IngressProxy({ log: this.log, pool, routes: () => this.table, connectTimeoutMs: this.opts.connectTimeoutMs });
    const informers = new InformerFactory(client, this.log);
    // Only TLS Secrets: the others are neither needed nor worth a rebuild when they change.
    const secrets = new Informer<Secret>(client.resource<Secret>('secrets'), { fieldSelector: 'type=kubernetes.io/tls', log: this.log });
    let secretsRun: Promise<void> | undefined;
    const statusQueue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 30_000 });
    let workers: Promise<void> | undefined;
    try {
      const def = this.opts.defaultCertificate ?? (await selfSignedCertificate([DEFAULT_CERT_NAME]));
      const certs = new CertStore(tls.createSecureContext({ cert: def.certPem, key: def.keyPem }));
      this.httpServer = http.createServer((req, res) => proxy.handleRequest(req, res, 'http'));
      this.httpServer.on('upgrade', (req, socket, head) => proxy.handleUpgrade(req, socket, head, 'http'));
      this.httpsServer = https.createServer({ cert: def.certPem, key: def.keyPem, SNICallback: certs.sniCallback }, (req, res) => proxy.handleRequest(req, res, 'https'));
      this.httpsServer.on('upgrade', (req, socket, head) => proxy.handleUpgrade(req, socket, head, 'https'));
      for (const s of [this.httpServer, this.httpsServer]) {
        s.on('clientError', (_err, socket) => {
          if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
          else socket.destroy();
        });
      }
      await Promise.all([listen(this.httpServer, this.opts.httpListen), listen(this.httpsServer, this.opts.httpsListen)]);
      this.log.info({ http: this.httpAddress, https: this.httpsAddress, class: this.className }, 'ingress listening');

      const ingresses = informers.informer<Ingress>('ingresses', 'networking.k8s.io');
      const classes = informers.informer<IngressClass>('ingressclasses', 'networking.k8s.io');
      const services = informers.informer<Service>('services');
      const slices = informers.informer<EndpointSlice>('endpointslices', 'discovery.k8s.io');
      const ingressApi = client.resource<Ingress>('ingresses', 'networking.k8s.io');
      const reporter = new ProblemReporter(new EventRecorder(client, COMPONENT, hostname(), this.log), this.opts.eventIntervalMs);

      const checkStatus = (ing: Ingress) => {
        if (!this.statusAddress || !this.table) return;
        const key = `${ing.metadata?.namespace}/${ing.metadata?.name}`;
        if (statusPatch(ing, this.table.served.has(key), this.statusAddress)) statusQueue.add(key);
      };
      let timer: NodeJS.Timeout | undefined;
      const rebuild = () => {
        timer = undefined;
        try {
          build();
        } catch (err) {
          // A bug, not a configuration error (those are problems in the table): keep the
          // table in use rather than take the proxy down with it.
          this.log.error({ err }, 'routing table rebuild failed; keeping the previous table');
        }
      };
      const build = () => {
        const table = buildRoutes(ingresses.list(), services.list(), slices.list(), secrets.list(), classFilterFor(classes.list(), this.controllerName));
        const failures = certs.update(table);
        this.table = table;
        proxy.prune(table);
        pool.retain(table.endpointKeys);
        const problems: Problem[] = [...table.problems];
        for (const f of failures) for (const ing of f.entry.ingresses) problems.push({ ingress: ing, reason: 'InvalidSecret', message: f.message });
        reporter.report(problems, (k) => ingresses.get(k));
        for (const ing of ingresses.list()) checkStatus(ing);
        this.log.debug({ served: table.served.size, hosts: table.exact.size + table.wildcard.size, problems: problems.length }, 'routes rebuilt');
      };
      const schedule = () => {
        if (!this.table || timer || signal.aborted) return;
        timer = setTimeout(rebuild, REBUILD_DELAY_MS);
      };
      const always = { add: schedule, update: schedule, delete: schedule };
      classes.on(always);
      ingresses.on({
        add: schedule,
        delete: schedule,
        update: (old, ing) => {
          // Our own status writes come back as updates: check, but do not rebuild.
          if (specUnchanged(old, ing)) checkStatus(ing);
          else schedule();
        },
      });
      const ifReferenced = (kind: 'services' | 'secrets', key: (o: any) => string | undefined) => {
        const f = (o: any) => {
          const k = key(o);
          if (k && this.table?.references[kind].has(k)) schedule();
        };
        return { add: f, update: (_o: unknown, n: unknown) => f(n), delete: f };
      };
      const nsName = (o: Service | Secret) => `${o.metadata?.namespace}/${o.metadata?.name}`;
      services.on(ifReferenced('services', nsName));
      slices.on(ifReferenced('services', (s: EndpointSlice) => (s.metadata?.labels?.[SERVICE_NAME_LABEL] ? `${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}` : undefined)));
      secrets.on(ifReferenced('secrets', nsName));

      informers.start(signal);
      secretsRun = secrets.run(signal);
      await Promise.race([
        Promise.all([informers.waitForSync(), secrets.synced, this.ensureClass(client.resource<IngressClass>('ingressclasses', 'networking.k8s.io'), signal)]),
        aborted(signal),
      ]);
      // Build with our class in the cache, or the first table would serve nothing.
      const deadline = Date.now() + 5000;
      while (!signal.aborted && !classes.get(this.className) && Date.now() < deadline) await sleep(20, signal);
      if (signal.aborted) return;
      rebuild();
      workers = runWorkers(statusQueue, 2, (key) => this.syncStatus(key, ingresses, ingressApi), signal, (key, err) =>
        this.log.warn({ ingress: key, err: (err as Error).message }, 'status update failed; will retry'),
      );
      this.resolveReady();
      await aborted(signal);
      if (timer) clearTimeout(timer);
    } catch (err) {
      this.rejectReady(err as Error);
      throw err;
    } finally {
      this.rejectReady(new Error('ingress controller stopped before it was ready'));
      statusQueue.shutDown();
      await this.shutdown(proxy);
      await pool.destroy();
      await Promise.allSettled([workers, secretsRun, informers.stopped()]);
      client.close();
    }
  }

  private async syncStatus(key: string, ingresses: Informer<Ingress>, api: ResourceClient<Ingress>): Promise<void> {
    const ing = ingresses.get(key);
    if (!ing || !this.table || !this.statusAddress) return;
    const patch = statusPatch(ing, this.table.served.has(key), this.statusAddress);
    if (!patch) return;
    try {
      await api.patch(ing.metadata!.namespace, ing.metadata!.name!, patch, 'merge', 'status');
    } catch (err) {
      if (isApiError(err) && err.code === 404) return;
      throw err;
    }
  }

  /** Creates our IngressClass, or aligns its default annotation; retries until it can. */
  private async ensureClass(api: ResourceClient<IngressClass>, signal: AbortSignal): Promise<void> {
    let backoff = 200;
    while (!signal.aborted) {
      try {
        let ic: IngressClass;
        try {
          ic = await api.get(undefined, this.className);
        } catch (err) {
          if (!(isApiError(err) && err.code === 404)) throw err;
          try {
            await api.create(undefined, desiredIngressClass(this.className, this.controllerName, this.opts.isDefaultClass ?? this.opts.defaultWhenCreated));
            this.log.info({ class: this.className, default: (this.opts.isDefaultClass ?? this.opts.defaultWhenCreated) === true }, 'IngressClass created');
            return;
          } catch (e) {
            if (isApiError(e) && e.code === 409) continue; // made meanwhile: look again
            throw e;
          }
        }
        if (ic.spec?.controller !== this.controllerName) {
          this.log.error({ class: this.className, controller: ic.spec?.controller }, 'IngressClass belongs to another controller; not serving it');
          return;
        }
        const patch = defaultAnnotationPatch(ic, this.opts.isDefaultClass);
        if (patch) await api.patch(undefined, this.className, patch, 'merge');
        return;
      } catch (err) {
        if (signal.aborted) return;
        this.log.warn({ class: this.className, err: (err as Error).message }, 'cannot ensure IngressClass; retrying');
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  /**
   * Stops accepting, lets requests in flight finish within the grace period, then closes
   * what is left (keep-alive connections, WebSocket tunnels).
   */
  private async shutdown(proxy: IngressProxy): Promise<void> {
    const servers = [this.httpServer, this.httpsServer].filter((s): s is http.Server => !!s?.listening);
    const closed = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    for (const s of servers) s.closeIdleConnections();
    const grace = this.opts.shutdownGraceMs ?? 10_000;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([proxy.idle(), new Promise<void>((r) => (t = setTimeout(r, grace)))]);
    clearTimeout(t);
    for (const s of servers) s.closeAllConnections();
    for (const sock of proxy.tunnels) sock.destroy();
    await Promise.all(closed);
  }
}

/** Whether an Ingress update leaves everything routing depends on alone (a status write). */
function specUnchanged(a: Ingress, b: Ingress): boolean {
  const ma = a.metadata ?? {};
  const mb = b.metadata ?? {};
  return (
    ma.generation !== undefined &&
    ma.generation === mb.generation &&
    ma.deletionTimestamp === mb.deletionTimestamp &&
    JSON.stringify(ma.annotations ?? {}) === JSON.stringify(mb.annotations ?? {})
  );
}

function listen(server: http.Server, l: Listen): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(l.port, l.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((r) => signal.addEventListener('abort', () => r(), { once: true }));
}
