/**
 * The node streaming server (the kubelet's port 10250, in part): container logs, exec,
 * attach and port-forward, for the API server to proxy `pods/log|exec|attach|portforward`.
 *
 * HTTPS with a self-signed certificate the API server pins (tls.ts); every request must
 * carry one of the configured bearer tokens. Logs are read from the CRI log files. Exec,
 * attach and port-forward are bridged to containerd's own streaming server (127.0.0.1):
 * exec/attach channel WebSockets (v5, v4) become SPDY remote-command streams (containerd
 * 1.6 speaks WebSocket only up to v4, which cannot half-close stdin); port-forward channel
 * WebSockets are relayed frame for frame; SPDY — plain, or tunnelled in WebSocket as
 * kubectl's port-forward does — is relayed byte for byte, as containerd speaks it itself.
 */
import https from 'node:https';
import net from 'node:net';
import { timingSafeEqual, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { WebSocket, WebSocketServer } from 'ws';
import { ApiError, errors } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import type { CriClient } from '../cri/cri-client.js';
import { streamCriLog, type LogOptions } from './cri-log.js';
import type { ContainerLocator } from './locator.js';
import { selfSignedStreamingCert } from './tls.js';
import { SpdySession } from './spdy-session.js';

export interface NodeStreamingServerOptions {
  /** Address to bind: the node's InternalIP or 127.0.0.1 (default). */
  host?: string;
  /** 10250 in production; 0 picks a free port (tests). */
  port: number;
  /** Bearer tokens accepted (the API server authenticates with its own). */
  tokens: string[];
  locator: ContainerLocator;
  /** Needed for exec, attach and port-forward; without it they answer 503. */
  cri?: CriClient;
  /** Serving certificate; a self-signed one is made when absent. */
  tls?: { certPem: string; keyPem: string };
  nodeName?: string;
  log: Logger;
}

/** Channel WebSocket protocols the server answers, best first. */
const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
/** kubectl's port-forward: SPDY/3.1 framing carried in WebSocket binary messages. */
const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
/**
 * `ws` refuses subprotocols that are not RFC 7230 tokens, and '/' is not a token character:
 * the offer is renamed to this before the handshake and answered with the real name.
 */
const SPDY_TUNNEL_TOKEN = 'orch-spdy-portforward-tunnel';
/** What containerd 1.6's streaming server speaks (it predates v5). */
const CONTAINERD_EXEC_PROTOCOL = 'v4.channel.k8s.io';
const CLOSE_CHANNEL = 255;

/**
 * `ws` is loaded on the first WebSocket upgrade (exec, attach, port-forward), not at start:
 * most nodes serve few of them, and the library costs the agent several MB of RSS.
 */
type WsModule = typeof import('ws');
let wsModule: Promise<WsModule> | undefined;
const loadWs = (): Promise<WsModule> => (wsModule ??= import('ws'));

type Target = { kind: 'exec' | 'attach'; ns: string; pod: string; container: string } | { kind: 'portForward'; ns: string; pod: string };

export class NodeStreamingServer {
  private server?: https.Server;
  private wss?: WebSocketServer;
  private readonly tokens: Buffer[];
  private readonly sockets = new Set<Duplex>();
  /** SHA-256 fingerprint of the serving certificate (publish it on the Node object). */
  certFingerprint256 = '';
  port = 0;

  constructor(private readonly opts: NodeStreamingServerOptions) {
    this.tokens = opts.tokens.filter(Boolean).map((t) => Buffer.from(t));
  }

  async start(): Promise<void> {
    const host = this.opts.host ?? '127.0.0.1';
    const tlsPems = this.opts.tls ?? (await selfSignedStreamingCert(this.opts.nodeName ?? 'orch-node', [...new Set(['127.0.0.1', host])].filter((h) => net.isIPv4(h))));
    this.certFingerprint256 = new X509Certificate(tlsPems.certPem).fingerprint256;
    this.server = https.createServer({ cert: tlsPems.certPem, key: tlsPems.keyPem }, (req, res) => {
      this.handle(req, res).catch((err) => this.fail(res, err));
    });
    this.server.requestTimeout = 0;
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.track(socket);
      this.upgrade(req, socket, head).catch((err) => rejectUpgrade(socket, err, this.opts.log));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.opts.log.info({ host, port: this.port }, 'node streaming server listening');
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    for (const c of this.wss?.clients ?? []) c.terminate();
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.start();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await this.stop();
  }

  private track(s: Duplex): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  /** A runtime-side connection lives no longer than the client's. */
  private tie(client: Duplex, runtime: Duplex | WebSocket): void {
    const end = () => ('terminate' in runtime ? runtime.terminate() : runtime.destroy());
    if (client.destroyed) end();
    else client.once('close', end);
  }

  private webSocketServer(ws: WsModule): WebSocketServer {
    return (this.wss ??= new ws.WebSocketServer({
      noServer: true,
      handleProtocols: (offered) => (offered.has(SPDY_TUNNEL_TOKEN) ? SPDY_TUNNEL_PROTOCOL : (CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false)),
    }));
  }

  private authorized(req: IncomingMessage): boolean {
    const h = req.headers.authorization;
    if (!h?.startsWith('Bearer ')) return false;
    const presented = Buffer.from(h.slice(7).trim());
    return this.tokens.some((t) => t.length === presented.length && timingSafeEqual(t, presented));
  }

  private fail(res: ServerResponse, err: unknown): void {
    const e = err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err));
    if (!(err instanceof ApiError)) this.opts.log.error({ err }, 'streaming request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify(e.toStatus());
    res.writeHead(e.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  // ---------------------------------------------------------------- logs

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.authorized(req)) throw errors.unauthorized();
    const url = new URL(req.url ?? '/', 'https://node');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'healthz' && parts.length === 1) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (parts[0] === 'containerLogs' && parts.length === 4 && (req.method === 'GET' || req.method === 'HEAD')) {
      return this.containerLogs(parts[1], parts[2], parts[3], url.searchParams, req, res);
    }
    if (parts[0] === 'exec' || parts[0] === 'attach' || parts[0] === 'portForward') {
      throw errors.badRequest(`${parts[0]} needs a WebSocket (or SPDY) upgrade request`);
    }
    throw errors.noRoute(`${req.method} ${url.pathname}`);
  }

  private async containerLogs(ns: string, pod: string, container: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const opts = parseLogOptions(q);
    const previous = boolParam(q, 'previous');
    const file = await this.opts.locator.logFile(ns, pod, container, previous);
    if (!file) {
      if (previous) throw errors.badRequest(`previous terminated container "${container}" in pod "${pod}" not found`);
      throw errors.badRequest(`container "${container}" in pod "${pod}" is not available`);
    }
    const ac = new AbortController();
    res.once('close', () => ac.abort());
    req.once('aborted', () => ac.abort());
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'X-Content-Type-Options': 'nosniff' });
    res.flushHeaders();
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const sink = {
      signal: ac.signal,
      write: (text: string) =>
        new Promise<void>((resolve) => {
          if (ac.signal.aborted || res.write(text)) resolve();
          else {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.once('drain', done);
            res.once('close', done);
          }
        }),
    };
    try {
      await streamCriLog(file.path, opts, sink, () => file.running());
    } catch (err) {
      // Headers are out: the only way left to say "failed" is to cut the stream.
      this.opts.log.warn({ err, ns, pod, container }, 'log stream failed');
      res.destroy();
      return;
    }
    res.end();
  }

  // ---------------------------------------------------------------- exec, attach, port-forward

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!this.authorized(req)) throw errors.unauthorized();
    const url = new URL(req.url ?? '/', 'https://node');
    const target = parseTarget(url.pathname);
    const cri = this.opts.cri;
    if (!cri) throw errors.unavailable('this node serves no container runtime streams');
    const q = url.searchParams;
    const streams = { stdin: boolParam(q, 'stdin') || boolParam(q, 'input'), stdout: boolParam(q, 'stdout') || boolParam(q, 'output'), stderr: boolParam(q, 'stderr') || boolParam(q, 'error'), tty: boolParam(q, 'tty') };
    let backend: string;
    if (target.kind === 'portForward') {
      const sandbox = await this.opts.locator.readySandbox(target.ns, target.pod);
      if (!sandbox) throw errors.badRequest(`pod "${target.pod}" has no running sandbox on this node`);
      const ports = q.getAll('port').concat(q.getAll('ports')).flatMap((p) => p.split(',')).filter(Boolean).map(Number);
      backend = await cri.portForward(sandbox, ports);
      // containerd's port-forward WebSocket takes the ports from the query, as the kubelet's does.
      if (ports.length) backend += (backend.includes('?') ? '&' : '?') + ports.map((p) => `port=${p}`).join('&');
    } else {
      const id = await this.opts.locator.runningContainer(target.ns, target.pod, target.container);
      if (!id) throw errors.badRequest(`container "${target.container}" in pod "${target.pod}" is not running`);
      const command = q.getAll('command');
      if (target.kind === 'exec' && command.length === 0) throw errors.badRequest('you must specify at least 1 command');
      backend = target.kind === 'exec' ? await cri.exec(id, command, streams) : await cri.attach(id, streams);
    }
    const isWebSocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (!isWebSocket) {
      // Plain SPDY (kubectl's fallback): containerd speaks it, so relay the bytes.
      await relayRawUpgrade(req, socket, head, backend);
      return;
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    if (!offered.some((p) => CHANNEL_PROTOCOLS.includes(p) || p === SPDY_TUNNEL_PROTOCOL)) {
      throw errors.badRequest(`unsupported WebSocket subprotocols ${JSON.stringify(offered)}; this node speaks ${[...CHANNEL_PROTOCOLS, SPDY_TUNNEL_PROTOCOL].join(', ')}`);
    }
    const ws = await loadWs();
    const wss = this.webSocketServer(ws);
    if (offered.includes(SPDY_TUNNEL_PROTOCOL) && !offered.some((p) => CHANNEL_PROTOCOLS.includes(p))) {
      const upstream = await openRawUpgrade(backend, { Upgrade: 'SPDY/3.1', Connection: 'Upgrade', 'X-Stream-Protocol-Version': 'portforward.k8s.io' });
      this.track(upstream);
      this.tie(socket, upstream);
      req.headers['sec-websocket-protocol'] = SPDY_TUNNEL_TOKEN;
      wss.handleUpgrade(req, socket, head, (client) => pipeWebSocketToSocket(client, ws.createWebSocketStream(client), upstream));
      return;
    }
    if (target.kind !== 'portForward') {
      // exec/attach: SPDY to containerd, so that the client's end of stdin (v5) can be relayed.
      const upstream = await openRawUpgrade(backend, { Upgrade: 'SPDY/3.1', Connection: 'Upgrade', 'X-Stream-Protocol-Version': CONTAINERD_EXEC_PROTOCOL });
      this.track(upstream);
      this.tie(socket, upstream);
      const session = new SpdySession(upstream);
      wss.handleUpgrade(req, socket, head, (client) => bridgeChannelsToSpdy(client, session, streams));
      return;
    }
    const up = new ws.WebSocket(backend.replace(/^http/, 'ws'), [CONTAINERD_EXEC_PROTOCOL], { perMessageDeflate: false });
    // containerd writes the port prefixes as soon as it opened: keep them for the client.
    const early: [Buffer, boolean][] = [];
    const keep = (data: Buffer, isBinary: boolean) => early.push([data, isBinary]);
    up.on('message', keep);
    await new Promise<void>((resolve, reject) => {
      up.once('open', () => resolve());
      up.once('error', reject);
      up.once('unexpected-response', (_r, res) => reject(errors.internal(`container runtime refused the stream: HTTP ${res.statusCode}`)));
    });
    this.tie(socket, up);
    wss.handleUpgrade(req, socket, head, (client) => {
      up.off('message', keep);
      for (const [data, isBinary] of early) client.send(data, { binary: isBinary });
      relayChannels(client, up);
    });
  }
}

