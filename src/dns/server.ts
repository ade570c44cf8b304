/**
 * The cluster DNS server (CoreDNS with the kubernetes and forward plugins, in one class):
 * answers the cluster domain from informers on Services, EndpointSlices and Namespaces,
 * forwards everything else to upstream resolvers, on UDP and TCP at each listen address.
 *
 * Until the informers have synced, names in the cluster domain get SERVFAIL rather than a
 * negative answer a client would cache; forwarding works from the first packet.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import type { Namespace, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Client } from '../client/client.js';
import type { ClientConfig } from '../client/config.js';
import { Informer } from '../client/informer.js';
import type { Logger } from '../machinery/log.js';
import { Forwarder, formatUpstream, parseUpstream } from './forwarder.js';
import { ClusterRecords, SERVICE_NAME_LABEL } from './records.js';
import { CLASS_ANY, CLASS_IN, RCODE, TYPE, encodeResponse, errorResponse, formatErrorResponse, maxResponseSize, parseQuery, truncateForwarded, type Query } from './wire.js';

export interface ListenAddress {
  host: string;
  /** 0: any free port (the same one for UDP and TCP). */
  port: number;
}

export interface DnsServerOptions {
  client: ClientConfig;
  log: Logger;
  listen: ListenAddress[];
  clusterDomain?: string;
  /** `host:port` resolvers for names outside the cluster domain; none: those get SERVFAIL. */
  upstreams?: string[];
  /** TTL of cluster answers, seconds (CoreDNS default and minimum 5). */
  ttl?: number;
  /** Per-upstream attempt timeout. */
  upstreamTimeoutMs?: number;
  /** Idle TCP connections are closed after this long (RFC 7766 suggests seconds). */
  tcpIdleTimeoutMs?: number;
  /** Cluster answers kept ready-encoded (0: none); emptied whenever the zone changes. */
  responseCacheSize?: number;
}

export interface DnsStats {
  queries: number;
  answered: number;
  forwarded: number;
  servfail: number;
  formerr: number;
  dropped: number;
  cacheHits: number;
}

type Respond = (resp: Buffer) => void;

export class DnsServer {
  readonly records: ClusterRecords;
  readonly stats: DnsStats = { queries: 0, answered: 0, forwarded: 0, servfail: 0, formerr: 0, dropped: 0, cacheHits: 0 };
  /** Resolves when every socket listens and the informers have synced. */
  readonly ready: Promise<void>;
  private readyResolve!: () => void;
  private readyReject!: (e: Error) => void;
  private readonly log: Logger;
  private readonly opts: DnsServerOptions;
  private readonly forwarder: Forwarder;
  private synced = false;
  private closed = false;
  private bound: ListenAddress[] = [];
  private readonly udp: UdpSocket[] = [];
  private readonly tcp: TcpServer[] = [];
  private readonly conns = new Set<TcpSocket>();
  /**
   * Encoded cluster answers by the query's bytes after its ID (so by name as cased, type,
   * flags and EDNS), per transport: a repeated question skips parsing, lookup and encoding.
   * Valid for one generation of the zone; any change empties it, so it is never stale.
   */
  private readonly cache = new Map<string, Buffer>();
  private cacheGeneration = -1;
  private readonly cacheSize: number;

  constructor(opts: DnsServerOptions) {
    this.opts = opts;
    this.log = opts.log.child({ component: 'dns' });
    this.records = new ClusterRecords({ domain: opts.clusterDomain ?? 'cluster.local', ttl: opts.ttl ?? 5 });
    this.cacheSize = opts.responseCacheSize ?? 10_000;
    const upstreams = (opts.upstreams ?? []).map(parseUpstream);
    this.forwarder = new Forwarder({ upstreams, timeoutMs: opts.upstreamTimeoutMs, log: this.log });
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    // Nobody has to await ready: a start-up failure is also thrown from run().
    this.ready.catch(() => undefined);
  }

  /** Where the server listens (with the ports chosen when 0 was asked); set once ready. */
  get addresses(): ListenAddress[] {
    return [...this.bound];
  }

