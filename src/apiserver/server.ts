/**
 * The API server: HTTPS, authentication, routing to discovery, OpenAPI, health, metrics and
 * the resource handlers. Lifecycle: `start()` then `stop()`, or `run(signal)`.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { RESOURCES, findResource, type ResourceInfo } from '../api/resources.js';
import { errors, ApiError } from '../machinery/errors.js';
import type { Logger } from '../machinery/log.js';
import type { Store } from '../storage/store.js';
import { ensureServingCerts } from './certs.js';
import { TokenAuthenticator, ensureToken, isPublicPath } from './auth.js';
import { writeKubeconfig } from './kubeconfig.js';
import { WatchCacheSet } from './watch-cache.js';
import { ROOT_PREFIX } from './registry/keys.js';
import { ServiceAllocator } from './allocators/service-allocator.js';
import { buildRegistries } from './registry/strategies/index.js';
import type { Registry } from './registry/registry.js';
import { kindPolicy } from './policy.js';
import { parseRequestInfo } from './http/request-info.js';
import { sendError, sendText } from './http/respond.js';
import { handleResource } from './handlers/resource.js';
import { handleNonResource } from './handlers/non-resource.js';
import { PodProxy, isPodStream } from './handlers/pod-proxy.js';
import type { Duplex } from 'node:stream';
import type { HandlerContext } from './handlers/context.js';
import { ApiMetrics } from './metrics.js';
import { bootstrap } from './bootstrap.js';
import { unknownFieldsOf } from './field-validation.js';

export interface ApiServerConfig {
  dataDir: string;
  bindAddress: string;
  port: number;
  /** Extra names and addresses for the serving certificate. */
  tlsSans: string[];
  serviceCidr: string;
  nodePortRange: [number, number];
  /** Where to write the admin kubeconfig (default <dataDir>/kubeconfig.yaml). */
  kubeconfigPath?: string;
  store: Store;
  log: Logger;
  /** Create the local-path StorageClasses at start (default true; `--disable local-storage`). */
  storageClasses?: boolean;
}

export class ApiServer {
  private server?: https.Server;
  private caches?: WatchCacheSet;
  registries = new Map<ResourceInfo, Registry>();
  readonly metrics = new ApiMetrics();
  private readonly auth = new TokenAuthenticator();
  private podProxy?: PodProxy;
  adminToken = '';
  caPem = '';
  kubeconfigPath = '';
  url = '';

  constructor(private readonly config: ApiServerConfig) {}

  registry(plural: string, group = ''): Registry {
    const info = findResource(group, group === '' ? 'v1' : 'v1', plural);
    if (!info) throw new Error(`no resource ${plural}`);
    return this.registries.get(info)!;
  }

  async start(): Promise<void> {
    const { config } = this;
    const tlsDir = join(config.dataDir, 'tls');
    const ips = ['127.0.0.1', ...config.tlsSans.filter((s) => /^\d+\.\d+\.\d+\.\d+$/.test(s))];
    if (config.bindAddress !== '0.0.0.0' && !ips.includes(config.bindAddress)) ips.push(config.bindAddress);
    const dns = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', ...config.tlsSans.filter((s) => !/^\d+\.\d+\.\d+\.\d+$/.test(s))];
    const certs = await ensureServingCerts(tlsDir, { dns, ips });
    this.caPem = certs.caPem;
    this.adminToken = await ensureToken(join(tlsDir, 'admin.token'));
    this.auth.add(this.adminToken, { name: 'admin', groups: ['system:masters'] });

    const alloc = new ServiceAllocator(config.store, { serviceCidr: config.serviceCidr, nodePortRange: config.nodePortRange });
    await alloc.load();
    this.caches = new WatchCacheSet(config.store, ROOT_PREFIX);
    this.registries = buildRegistries(config.store, this.caches, kindPolicy, alloc);
    await this.caches.start();
    await bootstrap(this.registries, alloc, config.log, { storageClasses: config.storageClasses ?? true });

    const ctx: HandlerContext = {
      registries: this.registries,
      log: config.log,
      unknownFields: unknownFieldsOf,
    };
    this.podProxy = new PodProxy({ registries: this.registries, token: () => this.adminToken, log: config.log });
    this.server = https.createServer({ cert: certs.certPem, key: certs.keyPem, keepAliveTimeout: 60_000 }, (req, res) => {
      this.handle(ctx, req, res).catch((err) => sendError(res, err, (e) => config.log.error({ err: e }, 'request failed')));
    });
    // exec, attach and port-forward arrive as upgrades (WebSocket, or SPDY from old clients).
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgrade(req, socket, head).catch((err) => writeUpgradeError(socket, err, (e) => config.log.error({ err: e }, 'upgrade failed')));
    });
    // Watches are long-lived: no request timeout; idle keep-alive sockets still expire.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
    this.server.on('clientError', (err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      config.log.debug({ err }, 'client error');
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(config.port, config.bindAddress, () => resolve());
    });
    const port = (this.server.address() as AddressInfo).port;
    this.url = `https://127.0.0.1:${port}`;
    this.kubeconfigPath = config.kubeconfigPath ?? join(config.dataDir, 'kubeconfig.yaml');
    await writeKubeconfig(this.kubeconfigPath, { server: this.url, caPem: this.caPem, token: this.adminToken });
    config.log.info({ url: this.url, kubeconfig: this.kubeconfigPath }, 'API server listening');
  }

  async stop(): Promise<void> {
    this.caches?.stop();
    const s = this.server;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.start();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await this.stop();
  }

  private async handle(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'https://orch');
    const path = url.pathname;
    let user = this.auth.authenticate(req);
    if (!user) {
      if (!isPublicPath(path)) throw errors.unauthorized();
      user = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    }
    const ri = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
    if (ri.kind === 'resource') {
      let code = 200;
      res.once('finish', () => {
        code = res.statusCode;
        const resource = ri.subresource ? `${ri.info.plural}/${ri.subresource}` : ri.info.plural;
        this.metrics.requests.inc({ verb: ri.verb, resource, code: String(code) });
        if (ri.verb !== 'watch') this.metrics.latency.observe({ verb: ri.verb, resource }, Number(process.hrtime.bigint() - started) / 1e9);
      });
      if (ri.verb === 'watch') {
        const g = this.metrics.watchers.labels({ resource: ri.info.plural });
        g.inc();
        res.once('close', () => g.dec());
      }
      if (isPodStream(ri)) return this.podProxy!.serve(req, res, ri, url.searchParams);
      return handleResource(ctx, req, res, ri, url.searchParams, user.name);
    }
    if (ri.kind === 'unknown') throw errors.noRoute(`${req.method} ${path}`);
    if (path === '/metrics') {
      sendText(res, 200, await this.metrics.registry.metrics(), this.metrics.registry.contentType);
      return;
    }
    return handleNonResource(req, res, url, { ready: () => this.server?.listening === true });
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://orch');
    if (!this.auth.authenticate(req)) throw errors.unauthorized();
    const ri = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    if (ri.kind !== 'resource' || !isPodStream(ri) || !ri.name) throw errors.badRequest(`${url.pathname} cannot be upgraded`);
    await this.podProxy!.upgrade(req, socket, head, ri, url.searchParams);
  }
}

/** An error answer on a socket whose request asked to upgrade (no ServerResponse exists). */
function writeUpgradeError(socket: Duplex, err: unknown, log: (err: unknown) => void): void {
  const e = err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err));
  if (!(err instanceof ApiError)) log(err);
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify(e.toStatus());
  socket.end(`HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export { RESOURCES };