function parseTarget(pathname: string): Target {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if ((parts[0] === 'exec' || parts[0] === 'attach') && parts.length === 4) return { kind: parts[0], ns: parts[1], pod: parts[2], container: parts[3] };
  if (parts[0] === 'portForward' && parts.length === 3) return { kind: 'portForward', ns: parts[1], pod: parts[2] };
  throw errors.noRoute(pathname);
}

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1' || v === '';
}

function intParam(q: URLSearchParams, name: string, min: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw errors.badRequest(`${name}: Invalid value: ${JSON.stringify(v)}: must be an integer >= ${min}`);
  return n;
}

export function parseLogOptions(q: URLSearchParams): LogOptions {
  const opts: LogOptions = { follow: boolParam(q, 'follow'), timestamps: boolParam(q, 'timestamps') };
  opts.tailLines = intParam(q, 'tailLines', 0);
  opts.limitBytes = intParam(q, 'limitBytes', 1);
  const since = intParam(q, 'sinceSeconds', 1);
  if (since !== undefined) opts.sinceMs = Date.now() - since * 1000;
  const sinceTime = q.get('sinceTime');
  if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw errors.badRequest(`sinceTime: Invalid value: ${JSON.stringify(sinceTime)}: must be RFC3339`);
    opts.sinceMs = t;
  }
  return opts;
}

