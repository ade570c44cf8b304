/**
 * The reverse proxy: routes each request by the routing table current when it arrives,
 * picks an endpoint round-robin and streams the exchange through a keep-alive pool.
 *
 * Answers of its own, each with a plain-text body saying why:
 *   404 nothing matches and there is no default backend;
 *   503 the backend cannot be served (missing Service...) or has no ready endpoints;
 *   502 the endpoint refused or reset the connection before answering;
 *   504 the endpoint did not accept a connection, or did not answer, in time.
 *   A request that cannot have reached the application (idempotent method, no body) is
 *   first retried once on another endpoint.
 *   400 a request undici refuses to send on (duplicate Host or Content-Length).
 *
 * Requests go upstream through undici (see upstream-pool.ts); WebSocket upgrades through
 * node:http, whose upgrade handling relays a declined handshake as it came.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Logger } from '../machinery/log.js';
import { downstreamResponseHeaders, headerList, upstreamRequestHeaders, type ForwardInfo } from './headers.js';
import { requestPath } from './paths.js';
import { lookupRoute, type Backend, type Endpoint, type RouteTable } from './routes.js';
import type { UpstreamPool } from './upstream-pool.js';

export interface ProxyOptions {
  log: Logger;
  pool: UpstreamPool;
  /** The current routing table; undefined until the caches have synced. */
  routes: () => RouteTable | undefined;
  /** Give up connecting to an endpoint for an upgrade after this long (default 5 s). */
  connectTimeoutMs?: number;
}

export type Proto = 'http' | 'https';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

type Outcome = { kind: 'backend'; backend: Backend } | { kind: 'error'; status: number; message: string };

export class IngressProxy {
  /** Round-robin positions by backend id; they survive table swaps. */
  private readonly rr = new Map<string, number>();
  private readonly log: Logger;
  private readonly connectTimeoutMs: number;
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  /** Upgraded (WebSocket) connections: both sockets, closed on shutdown. */
  readonly tunnels = new Set<Duplex>();

  constructor(private readonly opts: ProxyOptions) {
    this.log = opts.log;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  }

  /** Requests (not tunnels) in flight. */
  get inFlight(): number {
    return this.active;
  }

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Forgets round-robin positions of backends no longer in the table. */
  prune(table: RouteTable): void {
    for (const id of this.rr.keys()) if (!table.backendIds.has(id)) this.rr.delete(id);
  }

  private route(host: string | undefined, url: string | undefined): Outcome {
    const table = this.opts.routes();
    if (!table) return { kind: 'error', status: 503, message: 'the ingress controller is starting and has no routes yet' };
    const path = requestPath(url);
    const backend = lookupRoute(table, host, path);
    if (!backend) {
      return { kind: 'error', status: 404, message: `no Ingress rule matches host ${JSON.stringify(host ?? '')} and path ${JSON.stringify(path)}, and no default backend is set` };
    }
    if (backend.unavailable) return { kind: 'error', status: 503, message: `backend ${backend.id}: ${backend.unavailable}` };
    if (backend.endpoints.length === 0) return { kind: 'error', status: 503, message: `no ready endpoints for service ${backend.namespace}/${backend.service} (port ${backend.port})` };
    return { kind: 'backend', backend };
  }

  /** The next endpoint round-robin; `avoid` (a failed one) is skipped when there is another. */
  private pick(backend: Backend, avoid?: Endpoint): Endpoint {
    const eps = backend.endpoints;
    let n = this.rr.get(backend.id) ?? 0;
    let ep = eps[n % eps.length];
    n++;
    if (avoid && ep.key === avoid.key && eps.length > 1) ep = eps[n++ % eps.length];
    this.rr.set(backend.id, n >= 0x7fffffff ? 0 : n);
    return ep;
  }

