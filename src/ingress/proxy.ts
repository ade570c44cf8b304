/**
 * The reverse proxy: routes each request by the routing table current when it arrives,
 * picks an endpoint round-robin and streams the exchange through a keep-alive pool.
 *
 * Answers of its own, each with a plain-text body saying why:
 *   404 nothing matches and there is no default backend;
 *   503 the backend cannot be served (missing Service...) or has no ready endpoints;
 *   502 the endpoint refused, reset or timed out before answering. A request that cannot
 *       have reached the application (idempotent method, no body) is first retried once
 *       on another endpoint.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../machinery/log.js';
import { downstreamResponseHeaders, upstreamRequestHeaders, type ForwardInfo } from './headers.js';
import { requestPath } from './paths.js';
import { lookupRoute, type Backend, type Endpoint, type RouteTable } from './routes.js';
import type { UpstreamPool } from './upstream-pool.js';

export interface ProxyOptions {
  log: Logger;
  pool: UpstreamPool;
  /** The current routing table; undefined until the caches have synced. */
  routes: () => RouteTable | undefined;
  /** Give up connecting to an endpoint after this long (default 5 s). */
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

  handleRequest(req: http.IncomingMessage, res: http.ServerResponse, proto: Proto): void {
    this.active++;
    res.once('close', () => {
      if (--this.active === 0) {
        const ws = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of ws) w();
      }
    });
    const outcome = this.route(req.headers.host, req.url);
    if (outcome.kind === 'error') return sendError(res, outcome.status, outcome.message);
    const info: ForwardInfo = { remoteAddress: req.socket.remoteAddress, proto, port: req.socket.localPort };
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    const retryable = !hasBody && IDEMPOTENT.has(req.method ?? '');
    const headers = upstreamRequestHeaders(req.rawHeaders, info);
    // Transfer-Encoding is hop-by-hop, but a chunked body must go on chunked: Node's client
    // would send the body of a GET or DELETE with no framing at all, and the upstream would
    // read it as the next request on the connection.
    if (req.headers['transfer-encoding'] !== undefined) headers.push('Transfer-Encoding', 'chunked');
    this.forward(req, res, outcome.backend, this.pick(outcome.backend), headers, hasBody, retryable);
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    backend: Backend,
    ep: Endpoint,
    headers: string[],
    hasBody: boolean,
    retryable: boolean,
  ): void {
    const up = http.request({
      host: ep.address,
      port: ep.port,
      method: req.method,
      path: originForm(req.url),
      headers,
      agent: this.opts.pool.agentFor(ep),
    });
    let answered = false;
    let failed = false;
    this.guardConnect(up);
    up.on('response', (ures) => {
      answered = true;
      if (res.destroyed) {
        ures.destroy();
        return;
      }
      try {
        res.writeHead(ures.statusCode ?? 502, ures.statusMessage, downstreamResponseHeaders(ures.rawHeaders));
      } catch (err) {
        // An upstream header Node refuses to send on (invalid characters).
        ures.destroy();
        return sendError(res, 502, `invalid response from ${backend.id} at ${ep.key}: ${(err as Error).message}`);
      }
      ures.pipe(res);
      // The upstream connection broke mid-body: the client must not take the part for the whole.
      ures.on('close', () => {
        if (!ures.complete) res.destroy();
      });
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      // A destroyed request can report more than one error; the first decides.
      if (failed) return;
      failed = true;
      if (hasBody) req.unpipe(up);
      if (answered || res.headersSent) {
        res.destroy();
        return;
      }
      if (res.destroyed) return;
      if (retryable) {
        this.log.debug({ backend: backend.id, endpoint: ep.key, err: err.code ?? err.message }, 'upstream failed; retrying on another endpoint');
        return this.forward(req, res, backend, this.pick(backend, ep), headers, false, false);
      }
      sendError(res, 502, `could not reach ${backend.id} at ${ep.key}: ${err.code ?? err.message}`);
    });
    // The client went away: stop the upstream exchange too.
    res.once('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    if (hasBody) {
      req.pipe(up);
      req.on('error', () => up.destroy());
    } else up.end();
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