function rejectUpgrade(socket: Duplex, err: unknown, log: Logger): void {
  const e = err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err));
  if (!(err instanceof ApiError)) log.error({ err }, 'stream upgrade failed');
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify(e.toStatus());
  socket.end(`HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4 } as const;
const SUCCESS = JSON.stringify({ metadata: {}, status: 'Success' });

/**
 * exec/attach: channel WebSocket (v5 or v4) on the client side, the remote-command streams
 * over SPDY on containerd's. Stream ids are created in the order the kubelet's server
 * expects them (error first); data for a stream waits for its reply.
 */
function bridgeChannelsToSpdy(ws: WebSocket, session: SpdySession, req: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): void {
  const error = session.openStream({ streamtype: 'error' });
  const stdin = req.stdin ? session.openStream({ streamtype: 'stdin' }) : undefined;
  const stdout = req.stdout ? session.openStream({ streamtype: 'stdout' }) : undefined;
  const stderr = req.stderr && !req.tty ? session.openStream({ streamtype: 'stderr' }) : undefined;
  const resize = req.tty ? session.openStream({ streamtype: 'resize' }) : undefined;
  const channelOf = new Map<number, number>();
  if (stdout) channelOf.set(stdout.id, CHANNEL.stdout);
  if (stderr) channelOf.set(stderr.id, CHANNEL.stderr);
  let status: Buffer[] = [];
  let statusSent = false;
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true });
  };
  const finishStatus = () => {
    if (statusSent) return;
    statusSent = true;
    const body = Buffer.concat(status);
    send(CHANNEL.error, body.length ? body : Buffer.from(SUCCESS));
    status = [];
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };
  session.on('data', (id: number, data: Buffer) => {
    if (id === error.id) status.push(data);
    else {
      const ch = channelOf.get(id);
      if (ch !== undefined) send(ch, data);
    }
  });
  // containerd ends the error stream with a reset (CANCEL) after writing the status.
  const onEnd = (id: number) => {
    if (id === error.id) finishStatus();
  };
  session.on('fin', onEnd);
  session.on('reset', onEnd);
  session.on('close', () => {
    if (ws.readyState === ws.OPEN) ws.close(1000);
  });
  // Client frames are applied in order, each after its stream was accepted.
  let chain: Promise<void> = Promise.resolve();
  const later = (fn: () => Promise<void>) => {
    chain = chain.then(fn, fn);
  };
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary || data.length === 0) return;
    const payload = data.subarray(1);
    if (data[0] === CHANNEL.stdin && stdin) {
      later(async () => {
        await stdin.replied;
        stdin.write(payload);
      });
    } else if (data[0] === CHANNEL.resize && resize) {
      later(async () => {
        await resize.replied;
        resize.write(payload);
      });
    } else if (data[0] === CLOSE_CHANNEL && ws.protocol === 'v5.channel.k8s.io' && payload[0] === CHANNEL.stdin && stdin) {
      later(async () => {
        await stdin.replied;
        stdin.end();
      });
    }
  });
  ws.on('close', () => session.close());
  ws.on('error', () => session.close());
}

/** port-forward (client-node's channel protocol): frames relayed to containerd's WebSocket as they are. */
function relayChannels(client: WebSocket, up: WebSocket): void {
  client.on('message', (data: Buffer, isBinary) => {
    // v5's close channel has no meaning to containerd's (v4) port-forward stream: drop it.
    if (isBinary && data[0] === CLOSE_CHANNEL && client.protocol === 'v5.channel.k8s.io') return;
    if (up.readyState === up.OPEN) up.send(data, { binary: isBinary });
  });
  up.on('message', (data: Buffer, isBinary) => {
    if (client.readyState === client.OPEN) client.send(data, { binary: isBinary });
  });
  const closeBoth = () => {
    if (client.readyState === client.OPEN) client.close(1000);
    if (up.readyState === up.OPEN) up.close(1000);
  };
  client.on('close', closeBoth);
  up.on('close', closeBoth);
  client.on('error', () => up.terminate());
  up.on('error', () => client.terminate());
}

/** Opens an HTTP upgrade to containerd's stream URL and resolves once it switched protocols. */
function openRawUpgrade(backend: string, headers: Record<string, string>): Promise<net.Socket> {
  const u = new URL(backend);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port) || 80, u.hostname);
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      const status = /^HTTP\/1\.1 (\d+)/.exec(buf.subarray(0, end).toString('latin1'));
      if (status?.[1] !== '101') {
        s.destroy();
        reject(errors.internal(`container runtime refused the stream: ${buf.subarray(0, end).toString('latin1').split('\r\n')[0]}`));
        return;
      }
      // Paused until a consumer attaches, so no byte after the handshake is lost.
      s.pause();
      const rest = buf.subarray(end + 4);
      if (rest.length) s.unshift(rest);
      resolve(s);
    };
    s.on('data', onData);
    s.once('error', reject);
    s.once('connect', () => {
      const lines = [`POST ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      s.write(lines.join('\r\n') + '\r\n\r\n');
    });
  });
}

