/**
 * A gRPC client for unary calls over HTTP/2 on a unix socket: all the CRI client needs
 * (every CRI method it uses is unary). It replaces @grpc/grpc-js in the agent, whose
 * channels, name resolvers, load balancers, retries and keepalive machinery cost ~4 MB of
 * RSS to talk to one local socket.
 *
 * What it keeps of gRPC's behaviour: one HTTP/2 connection shared by all calls, opened on
 * first use and again after containerd restarts (GOAWAY, close, error); deadlines sent as
 * `grpc-timeout` and enforced locally (DEADLINE_EXCEEDED); cancellation (CANCELLED);
 * "wait for ready" — while the socket refuses connections a call waits (retrying every
 * 100 ms to 1 s) until its deadline instead of failing at once with UNAVAILABLE; status
 * and message from the trailers (or a trailers-only response); message size limits.
 * Compression is never asked for, so compressed responses are refused.
 */
import http2 from 'node:http2';
import net from 'node:net';
import { GrpcCode as GrpcStatus } from './cri-errors.js';

/** A call's failure: the gRPC status code and message. */
export class GrpcCallError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(details);
  }
}

export interface UnaryChannelOptions {
  /** Absolute path of the unix socket. */
  socketPath: string;
  /** Wait for the socket to accept connections (within the deadline) instead of failing with UNAVAILABLE. */
  waitForReady: boolean;
  /** Largest message sent or accepted, in bytes. */
  maxMessageBytes: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export interface UnaryCall {
  /** e.g. `/runtime.v1.RuntimeService/Version` */
  path: string;
  /** The serialized request message. */
  request: Buffer;
  /** Epoch ms. */
  deadline: number;
  signal?: AbortSignal;
}

// gRPC over HTTP/2: HTTP statuses that carry no gRPC status map to these codes.
function statusFromHttp(status: number): number {
  if (status === 400) return GrpcStatus.INTERNAL;
  if (status === 401) return GrpcStatus.UNAUTHENTICATED;
  if (status === 403) return GrpcStatus.PERMISSION_DENIED;
  if (status === 404) return GrpcStatus.UNIMPLEMENTED;
  if ([429, 502, 503, 504].includes(status)) return GrpcStatus.UNAVAILABLE;
  return GrpcStatus.UNKNOWN;
}

/** grpc-message is percent-encoded UTF-8. */
function decodeMessage(v: unknown): string {
  const s = Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : '';
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class UnaryChannel {
  private session?: http2.ClientHttp2Session;
  private connecting?: Promise<http2.ClientHttp2Session>;
  private readonly active = new Set<http2.ClientHttp2Stream>();
  private closed = false;

  constructor(private readonly o: UnaryChannelOptions) {}

  /** Ends the connection; calls in flight fail with CANCELLED, later calls at once. */
  close(): void {
    this.closed = true;
    for (const s of this.active) s.close(http2.constants.NGHTTP2_CANCEL);
    this.session?.destroy();
    this.session = undefined;
  }

  /** Sends one request message; resolves with the response message. Rejects with GrpcCallError. */
  async call(c: UnaryCall): Promise<Buffer> {
    if (c.request.length > this.o.maxMessageBytes) {
      throw new GrpcCallError(GrpcStatus.RESOURCE_EXHAUSTED, `request message larger than max (${c.request.length} vs. ${this.o.maxMessageBytes})`);
    }
    // A stream the server refused before it read it (a connection that was going away as
    // containerd restarted) is sent again on a new connection, as gRPC's transparent retry does.
    for (let attempt = 0; ; attempt++) {
      const session = await this.connect(c.deadline, c.signal);
      try {
        return await this.exchange(session, c);
      } catch (err) {
        if (!(err instanceof Refused) || attempt >= 2) throw err instanceof Refused ? err.failure : err;
        if (this.session === session) this.session = undefined;
      }
    }
  }

  private usable(s: http2.ClientHttp2Session | undefined): s is http2.ClientHttp2Session {
    return !!s && !s.closed && !s.destroyed;
  }

  /** The shared connection, opened (and, with waitForReady, waited for) as needed. */
  private async connect(deadline: number, signal?: AbortSignal): Promise<http2.ClientHttp2Session> {
    let backoff = this.o.reconnectMinMs ?? 100;
    for (;;) {
      if (this.closed) throw new GrpcCallError(GrpcStatus.CANCELLED, 'channel closed');
      if (signal?.aborted) throw new GrpcCallError(GrpcStatus.CANCELLED, 'cancelled on client');
      if (this.usable(this.session)) return this.session;
      try {
        this.connecting ??= this.open().finally(() => (this.connecting = undefined));
        return await this.connecting;
      } catch (err) {
        const left = deadline - Date.now();
        if (!this.o.waitForReady) throw new GrpcCallError(GrpcStatus.UNAVAILABLE, `no connection to ${this.o.socketPath}: ${(err as Error).message}`);
        if (left <= 0) throw new GrpcCallError(GrpcStatus.DEADLINE_EXCEEDED, `deadline exceeded waiting for ${this.o.socketPath}: ${(err as Error).message}`);
        await delay(Math.min(backoff, left));
        backoff = Math.min(backoff * 2, this.o.reconnectMaxMs ?? 1000);
      }
    }
  }

  private open(): Promise<http2.ClientHttp2Session> {
    return new Promise((resolve, reject) => {
      const session = http2.connect('http://localhost', { createConnection: () => net.connect(this.o.socketPath) });
      const onError = (err: Error) => {
        session.destroy();
        reject(err);
      };
      session.once('error', onError);
      session.once('connect', () => {
        session.off('error', onError);
        // A session that fails or is told to go away is dropped; the next call opens another.
        const drop = () => {
          if (this.session === session) this.session = undefined;
        };
        session.on('error', drop);
        session.on('goaway', drop);
        session.on('close', drop);
        if (this.closed) {
          session.destroy();
          return reject(new Error('channel closed'));
        }
        // Like grpc-js, an idle connection does not keep the process alive.
        session.unref();
        this.session = session;
        resolve(session);
      });
    });
  }

  private exchange(session: http2.ClientHttp2Session, c: UnaryCall): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const left = Math.max(1, c.deadline - Date.now());
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request({
          ':method': 'POST',
          ':path': c.path,
          'content-type': 'application/grpc',
          te: 'trailers',
          'grpc-timeout': `${left}m`,
        });
      } catch (err) {
        // The session went away between connect() and here: nothing was sent.
        return reject(new Refused(new GrpcCallError(GrpcStatus.UNAVAILABLE, `connection lost: ${(err as Error).message}`)));
      }
      this.active.add(stream);
      session.ref();
      let httpStatus = 0;
      let code: number | undefined;
      let details = '';
      let failure: GrpcCallError | undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      const fail = (e: GrpcCallError) => {
        failure ??= e;
        stream.close(http2.constants.NGHTTP2_CANCEL);
      };
      const onAbort = () => fail(new GrpcCallError(GrpcStatus.CANCELLED, 'cancelled on client'));
      const timer = setTimeout(() => fail(new GrpcCallError(GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded')), left);
      c.signal?.addEventListener('abort', onAbort, { once: true });
      const status = (h: http2.IncomingHttpHeaders) => {
        if (h['grpc-status'] !== undefined) {
          code = Number(h['grpc-status']);
          details = decodeMessage(h['grpc-message']);
        }
      };
      stream.on('response', (h) => {
        httpStatus = Number(h[':status']);
        status(h); // a trailers-only response (errors) carries the status here
      });
      stream.on('trailers', status);
      stream.on('data', (d: Buffer) => {
        size += d.length;
        if (size > this.o.maxMessageBytes + 5) fail(new GrpcCallError(GrpcStatus.RESOURCE_EXHAUSTED, `response message larger than max (${this.o.maxMessageBytes})`));
        else chunks.push(d);
      });
      stream.on('error', (err) => {
        failure ??= new GrpcCallError(GrpcStatus.UNAVAILABLE, `connection lost: ${err.message}`);
      });
      stream.end(frame(c.request));
      stream.once('close', () => {
        clearTimeout(timer);
        c.signal?.removeEventListener('abort', onAbort);
        this.active.delete(stream);
        if (this.active.size === 0 && !session.destroyed) session.unref();
        if (failure && !httpStatus && stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) return reject(new Refused(failure));
        if (failure) return reject(failure);
        if (this.closed && code === undefined) return reject(new GrpcCallError(GrpcStatus.CANCELLED, 'channel closed'));
        if (code === undefined) {
          if (httpStatus && httpStatus !== 200) return reject(new GrpcCallError(statusFromHttp(httpStatus), `HTTP status ${httpStatus}`));
          return reject(new GrpcCallError(GrpcStatus.UNAVAILABLE, 'stream ended without a gRPC status'));
        }
        if (code !== GrpcStatus.OK) return reject(new GrpcCallError(code, details));
        try {
          resolve(unframe(Buffer.concat(chunks)));
        } catch (err) {
          reject(err);
        }
      });
    });
  }
}

/** A call the server never saw: safe to send again. */
class Refused extends Error {
  constructor(readonly failure: GrpcCallError) {
    super(failure.message);
  }
}

/** Length-prefixed message: 1 byte compressed flag (0), 4 bytes big-endian length. */
function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

function unframe(body: Buffer): Buffer {
  if (body.length < 5) throw new GrpcCallError(GrpcStatus.INTERNAL, 'response has no message');
  if (body[0] !== 0) throw new GrpcCallError(GrpcStatus.INTERNAL, 'compressed response message, but no compression was offered');
  const len = body.readUInt32BE(1);
  if (body.length < 5 + len) throw new GrpcCallError(GrpcStatus.INTERNAL, 'response message truncated');
  return body.subarray(5, 5 + len);
}
