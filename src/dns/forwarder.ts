/**
 * Forwarding of names outside the cluster domain to upstream resolvers (CoreDNS's
 * `forward`): the query's bytes are relayed with a fresh ID over one connected UDP socket
 * per upstream, retried over TCP when the answer comes back truncated, and handed to the
 * next upstream on timeout or error. Upstreams that failed recently are tried last.
 *
 * A connected UDP socket is used on purpose: the kernel then reports ICMP port-unreachable
 * as ECONNREFUSED, so a dead upstream on this machine fails at once instead of timing out.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import type { Logger } from '../machinery/log.js';
import { isTruncated, type Query } from './wire.js';

export interface Upstream {
  host: string;
  port: number;
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address; port 53 when not given. */
export function parseUpstream(s: string): Upstream {
  const t = s.trim();
  let m = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (m) return check(m[1], m[2], s);
  if (isIPv6(t)) return { host: t, port: 53 };
  m = /^([^:]+)(?::(\d+))?$/.exec(t);
  if (m) return check(m[1], m[2], s);
  throw new Error(`invalid upstream ${JSON.stringify(s)}: want host:port`);
}

function check(host: string, port: string | undefined, s: string): Upstream {
  const p = port === undefined ? 53 : Number(port);
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`invalid upstream ${JSON.stringify(s)}: bad port`);
  return { host, port: p };
}

export const formatUpstream = (u: Upstream) => (isIPv6(u.host) ? `[${u.host}]:${u.port}` : `${u.host}:${u.port}`);

interface Pending {
  query: Query;
  resolve(b: Buffer): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** One upstream's UDP socket and the queries in flight on it, by the ID we gave them. */
class UdpChannel {
  private socket?: UdpSocket;
  private connecting?: Promise<UdpSocket>;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly upstream: Upstream) {}

  private open(): Promise<UdpSocket> {
    if (this.socket) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<UdpSocket>((resolve, reject) => {
      const s = createSocket(isIPv6(this.upstream.host) ? 'udp6' : 'udp4');
      const fail = (err: Error) => {
        this.failAll(err);
        if (!this.socket) {
          this.connecting = undefined;
          s.close();
          reject(err);
        }
      };
      s.on('error', fail);
      s.on('message', (msg) => this.onMessage(msg));
      s.on('close', () => {
        if (this.socket === s) this.socket = undefined;
        this.connecting = undefined;
        this.failAll(new Error('socket closed'));
      });
      s.connect(this.upstream.port, this.upstream.host, () => {
        this.socket = s;
        resolve(s);
      });
    });
    return this.connecting;
  }

  private onMessage(msg: Buffer): void {
    if (msg.length < 12) return;
    const p = this.pending.get(msg.readUInt16BE(0));
    // A reply that does not echo our question is not the answer to it (stale, or spoofed).
    if (!p || !answersQuestion(msg, p.query)) return;
    this.settle(msg.readUInt16BE(0))?.resolve(msg);
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    clearTimeout(p.timer);
    return p;
  }

  private failAll(err: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(err);
  }

  async exchange(q: Query, timeoutMs: number): Promise<Buffer> {
    const socket = await this.open();
    if (this.pending.size >= 60_000) throw new Error('too many queries in flight');
    let id: number;
    do id = randomInt(0, 65536);
    while (this.pending.has(id));
    const msg = Buffer.from(q.raw);
    msg.writeUInt16BE(id, 0);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id)?.reject(new Error('timeout')), timeoutMs);
      this.pending.set(id, { query: q, resolve, reject, timer });
      socket.send(msg, (err) => {
        if (err) this.settle(id)?.reject(err);
      });
    });
  }

  close(): void {
    this.failAll(new Error('forwarder closed'));
    const s = this.socket;
    this.socket = undefined;
    this.connecting = undefined;
    try {
      s?.close();
    } catch {
      // already closed
    }
  }
}

