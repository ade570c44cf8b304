/**
 * The client side of SPDY/3.1 framing, as much as the Kubernetes remote-command protocol
 * needs to talk to containerd's streaming server: open streams with headers, send data
 * (and half-close with FIN), receive data, answer pings.
 *
 * Why it exists: containerd 1.6 speaks WebSocket only up to v4.channel.k8s.io, which cannot
 * say "stdin ended"; over SPDY a stream half-closes with FIN, so `kubectl exec -i … cat`
 * sees end-of-input. Written from the SPDY/3 draft's frame layout; no flow control is sent
 * or honoured, because the peer (moby/spdystream) implements none either.
 *
 * Header blocks are zlib streams shared across the connection. Ours are written as
 * uncompressed "stored" deflate blocks (valid zlib, no dictionary needed); the peer's
 * header blocks are skipped unread, as nothing in them is needed here.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';

const VERSION = 3;
const TYPE_SYN_STREAM = 1;
const TYPE_SYN_REPLY = 2;
const TYPE_RST_STREAM = 3;
const TYPE_PING = 6;
const TYPE_GOAWAY = 7;
const FLAG_FIN = 0x01;
const MAX_DATA = 0xffffff;
const SYNC_FLUSH = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

export interface SpdyStream {
  id: number;
  /** Resolves when the peer replied (data sent before the reply would be dropped by it). */
  replied: Promise<void>;
  write(data: Buffer): void;
  /** Half-closes our side (FIN). */
  end(): void;
}

/**
 * Events: `data` (streamId, Buffer), `fin` (streamId), `reset` (streamId, status),
 * `close` (the connection ended).
 */
export class SpdySession extends EventEmitter {
  private nextId = 1;
  private buf: Buffer = Buffer.alloc(0);
  private headerStarted = false;
  private readonly replies = new Map<number, () => void>();
  private closed = false;

  constructor(private readonly socket: Socket) {
    super();
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
    socket.resume();
  }

  openStream(headers: Record<string, string>, fin = false): SpdyStream {
    const id = this.nextId;
    this.nextId += 2;
    const replied = new Promise<void>((resolve) => this.replies.set(id, resolve));
    const block = this.headerBlock(headers);
    const body = Buffer.alloc(10);
    body.writeUInt32BE(id & 0x7fffffff, 0);
    body.writeUInt32BE(0, 4); // associated-to stream
    body.writeUInt16BE(0, 8); // priority 0, slot 0
    this.control(TYPE_SYN_STREAM, fin ? FLAG_FIN : 0, Buffer.concat([body, block]));
    return {
      id,
      replied,
      write: (data) => {
        for (let off = 0; off < data.length; off += MAX_DATA) this.dataFrame(id, 0, data.subarray(off, off + MAX_DATA));
      },
      end: () => this.dataFrame(id, FLAG_FIN, Buffer.alloc(0)),
    };
  }

  close(): void {
    this.socket.destroy();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.replies.values()) r();
    this.emit('close');
  }

  /** A header block: count, then length-prefixed names and values, in a stored deflate block. */
  private headerBlock(headers: Record<string, string>): Buffer {
    const parts: Buffer[] = [];
    const u32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    const entries = Object.entries(headers);
    parts.push(u32(entries.length));
    for (const [k, v] of entries) {
      const name = Buffer.from(k.toLowerCase());
      const value = Buffer.from(v);
      parts.push(u32(name.length), name, u32(value.length), value);
    }
    const raw = Buffer.concat(parts);
    // Stored block: BFINAL=0 BTYPE=00 (then byte-aligned), LEN, NLEN (little-endian).
    const stored = Buffer.alloc(5);
    stored[0] = 0;
    stored.writeUInt16LE(raw.length, 1);
    stored.writeUInt16LE(~raw.length & 0xffff, 3);
    // The zlib header (deflate, 32K window, no preset dictionary) opens the connection's stream.
    const prefix = this.headerStarted ? Buffer.alloc(0) : Buffer.from([0x78, 0x01]);
    this.headerStarted = true;
    // An empty stored block after it, as a zlib sync flush writes: Go's inflater hands out a
    // block's bytes only when the next block header is readable within the same frame.
    return Buffer.concat([prefix, stored, raw, SYNC_FLUSH]);
  }

  private control(type: number, flags: number, body: Buffer): void {
    if (this.closed) return;
    const h = Buffer.alloc(8);
    h.writeUInt16BE(0x8000 | VERSION, 0);
    h.writeUInt16BE(type, 2);
    h.writeUInt32BE(((flags & 0xff) << 24) | body.length, 4);
    this.socket.write(Buffer.concat([h, body]));
  }

  private dataFrame(id: number, flags: number, data: Buffer): void {
    if (this.closed) return;
    const h = Buffer.alloc(8);
    h.writeUInt32BE(id & 0x7fffffff, 0);
    h.writeUInt32BE(((flags & 0xff) << 24) | data.length, 4);
    this.socket.write(Buffer.concat([h, data]));
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) return;
      const first = this.buf.readUInt32BE(0);
      const flags = this.buf[4];
      const body = this.buf.subarray(8, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      if (first & 0x80000000) this.onControl(first & 0xffff, flags, body);
      else {
        const id = first & 0x7fffffff;
        if (body.length) this.emit('data', id, Buffer.from(body));
        if (flags & FLAG_FIN) this.emit('fin', id);
      }
    }
  }

  private onControl(type: number, flags: number, body: Buffer): void {
    switch (type) {
      case TYPE_SYN_REPLY: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        this.replies.get(id)?.();
        this.replies.delete(id);
        if (flags & FLAG_FIN) this.emit('fin', id);
        return;
      }
      case TYPE_RST_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        this.replies.get(id)?.();
        this.replies.delete(id);
        this.emit('reset', id, body.readUInt32BE(4));
        return;
      }
      case TYPE_PING:
        // The peer's pings come back unchanged (we send none of our own).
        this.control(TYPE_PING, 0, Buffer.from(body));
        return;
      case TYPE_GOAWAY:
        this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS, SYN_STREAM from the peer: nothing to do with them.
        return;
    }
  }
}
