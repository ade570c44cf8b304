/**
 * The DNS wire format, as much of it as a cluster DNS server needs: parsing one query
 * (header, one question, the EDNS OPT record) without allocating more than the name, and
 * writing responses with name compression and truncation at record boundaries.
 *
 * Queries are parsed by hand rather than with dns-packet because the hot path only needs
 * the question, must survive any byte string thrown at it, and must echo the question
 * exactly as sent (case included); responses are written by hand because dns-packet does
 * not compress names, and compression is what lets a headless Service with dozens of
 * endpoints fit in a 512-byte UDP answer.
 */
import { isIPv4, isIPv6 } from 'node:net';

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, IXFR: 251, AXFR: 252, ANY: 255 } as const;
export const CLASS_IN = 1;
export const CLASS_ANY = 255;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;

const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const RA = 0x0080;
const CD = 0x0010;

/** The UDP payload size we advertise and the most we send over UDP (DNS flag day 2020). */
export const EDNS_UDP_SIZE = 1232;
/** A DNS message over UDP without EDNS, and the floor for any client. */
export const CLASSIC_UDP_SIZE = 512;
const OPT_RR_SIZE = 11;
const MAX_MESSAGE = 65535;

export interface Edns {
  udpSize: number;
  version: number;
  dnssecOk: boolean;
}

export interface Query {
  id: number;
  /** The header's second 16 bits (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode). */
  flags: number;
  opcode: number;
  /** Labels as sent (case kept, for echoing); `lower` is the same, ASCII lower-cased. */
  labels: string[];
  lower: string[];
  /** labels.join('.'): the query name without the trailing dot, '' for the root. */
  name: string;
  type: number;
  qclass: number;
  /** Offset just past the question: raw[12, questionEnd) is the question as sent. */
  questionEnd: number;
  edns?: Edns;
  raw: Buffer;
}

/** Why a message gets no normal answer: dropped silently, or answered with FORMERR. */
export type ParseResult = { ok: true; query: Query } | { ok: false; reply: false } | { ok: false; reply: true; id: number; flags: number };

/**
 * Parses a query. Responses (QR set) and messages shorter than a header are dropped, so
 * that two servers misconfigured to query each other cannot ping-pong errors forever; any
 * other malformation gets FORMERR.
 */
export function parseQuery(raw: Buffer): ParseResult {
  if (raw.length < 12) return { ok: false, reply: false };
  const id = raw.readUInt16BE(0);
  const flags = raw.readUInt16BE(2);
  if (flags & QR) return { ok: false, reply: false };
  const formerr = { ok: false, reply: true, id, flags } as const;
  const qd = raw.readUInt16BE(4);
  const an = raw.readUInt16BE(6);
  const ns = raw.readUInt16BE(8);
  const ar = raw.readUInt16BE(10);
  if (qd !== 1) return formerr;
  const labels: string[] = [];
  const lower: string[] = [];
  let off = 12;
  let nameLen = 1;
  for (;;) {
    if (off >= raw.length) return formerr;
    const len = raw[off++];
    if (len === 0) break;
    // Compression pointers cannot occur in the first name of a message (they point back).
    if (len & 0xc0 || off + len > raw.length) return formerr;
    nameLen += len + 1;
    if (nameLen > 255) return formerr;
    const label = raw.toString('latin1', off, off + len);
    labels.push(label);
    lower.push(asciiLower(label));
    off += len;
  }
  if (off + 4 > raw.length) return formerr;
  const type = raw.readUInt16BE(off);
  const qclass = raw.readUInt16BE(off + 2);
  off += 4;
  const questionEnd = off;
  let edns: Edns | undefined;
  // Queries carry no answers or authorities in practice (UPDATE aside); skip them if present.
  for (let i = 0; i < an + ns + ar; i++) {
    const nameEnd = skipName(raw, off);
    if (nameEnd < 0 || nameEnd + 10 > raw.length) return formerr;
    const rtype = raw.readUInt16BE(nameEnd);
    const rdlen = raw.readUInt16BE(nameEnd + 8);
    if (nameEnd + 10 + rdlen > raw.length) return formerr;
    if (i >= an + ns && rtype === TYPE.OPT) {
      // More than one OPT, or one not owned by the root, is FORMERR (RFC 6891 6.1.1).
      if (edns || nameEnd !== off + 1) return formerr;
      const ttl = raw.readUInt32BE(nameEnd + 4);
      edns = { udpSize: raw.readUInt16BE(nameEnd + 2), version: (ttl >>> 16) & 0xff, dnssecOk: (ttl & 0x8000) !== 0 };
    }
    off = nameEnd + 10 + rdlen;
  }
  return { ok: true, query: { id, flags, opcode: (flags >> 11) & 0xf, labels, lower, name: labels.join('.'), type, qclass, questionEnd, edns, raw } };
}