/** One query over a fresh TCP connection (RFC 7766 framing: a 2-byte length before each message). */
function tcpExchange(u: Upstream, q: Query, timeoutMs: number, signal: AbortSignal): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const id = randomInt(0, 65536);
    const msg = Buffer.allocUnsafe(q.raw.length + 2);
    msg.writeUInt16BE(q.raw.length, 0);
    q.raw.copy(msg, 2);
    msg.writeUInt16BE(id, 2);
    const sock = connect({ host: u.host, port: u.port });
    let buf = Buffer.alloc(0);
    const done = (err?: Error, resp?: Buffer) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err) reject(err);
      else resolve(resp!);
    };
    const onAbort = () => done(new Error('forwarder closed'));
    const timer = setTimeout(() => done(new Error('timeout')), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(msg));
    sock.on('error', (err) => done(err));
    sock.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const resp = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + resp.length);
        if (resp.length >= 12 && resp.readUInt16BE(0) === id && answersQuestion(resp, q)) return done(undefined, Buffer.from(resp));
      }
    });
    sock.on('end', () => done(new Error('connection closed before the answer')));
  });
}

/** Whether a response is one (QR set) to this question: same name (any case), type and class. */
export function answersQuestion(resp: Buffer, q: Query): boolean {
  if (resp.length < 12 || !(resp.readUInt16BE(2) & 0x8000)) return false;
  // FORMERR and the like may come back without the question.
  if (resp.readUInt16BE(4) === 0) return true;
  if (resp.length < q.questionEnd) return false;
  for (let i = 12; i < q.questionEnd; i++) {
    let a = resp[i];
    let b = q.raw[i];
    if (a >= 65 && a <= 90) a += 32;
    if (b >= 65 && b <= 90) b += 32;
    if (a !== b) return false;
  }
  return true;
}

export interface ForwarderOptions {
  upstreams: Upstream[];
  /** Per upstream attempt (UDP, and the TCP retry). */
  timeoutMs?: number;
  /** How long an upstream that failed stays at the back of the line. */
  failurePenaltyMs?: number;
  log?: Logger;
}

export class Forwarder {
  private readonly upstreams: Upstream[];
  private readonly channels: UdpChannel[];
  private readonly failedAt: number[];
  private readonly timeoutMs: number;
  private readonly penaltyMs: number;
  private readonly closing = new AbortController();
  private readonly log?: Logger;

  constructor(opts: ForwarderOptions) {
    this.log = opts.log;
    this.upstreams = opts.upstreams;
    this.channels = opts.upstreams.map((u) => new UdpChannel(u));
    this.failedAt = opts.upstreams.map(() => 0);
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.penaltyMs = opts.failurePenaltyMs ?? 10_000;
  }

  get size(): number {
    return this.upstreams.length;
  }

  /**
   * The upstream's response (with the client's ID back in place), or undefined when every
   * upstream failed. A client that came over TCP is forwarded over TCP.
   */
  async forward(q: Query, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const now = Date.now();
    // Healthy upstreams first, in the order given; recently failed ones after them.
    const order = this.upstreams.map((_, i) => i).sort((a, b) => Number(now - this.failedAt[a] < this.penaltyMs) - Number(now - this.failedAt[b] < this.penaltyMs) || a - b);
    for (const i of order) {
      if (this.closing.signal.aborted) return undefined;
      try {
        let resp = transport === 'tcp' ? await tcpExchange(this.upstreams[i], q, this.timeoutMs, this.closing.signal) : await this.channels[i].exchange(q, this.timeoutMs);
        if (transport === 'udp' && isTruncated(resp)) resp = await tcpExchange(this.upstreams[i], q, this.timeoutMs, this.closing.signal);
        this.failedAt[i] = 0;
        resp.writeUInt16BE(q.id, 0);
        return resp;
      } catch (err) {
        if (this.closing.signal.aborted) return undefined;
        this.failedAt[i] = Date.now();
        this.log?.debug({ upstream: formatUpstream(this.upstreams[i]), err: (err as Error).message }, 'upstream failed; trying the next');
      }
    }
    return undefined;
  }

  close(): void {
    this.closing.abort();
    for (const c of this.channels) c.close();
  }
}