/** Relays a plain (non-WebSocket) upgrade, such as SPDY/3.1, to containerd byte for byte. */
async function relayRawUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, backend: string): Promise<void> {
  const u = new URL(backend);
  const up = net.connect(Number(u.port) || 80, u.hostname);
  await new Promise<void>((resolve, reject) => {
    up.once('connect', () => resolve());
    up.once('error', reject);
  });
  const skip = new Set(['host', 'authorization', 'content-length']);
  const lines = [`${req.method ?? 'POST'} ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (!skip.has(req.rawHeaders[i].toLowerCase())) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  up.write(lines.join('\r\n') + '\r\n\r\n');
  if (head.length) up.write(head);
  socket.pipe(up).pipe(socket);
  socket.on('error', () => up.destroy());
  up.on('error', () => socket.destroy());
  socket.on('close', () => up.destroy());
  up.on('close', () => socket.destroy());
}

/** Carries a byte stream in WebSocket binary messages (kubectl's SPDY-in-WebSocket tunnel). */
function pipeWebSocketToSocket(ws: WebSocket, stream: Duplex, s: net.Socket): void {
  stream.pipe(s).pipe(stream);
  stream.on('error', () => s.destroy());
  s.on('error', () => ws.terminate());
  s.on('close', () => ws.close());
  ws.on('close', () => s.destroy());
}