  async run(signal: AbortSignal): Promise<void> {
    const client = new Client({ ...this.opts.client, userAgent: this.opts.client.userAgent ?? 'orch-dns' });
    const informers = this.startInformers(client, signal);
    try {
      for (const addr of this.opts.listen) this.bound.push(await this.listen(addr));
      for (const a of this.bound) for (const u of this.opts.upstreams ?? []) if (u === formatUpstream(a)) this.log.warn({ upstream: u }, 'upstream is this server itself: queries to it would loop');
      this.log.info({ listen: this.bound.map(formatUpstream), domain: this.records.domain, upstreams: this.opts.upstreams ?? [] }, 'dns listening');
      await Promise.race([Promise.all(informers.map((i) => i.synced)), aborted(signal)]);
      if (!signal.aborted) {
        this.synced = true;
        this.readyResolve();
        await aborted(signal);
      }
    } catch (err) {
      this.readyReject(err as Error);
      throw err;
    } finally {
      this.readyReject(new Error('dns server stopped'));
      await this.shutdown();
      await Promise.allSettled(informers.map((i) => i.done));
      client.close();
    }
  }

  private startInformers(client: Client, signal: AbortSignal): { synced: Promise<void>; done: Promise<void> }[] {
    const r = this.records;
    const services = new Informer<Service>(client.services, { log: this.log });
    services.on({ add: (s) => r.setService(s), update: (_o, s) => r.setService(s), delete: (s) => r.deleteService(s.metadata!.namespace!, s.metadata!.name!) });
    // Only slices that belong to a Service (the label the EndpointSlice controller sets).
    const slices = new Informer<EndpointSlice>(client.endpointSlices, { labelSelector: SERVICE_NAME_LABEL, log: this.log });
    slices.on({
      add: (s) => r.setEndpointSlice(s),
      update: (old, s) => {
        // A slice relabelled to another Service leaves the first one.
        if (old.metadata?.labels?.[SERVICE_NAME_LABEL] !== s.metadata?.labels?.[SERVICE_NAME_LABEL]) r.deleteEndpointSlice(old);
        r.setEndpointSlice(s);
      },
      delete: (s) => r.deleteEndpointSlice(s),
    });
    const namespaces = new Informer<Namespace>(client.namespaces, { log: this.log });
    namespaces.on({ add: (n) => r.setNamespace(n.metadata!.name!), delete: (n) => r.deleteNamespace(n.metadata!.name!) });
    return [services, slices, namespaces].map((inf) => ({ synced: inf.synced, done: inf.run(signal) }));
  }

  // ---- sockets -------------------------------------------------------------------------------

  private async listen(addr: ListenAddress): Promise<ListenAddress> {
    // With port 0, take the UDP port the kernel picks and ask for the same one over TCP;
    // retry if something else holds that TCP port.
    for (let attempt = 0; ; attempt++) {
      const udp = await this.bindUdp(addr.host, addr.port);
      const port = udp.address().port;
      try {
        const tcp = await this.bindTcp(addr.host, port);
        this.udp.push(udp);
        this.tcp.push(tcp);
        return { host: addr.host, port };
      } catch (err) {
        udp.close();
        if (addr.port !== 0 || attempt >= 20 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
  }

  private bindUdp(host: string, port: number): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const s = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
      s.once('error', reject);
      s.bind(port, host, () => {
        s.off('error', reject);
        s.on('error', (err) => this.log.warn({ err: err.message }, 'udp socket error'));
        s.on('message', (msg, rinfo) =>
          this.handle(msg, 'udp', (resp) => {
            // An upstream answer can come back after shutdown closed the socket.
            if (this.closed) return;
            try {
              s.send(resp, rinfo.port, rinfo.address, () => undefined);
            } catch (err) {
              this.log.debug({ err: (err as Error).message }, 'udp send failed');
            }
          }),
        );
        resolve(s);
      });
    });
  }

  private bindTcp(host: string, port: number): Promise<TcpServer> {
    return new Promise((resolve, reject) => {
      const srv = createServer({ allowHalfOpen: true }, (sock) => this.onConnection(sock));
      srv.maxConnections = 1000;
      srv.once('error', reject);
      srv.listen({ host, port }, () => {
        srv.off('error', reject);
        srv.on('error', (err) => this.log.warn({ err: err.message }, 'tcp server error'));
        resolve(srv);
      });
    });
  }