/** Offset just past a (possibly compressed) name, or -1 if it runs off the message. */
function skipName(buf: Buffer, off: number): number {
  for (let hops = 0; hops < 128; hops++) {
    if (off >= buf.length) return -1;
    const len = buf[off];
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= buf.length ? off + 2 : -1;
    if (len & 0xc0) return -1;
    off += len + 1;
  }
  return -1;
}

export function asciiLower(s: string): string {
  // Fast path: DNS names are almost always lower case already.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  }
  return s;
}

/** The most a response to this query may carry: UDP limited by the client's EDNS size. */
export function maxResponseSize(q: Pick<Query, 'edns'>, transport: 'udp' | 'tcp'): number {
  if (transport === 'tcp') return MAX_MESSAGE;
  if (!q.edns) return CLASSIC_UDP_SIZE;
  return Math.max(CLASSIC_UDP_SIZE, Math.min(q.edns.udpSize, 4096));
}

// ---- resource records --------------------------------------------------------------------

export type ResourceRecord =
  | { name: string; ttl: number; type: 'A' | 'AAAA'; address: string }
  | { name: string; ttl: number; type: 'CNAME' | 'PTR' | 'NS'; target: string }
  | { name: string; ttl: number; type: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { name: string; ttl: number; type: 'SOA'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  | { name: string; ttl: number; type: 'TXT'; text: string[] };

export interface Answer {
  rcode: number;
  authoritative: boolean;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

class Overflow extends Error {}

/**
 * Writes one message into a shared 64 KiB scratch buffer (one thread, synchronous: no
 * two messages are ever written at once), compressing names against every name written
 * before them.
 */
class MessageWriter {
  private readonly buf = Buffer.allocUnsafe(MAX_MESSAGE);
  off = 0;
  private readonly names = new Map<string, number>();

  reset(): void {
    this.off = 0;
    this.names.clear();
  }

  private room(n: number): void {
    if (this.off + n > MAX_MESSAGE) throw new Overflow();
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.off++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.buf.writeUInt16BE(v, this.off);
    this.off += 2;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32BE(v >>> 0, this.off);
    this.off += 4;
  }

  copy(src: Buffer, start: number, end: number): void {
    this.room(end - start);
    src.copy(this.buf, this.off, start, end);
    this.off += end - start;
  }

  setU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at);
  }

  /**
   * Makes the suffixes of the question name (at offset 12, as sent) available as
   * compression targets. Skipped if a label holds a dot: its text form would lie.
   */
  remember(labels: string[], lowerName: string): void {
    let off = 12;
    let pos = 0;
    for (const l of labels) {
      if (l.includes('.')) return;
      const key = pos === 0 ? lowerName : lowerName.substring(pos);
      if (!this.names.has(key)) this.names.set(key, off);
      off += l.length + 1;
      pos += l.length + 1;
    }
  }

  name(n: string, compress = true): void {
    const lower = asciiLower(n);
    let pos = 0;
    // Once a suffix is known, so are all shorter ones (every name written registers all
    // of its suffixes): no need to look them up.
    let lookup = true;
    while (pos < n.length) {
      if (lookup) {
        const key = pos === 0 ? lower : lower.substring(pos);
        const ptr = this.names.get(key);
        if (ptr !== undefined) {
          if (compress) {
            this.u16(0xc000 | ptr);
            return;
          }
          lookup = false;
        } else if (this.off < 0x4000) this.names.set(key, this.off);
      }
      let dot = n.indexOf('.', pos);
      if (dot < 0) dot = n.length;
      const len = dot - pos;
      if (len === 0 || len > 63) throw new Error(`invalid DNS label in ${JSON.stringify(n)}`);
      this.room(len + 1);
      this.buf[this.off++] = len;
      // Names here are ASCII (or latin1 from a query): one byte per character.
      for (let i = pos; i < dot; i++) this.buf[this.off++] = n.charCodeAt(i);
      pos = dot + 1;
    }
    this.u8(0);
  }

  record(rr: ResourceRecord): void {
    this.name(rr.name);
    this.u16(TYPE[rr.type]);
    this.u16(CLASS_IN);
    this.u32(rr.ttl);
    const lenAt = this.off;
    this.u16(0);
    const start = this.off;
    switch (rr.type) {
      case 'A':
        this.room(4);
        writeIPv4(rr.address, this.buf, this.off);
        this.off += 4;
        break;
      case 'AAAA':
        this.room(16);
        writeIPv6(rr.address, this.buf, this.off);
        this.off += 16;
        break;
      case 'CNAME':
      case 'PTR':
      case 'NS':
        this.name(rr.target);
        break;
      case 'SRV':
        this.u16(rr.priority);
        this.u16(rr.weight);
        this.u16(rr.port);
        // RFC 2782: the target is not compressed (old clients cannot follow pointers here).
        this.name(rr.target, false);
        break;
      case 'SOA':
        this.name(rr.mname);
        this.name(rr.rname);
        this.u32(rr.serial);
        this.u32(rr.refresh);
        this.u32(rr.retry);
        this.u32(rr.expire);
        this.u32(rr.minimum);
        break;
      case 'TXT':
        for (const t of rr.text) {
          const b = Buffer.from(t, 'utf8').subarray(0, 255);
          this.u8(b.length);
          this.copy(b, 0, b.length);
        }
        break;
    }
    this.setU16(lenAt, this.off - start);
  }

  /** A copy of what was written up to `end`. */
  take(end = this.off): Buffer {
    return Buffer.from(this.buf.subarray(0, end));
  }
}

const writer = new MessageWriter();

function responseFlags(q: Pick<Query, 'flags'>, rcode: number, authoritative: boolean): number {
  // Opcode, RD and CD are copied from the query; we always offer recursion (forwarding).
  return QR | (q.flags & 0x7800) | (authoritative ? AA : 0) | (q.flags & RD) | RA | (q.flags & CD) | (rcode & 0xf);
}

function writeOpt(w: MessageWriter, q: Query, rcode: number): void {
  w.u8(0);
  w.u16(TYPE.OPT);
  w.u16(EDNS_UDP_SIZE);
  // TTL field: extended rcode, version 0, DO copied from the query (RFC 3225), no options.
  w.u32(((rcode >> 4) << 24) | (q.edns!.dnssecOk ? 0x8000 : 0));
  w.u16(0);
}

/**
 * Encodes the answer to `q`, never longer than `maxSize`. Too big for the limit: the
 * additional section is cut first (no TC: it is optional data); if the answers themselves
 * do not fit, as many whole answers as fit are kept and TC tells the client to retry over
 * TCP. The OPT record is always kept.
 */
export function encodeResponse(q: Query, answer: Answer, maxSize: number): Buffer {
  const w = writer;
  w.reset();
  const limit = maxSize - (q.edns ? OPT_RR_SIZE : 0);
  w.u16(q.id);
  w.u16(responseFlags(q, answer.rcode, answer.authoritative));
  w.u16(1);
  w.u16(0);
  w.u16(0);
  w.u16(0);
  w.copy(q.raw, 12, q.questionEnd);
  w.remember(q.labels, q.lower.join('.'));
  const sections = [answer.answers, answer.authorities, answer.additionals];
  // ends[s][i]: the message length after record i of section s.
  const ends: number[][] = [[], [], []];
  let overflow = false;
  try {
    for (let s = 0; s < 3; s++) {
      for (const rr of sections[s]) {
        w.record(rr);
        ends[s].push(w.off);
        if (w.off > limit) {
          overflow = true;
          break;
        }
      }
      if (overflow) break;
    }
  } catch (err) {
    if (!(err instanceof Overflow)) throw err;
    overflow = true;
  }
  const counts = [ends[0].length, ends[1].length, ends[2].length];
  let end = w.off;
  let truncated = false;
  if (overflow) {
    // Keep the longest prefix of whole records that fits; only losing answers or
    // authorities (not additionals) sets TC.
    const fits = (s: number) => ends[s].filter((e) => e <= limit).length;
    counts[0] = fits(0);
    truncated = counts[0] < answer.answers.length;
    counts[1] = truncated ? 0 : fits(1);
    truncated ||= counts[1] < answer.authorities.length;
    counts[2] = truncated ? 0 : fits(2);
    const last = counts[2] ? ends[2][counts[2] - 1] : counts[1] ? ends[1][counts[1] - 1] : counts[0] ? ends[0][counts[0] - 1] : q.questionEnd;
    end = last;
  }
  w.off = end;
  if (q.edns) {
    writeOpt(w, q, answer.rcode);
    counts[2]++;
  }
  w.setU16(2, responseFlags(q, answer.rcode, answer.authoritative) | (truncated ? TC : 0));
  w.setU16(6, counts[0]);
  w.setU16(8, counts[1]);
  w.setU16(10, counts[2]);
  return w.take();
}

/** An answer-less response (SERVFAIL, REFUSED, NOTIMP...) echoing the question. */
export function errorResponse(q: Query, rcode: number): Buffer {
  return encodeResponse(q, { rcode, authoritative: false, answers: [], authorities: [], additionals: [] }, MAX_MESSAGE);
}

/** FORMERR for a query whose question could not be read: a bare header. */
export function formatErrorResponse(id: number, flags: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(responseFlags({ flags }, RCODE.FORMERR, false), 2);
  return b;
}

/**
 * A forwarded response too big for the client's UDP limit: its header with TC set and
 * its question, so that the client retries over TCP.
 */
export function truncateForwarded(resp: Buffer, questionEnd: number): Buffer {
  const out = Buffer.from(resp.subarray(0, Math.min(questionEnd, resp.length)));
  out.writeUInt16BE(out.readUInt16BE(2) | TC, 2);
  out.writeUInt16BE(out.length >= questionEnd ? 1 : 0, 4);
  out.fill(0, 6, 12);
  return out;
}

export function isTruncated(resp: Buffer): boolean {
  return resp.length >= 4 && (resp.readUInt16BE(2) & TC) !== 0;
}

// ---- addresses -----------------------------------------------------------------------------

function writeIPv4(ip: string, buf: Buffer, off: number): void {
  let part = 0;
  let n = 0;
  for (let i = 0; i <= ip.length; i++) {
    const c = i < ip.length ? ip.charCodeAt(i) : 46;
    if (c === 46) {
      buf[off + part++] = n;
      n = 0;
    } else n = n * 10 + (c - 48);
  }
}

/** The 16 bytes of an IPv6 address (with `::` and a dotted IPv4 tail allowed). */
export function ipv6Bytes(ip: string): Buffer {
  const out = Buffer.alloc(16);
  writeIPv6(ip, out, 0);
  return out;
}

function writeIPv6(ip: string, buf: Buffer, off: number): void {
  if (!isIPv6(ip)) throw new Error(`invalid IPv6 address ${JSON.stringify(ip)}`);
  const groups = (s: string): number[] => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        const b = g.split('.').map(Number);
        out.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  for (let i = 0; i < 8; i++) buf.writeUInt16BE(all[i], off + i * 2);
}

/** A canonical key for an IP (v4 dotted, v6 as 32 hex digits), or undefined if not an IP. */
export function ipKey(ip: string): string | undefined {
  if (isIPv4(ip)) return ip;
  if (isIPv6(ip)) return ipv6Bytes(ip).toString('hex');
  return undefined;
}