  /** Counts a request out (its response closed), waking idle() waiters at zero. */
  private readonly requestDone = (): void => {
    if (--this.active === 0) {
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of ws) w();
    }
  };

  handleRequest(req: http.IncomingMessage, res: http.ServerResponse, proto: Proto): void {
    this.active++;
    const outcome = this.route(req.headers.host, req.url);
    if (outcome.kind === 'error') {
      res.once('close', this.requestDone);
      return sendError(res, outcome.status, outcome.message);
    }
    const info: ForwardInfo = { remoteAddress: req.socket.remoteAddress, proto, port: req.socket.localPort };
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    // undici frames a body of unknown length as chunked itself (whatever the method) and
    // refuses a Transfer-Encoding header, so the hop-by-hop filter's dropping it is enough.
    const options: Dispatcher.DispatchOptions = {
      method: req.method ?? 'GET',
      path: originForm(req.url),
      headers: upstreamRequestHeaders(req.rawHeaders, info),
      body: hasBody ? req : null,
    };
    const exchange = new Exchange(this, res, outcome.backend, options, !hasBody && IDEMPOTENT.has(req.method ?? ''));
    res.once('close', () => {
      // The client went away mid-exchange: stop the upstream side too.
      if (!res.writableFinished) exchange.abort();
      this.requestDone();
    });
    exchange.start(this.pick(outcome.backend));
  }

  /** Sends an exchange's request through the endpoint's pool. */
  dispatch(ep: Endpoint, options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    this.opts.pool.poolFor(ep).dispatch(options, handler);
  }

  /** The endpoint to retry a failed exchange on. */
  retryEndpoint(backend: Backend, failed: Endpoint, err: Error): Endpoint {
    this.log.debug({ backend: backend.id, endpoint: failed.key, err: errorCode(err) }, 'upstream failed; retrying on another endpoint');
    return this.pick(backend, failed);
  }

  private guardConnect(up: http.ClientRequest): void {
    up.once('socket', (s) => {
      if (!s.connecting) return;
      const t = setTimeout(() => {
        const err: NodeJS.ErrnoException = new Error(`no connection after ${this.connectTimeoutMs} ms`);
        err.code = 'ETIMEDOUT';
        up.destroy(err);
      }, this.connectTimeoutMs);
      t.unref();
      s.once('connect', () => clearTimeout(t));
      s.once('close', () => clearTimeout(t));
    });
  }

  /** An HTTP/1.1 Upgrade (WebSocket): relay the handshake, then splice the two sockets. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, proto: Proto): void {
    socket.on('error', () => socket.destroy());
    const outcome = this.route(req.headers.host, req.url);
    if (outcome.kind === 'error') return rawError(socket, outcome.status, outcome.message);
    const backend = outcome.backend;
    const ep = this.pick(backend);
    const sock = req.socket;
    const info: ForwardInfo = { remoteAddress: sock.remoteAddress, proto, port: sock.localPort };
    // A connection of its own (agent: false): it leaves any pool once upgraded anyway.
    const up = http.request({
      host: ep.address,
      port: ep.port,
      method: req.method,
      path: originForm(req.url),
      headers: upstreamRequestHeaders(req.rawHeaders, info, req.headers.upgrade ?? 'websocket'),
      agent: false,
    });
    this.guardConnect(up);
    const onClientClose = () => up.destroy();
    socket.once('close', onClientClose);
    up.on('upgrade', (ures, usock, uhead) => {
      socket.off('close', onClientClose);
      if (socket.destroyed) {
        usock.destroy();
        return;
      }
      socket.write(statusBlock(101, ures.statusMessage, downstreamResponseHeaders(ures.rawHeaders, true)));
      if (uhead.length) socket.write(uhead);
      if (head.length) usock.write(head);
      this.tunnels.add(socket);
      this.tunnels.add(usock);
      const close = () => {
        this.tunnels.delete(socket);
        this.tunnels.delete(usock);
        socket.destroy();
        usock.destroy();
      };
      usock.on('error', close);
      usock.on('close', close);
      socket.on('close', close);
      usock.pipe(socket);
      socket.pipe(usock);
    });
    up.on('response', (ures) => {
      // The backend declined the upgrade: relay its answer and close.
      socket.off('close', onClientClose);
      const headers = downstreamResponseHeaders(ures.rawHeaders);
      headers.push('Connection', 'close');
      socket.write(statusBlock(ures.statusCode ?? 502, ures.statusMessage, headers));
      ures.pipe(socket);
      ures.on('error', () => socket.destroy());
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      socket.off('close', onClientClose);
      rawError(socket, 502, `could not reach ${backend.id} at ${ep.key}: ${err.code ?? err.message}`);
    });
    up.end();
  }
}

/**
 * One request's exchange with an upstream, as an undici dispatch handler: the response is
 * written straight into the client's ServerResponse, with no stream in between.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private ep!: Endpoint;
  /** The client went away, or the exchange was answered otherwise: ignore what follows. */
  private over = false;

  constructor(
    private readonly proxy: IngressProxy,
    private readonly res: http.ServerResponse,
    private readonly backend: Backend,
    private readonly options: Dispatcher.DispatchOptions,
    private retryable: boolean,
  ) {}

  start(ep: Endpoint): void {
    this.ep = ep;
    this.controller = undefined;
    this.proxy.dispatch(ep, this.options, this);
  }

  /** The client went away: stop the upstream side (now, or as soon as it starts). */
  abort(): void {
    if (this.over) return;
    this.over = true;
    this.controller?.abort(clientGone());
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.over) controller.abort(clientGone());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: http.IncomingHttpHeaders, statusMessage?: string): void {
    this.retryable = false;
    const res = this.res;
    if (this.over || res.destroyed) return this.abort();
    try {
      res.writeHead(statusCode, statusMessage || undefined, downstreamResponseHeaders(headerList(controller.rawHeaders, headers)));
    } catch (err) {
      // An upstream header Node refuses to send on (invalid characters).
      this.over = true;
      controller.abort(err as Error);
      sendError(res, 502, `invalid response from ${this.backend.id} at ${this.ep.key}: ${(err as Error).message}`);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.over) return;
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    if (!this.over) this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    const res = this.res;
    if (this.over || res.destroyed) return;
    // Broken mid-body: the client must not take the part for the whole.
    if (res.headersSent) return void res.destroy();
    const code = errorCode(err);
    if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
      this.over = true;
      return sendError(res, 400, `cannot forward this request: ${err.message}`);
    }
    if (this.retryable) {
      this.retryable = false;
      return this.start(this.proxy.retryEndpoint(this.backend, this.ep, err));
    }
    this.over = true;
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return sendError(res, 504, `timed out waiting for ${this.backend.id} at ${this.ep.key}: ${code}`);
    sendError(res, 502, `could not reach ${this.backend.id} at ${this.ep.key}: ${code}`);
  }
}

function clientGone(): Error {
  return new Error('the client closed the connection');
}

/** A system error's code (ECONNREFUSED), undici's (UND_ERR_SOCKET), or the message. */
function errorCode(err: Error): string {
  return (err as NodeJS.ErrnoException).code ?? err.message;
}

/** An absolute-form request target ("http://h/p?q") as origin-form ("/p?q"). */
function originForm(url: string | undefined): string {
  if (!url) return '/';
  if (url.charCodeAt(0) === 47) return url;
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return '/';
  }
}

function sendError(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = `${status} ${http.STATUS_CODES[status] ?? ''}: ${message}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

function statusBlock(status: number, message: string | undefined, headers: readonly string[]): string {
  let s = `HTTP/1.1 ${status} ${message || http.STATUS_CODES[status] || ''}\r\n`;
  for (let i = 0; i < headers.length; i += 2) s += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return s + '\r\n';
}

function rawError(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = `${status} ${http.STATUS_CODES[status] ?? ''}: ${message}\n`;
  socket.end(
    statusBlock(status, undefined, ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body)), 'Connection', 'close']) + body,
  );
}
