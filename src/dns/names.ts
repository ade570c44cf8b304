/**
 * Reading query names the way CoreDNS's kubernetes plugin does (its parseRequest): what a
 * name inside the cluster domain asks for, IPs written as labels, and reverse names.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ipv6Bytes } from './wire.js';

/**
 * What a name in the cluster domain asks for. Labels are read right to left after the
 * zone: `svc|pod`, namespace, service, then one label (an endpoint) or two (`_port._proto`).
 */
export type ClusterName =
  | { kind: 'apex' }
  /** `dns-version.<zone>` (TXT: the schema version of the DNS specification). */
  | { kind: 'dns-version' }
  /** `svc.<zone>`, `pod.<zone>`, `<ns>.svc.<zone>`, `<ns>.pod.<zone>`: empty non-terminals. */
  | { kind: 'branch'; namespace?: string }
  | { kind: 'service'; namespace: string; service: string; endpoint?: string; port?: string; protocol?: string }
  | { kind: 'pod'; namespace: string; pod: string }
  /** Anything else: no such name (NXDOMAIN). */
  | { kind: 'invalid' };

/** Labels of `name` below `zone` if it is inside it (both lower-cased label lists), else undefined. */
export function labelsInZone(lower: string[], zone: string[]): string[] | undefined {
  if (lower.length < zone.length) return undefined;
  const base = lower.length - zone.length;
  for (let i = 0; i < zone.length; i++) if (lower[base + i] !== zone[i]) return undefined;
  return lower.slice(0, base);
}

const stripUnderscore = (s: string) => (s.startsWith('_') ? s.slice(1) : s);

/** Parses the labels below the zone (lower-cased). */
export function parseClusterName(rest: string[]): ClusterName {
  const n = rest.length;
  if (n === 0) return { kind: 'apex' };
  if (n === 1 && rest[0] === 'dns-version') return { kind: 'dns-version' };
  const kind = rest[n - 1];
  if (kind !== 'svc' && kind !== 'pod') return { kind: 'invalid' };
  if (n === 1) return { kind: 'branch' };
  const namespace = rest[n - 2];
  if (n === 2) return { kind: 'branch', namespace };
  const name = rest[n - 3];
  if (kind === 'pod') return n === 3 ? { kind: 'pod', namespace, pod: name } : { kind: 'invalid' };
  switch (n) {
    case 3:
      return { kind: 'service', namespace, service: name };
    case 4:
      return { kind: 'service', namespace, service: name, endpoint: rest[0] };
    case 5:
      return { kind: 'service', namespace, service: name, port: stripUnderscore(rest[0]), protocol: stripUnderscore(rest[1]) };
    default:
      return { kind: 'invalid' };
  }
}

/** `10.0.0.1` -> `10-0-0-1`, `fd00::1` -> `fd00--1`: an endpoint's name when it has no hostname. */
export function dashedIp(ip: string): string {
  return ip.includes('.') ? ip.replaceAll('.', '-') : ip.replaceAll(':', '-');
}

/**
 * The IP in a pod name (`1-2-3-4` or `fd00--1`), or undefined. As in CoreDNS, three dashes
 * and no `--` mean IPv4; anything else is read as IPv6 with `-` for `:`.
 */
export function ipFromDashed(label: string): string | undefined {
  const dashes = label.split('-').length - 1;
  if (dashes === 3 && !label.includes('--')) {
    const ip = label.replaceAll('-', '.');
    return isIPv4(ip) ? ip : undefined;
  }
  const ip = label.replaceAll('-', ':');
  return isIPv6(ip) ? ip : undefined;
}

/**
 * The address a reverse name stands for: `4.3.2.1.in-addr.arpa` -> `1.2.3.4`; a full
 * 32-nibble `ip6.arpa` name -> the IPv6 address. Partial names (a reverse zone, not an
 * address) give undefined.
 */
export function parseReverseName(lower: string[]): { ip: string; v6: boolean } | undefined {
  const n = lower.length;
  if (n === 6 && lower[4] === 'in-addr' && lower[5] === 'arpa') {
    const octets = lower.slice(0, 4).reverse();
    if (!octets.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255)) return undefined;
    return { ip: octets.join('.'), v6: false };
  }
  if (n === 34 && lower[32] === 'ip6' && lower[33] === 'arpa') {
    const nibbles = lower.slice(0, 32).reverse();
    if (!nibbles.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
    const hex = nibbles.join('');
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4).replace(/^0+(?=.)/, ''));
    return { ip: groups.join(':'), v6: true };
  }
  return undefined;
}

export function isReverseName(lower: string[]): boolean {
  const n = lower.length;
  return n >= 2 && lower[n - 1] === 'arpa' && (lower[n - 2] === 'in-addr' || lower[n - 2] === 'ip6');
}

/** The reverse name of an IP (`1.2.3.4` -> `4.3.2.1.in-addr.arpa`). */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const hex = ipv6Bytes(ip).toString('hex');
  return `${[...hex].reverse().join('.')}.ip6.arpa`;
}

/** Lower-cased, without a trailing dot: how names are kept and compared. */
export function normalizeName(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}
