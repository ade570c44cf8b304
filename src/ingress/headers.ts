/**
 * Header rewriting between client and upstream. Headers travel as Node's flat rawHeaders
 * arrays ([name, value, name, value...]) so case and repeated fields (Set-Cookie) survive.
 */

// RFC 9110 §7.6.1 connection-specific fields, plus the non-standard ones proxies still see.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

// Set by the proxy from what it saw itself; a client's own values are dropped, except
// X-Forwarded-For, which is appended to as every proxy in a chain does.
const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip']);

export interface ForwardInfo {
  /** The client's address as the socket reports it. */
  remoteAddress: string | undefined;
  proto: 'http' | 'https';
  /** The port the client connected to. */
  port: number | undefined;
}

/** "::ffff:10.0.0.1" → "10.0.0.1": dual-stack sockets report IPv4 clients mapped. */
export function clientAddress(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** Names listed in Connection headers: more hop-by-hop fields for this message only. */
function connectionTokens(raw: readonly string[]): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length !== 10 || raw[i].toLowerCase() !== 'connection') continue;
    for (const t of raw[i + 1].split(',')) {
      const tok = t.trim().toLowerCase();
      if (tok) (out ??= new Set()).add(tok);
    }
  }
  return out;
}

/**
 * The headers to send upstream. Hop-by-hop fields go (an upgrade keeps its Connection and
 * Upgrade, the handshake needs them); so does Expect, which the proxy's server answered.
 * Host is kept: backends route and build links by it.
 */
export function upstreamRequestHeaders(raw: readonly string[], info: ForwardInfo, upgrade?: string): string[] {
  const extra = connectionTokens(raw);
  const out: string[] = [];
  let xff = '';
  let host = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (lower === 'host') host = raw[i + 1];
    if (lower === 'x-forwarded-for') {
      xff = xff ? `${xff}, ${raw[i + 1]}` : raw[i + 1];
      continue;
    }
    if (HOP_BY_HOP.has(lower) || FORWARDED.has(lower) || lower === 'expect' || extra?.has(lower)) continue;
    out.push(name, raw[i + 1]);
  }
  const ip = clientAddress(info.remoteAddress);
  out.push('X-Forwarded-For', xff ? `${xff}, ${ip}` : ip, 'X-Real-IP', ip, 'X-Forwarded-Proto', info.proto);
  if (host) out.push('X-Forwarded-Host', host);
  if (info.port) out.push('X-Forwarded-Port', String(info.port));
  if (upgrade !== undefined) out.push('Connection', 'Upgrade', 'Upgrade', upgrade);
  return out;
}

/** The upstream response's headers for the client, hop-by-hop fields removed. */
export function downstreamResponseHeaders(raw: readonly string[], upgrade = false): string[] {
  const extra = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (upgrade && (lower === 'connection' || lower === 'upgrade')) {
      out.push(raw[i], raw[i + 1]);
      continue;
    }
    if (HOP_BY_HOP.has(lower) || extra?.has(lower)) continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
}

/**
 * A response's raw header list as strings: undici hands them over as Buffers (decoded
 * here as latin1, as node:http does), or only parsed, as an object, when it has no list.
 */
export function headerList(raw: readonly (Buffer | string)[] | object | null | undefined, parsed: Record<string, string | string[] | undefined>): string[] {
  const out: string[] = [];
  if (Array.isArray(raw)) {
    for (const h of raw as readonly (Buffer | string)[]) out.push(typeof h === 'string' ? h : h.toString('latin1'));
    return out;
  }
  for (const [name, value] of Object.entries(parsed)) {
    if (Array.isArray(value)) for (const v of value) out.push(name, v);
    else if (value !== undefined) out.push(name, value);
  }
  return out;
}
