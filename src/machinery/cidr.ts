/** IPv4 CIDR arithmetic for the service range. */

export interface Cidr {
  base: number;
  bits: number;
  size: number;
  text: string;
}

export function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
}

export const intToIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export function parseCidr(text: string): Cidr {
  const [ip, len] = text.split('/');
  const base = ipToInt(ip);
  const bits = Number(len);
  if (base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(text)} (want a.b.c.d/8..30)`);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return { base: (base & mask) >>> 0, bits, size: 2 ** (32 - bits), text };
}

export const cidrContains = (c: Cidr, ip: number): boolean => ip >= c.base && ip < c.base + c.size;