  private onConnection(sock: TcpSocket): void {
    this.conns.add(sock);
    sock.setNoDelay(true);
    sock.setTimeout(this.opts.tcpIdleTimeoutMs ?? 10_000, () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = Buffer.alloc(0);
    // A client may send its queries and half-close at once: answer them all, then close.
    let pending = 0;
    let ended = false;
    const respond = (resp: Buffer) => {
      pending--;
      if (sock.destroyed) return;
      const frame = Buffer.allocUnsafe(resp.length + 2);
      frame.writeUInt16BE(resp.length, 0);
      resp.copy(frame, 2);
      sock.write(frame);
      if (ended && pending === 0) sock.end();
    };
    sock.on('end', () => {
      ended = true;
      if (pending === 0) sock.end();
    });
    sock.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      // Several queries may come on one connection, pipelined (RFC 7766); answers may be out of order.
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (len < 12) {
          this.stats.dropped++;
          sock.destroy();
          return;
        }
        if (buf.length < len + 2) break;
        const msg = Buffer.from(buf.subarray(2, len + 2));
        buf = buf.subarray(len + 2);
        pending++;
        if (!this.handle(msg, 'tcp', respond)) {
          pending--;
          if (ended && pending === 0) sock.end();
        }
      }
    });
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.forwarder.close();
    for (const s of this.udp) s.close();
    for (const c of this.conns) c.destroy();
    await Promise.all(this.tcp.map((t) => new Promise<void>((r) => t.close(() => r()))));
    this.udp.length = 0;
    this.tcp.length = 0;
  }

  // ---- queries -------------------------------------------------------------------------------

  /**
   * Answers one message, at once or (forwarded) later; false when it is dropped without
   * an answer. Never throws: a bad packet must not take the server down.
   */
  handle(msg: Buffer, transport: 'udp' | 'tcp', respond: Respond): boolean {
    this.stats.queries++;
    let key: string | undefined;
    if (this.cacheSize > 0 && this.synced && msg.length >= 12 && msg.length <= 512) {
      if (this.cacheGeneration !== this.records.generation) {
        this.cache.clear();
        this.cacheGeneration = this.records.generation;
      }
      key = (transport === 'udp' ? 'u' : 't') + msg.toString('latin1', 2);
      const hit = this.cache.get(key);
      if (hit) {
        const out = Buffer.from(hit);
        out.writeUInt16BE(msg.readUInt16BE(0), 0);
        this.stats.cacheHits++;
        this.stats.answered++;
        respond(out);
        return true;
      }
    }
    const parsed = parseQuery(msg);
    if (!parsed.ok) {
      if (!parsed.reply) {
        this.stats.dropped++;
        return false;
      }
      this.stats.formerr++;
      respond(formatErrorResponse(parsed.id, parsed.flags));
      return true;
    }
    const q = parsed.query;
    try {
      const resp = this.answer(q, transport);
      if (!resp) {
        this.forward(q, transport, respond).catch((err) => this.log.error({ err, name: q.name }, 'forwarding failed'));
        return true;
      }
      if (key && this.cacheGeneration === this.records.generation) {
        if (this.cache.size >= this.cacheSize) this.cache.clear();
        this.cache.set(key, resp);
      }
      respond(resp);
    } catch (err) {
      this.log.error({ err, name: q.name, type: q.type }, 'dns query failed');
      this.stats.servfail++;
      respond(errorResponse(q, RCODE.SERVFAIL));
    }
    return true;
  }

  /** The response when it is ours to give; undefined: forward the query. */
  private answer(q: Query, transport: 'udp' | 'tcp'): Buffer | undefined {
    if (q.opcode !== 0) return errorResponse(q, RCODE.NOTIMP);
    if (q.edns && q.edns.version > 0) return errorResponse(q, RCODE.BADVERS);
    const inZone = this.records.inZone(q.lower);
    if (inZone) {
      if (q.qclass !== CLASS_IN && q.qclass !== CLASS_ANY) return errorResponse(q, RCODE.REFUSED);
      if (q.type === TYPE.AXFR || q.type === TYPE.IXFR) return errorResponse(q, RCODE.REFUSED);
      if (q.type === TYPE.ANY) return errorResponse(q, RCODE.NOTIMP);
      if (!this.synced) {
        this.stats.servfail++;
        return errorResponse(q, RCODE.SERVFAIL);
      }
    } else if (q.qclass !== CLASS_IN || !this.synced) {
      return undefined;
    }
    const ans = this.records.resolve({ name: q.name, lower: q.lower, type: q.type });
    if (!ans) return undefined;
    this.stats.answered++;
    return encodeResponse(q, ans, maxResponseSize(q, transport));
  }

  private async forward(q: Query, transport: 'udp' | 'tcp', respond: Respond): Promise<void> {
    this.stats.forwarded++;
    let resp: Buffer | undefined;
    try {
      resp = this.forwarder.size ? await this.forwarder.forward(q, transport) : undefined;
    } catch (err) {
      this.log.warn({ err, name: q.name }, 'forwarding failed');
    }
    if (!resp) {
      this.stats.servfail++;
      respond(errorResponse(q, RCODE.SERVFAIL));
      return;
    }
    respond(resp.length > maxResponseSize(q, transport) ? truncateForwarded(resp, q.questionEnd) : resp);
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
