/**
 * Fake addresses. Nothing ever connects to them: they only have to look real and be
 * unique. Node addresses come from 10.192.0.0/16 and the fallback pod ranges (used until
 * node IPAM assigns a podCIDR, or when no IPAM runs) from 10.128.0.0/10 — both outside
 * orch's default pod (10.244.0.0/16) and service (10.96.0.0/12) ranges.
 */
import { intToIp, ipToInt } from '../../machinery/cidr.js';

const NODE_IP_BASE = ipToInt('10.192.0.0')!;
const FALLBACK_POD_BASE = ipToInt('10.128.0.0')!;
const FALLBACK_POD_RANGES = 2 ** (24 - 10);

/** The InternalIP of the fake node with this index (0-based; up to 65,534 nodes). */
export function fakeNodeIp(index: number): string {
  return intToIp(NODE_IP_BASE + 1 + (index % 65_534));
}

/** A /24 for the pods of fake node `index` when its Node has no podCIDR. */
export function fallbackPodCidr(index: number): string {
  return `${intToIp(FALLBACK_POD_BASE + (index % FALLBACK_POD_RANGES) * 256)}/24`;
}

/**
 * Pod IPs of one node's range. The network address, the first host (the bridge/gateway on
 * a real node) and the broadcast address are never handed out; allocation goes round the
 * range so a released IP is not reused at once (a stale endpoint would point at a new pod).
 */
export class IpPool {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private next = 2;

  constructor(readonly cidr: string) {
    const [ip, len] = cidr.split('/');
    const base = ipToInt(ip);
    const bits = Number(len);
    if (base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
    const mask = (~0 << (32 - bits)) >>> 0;
    this.base = (base & mask) >>> 0;
    this.size = 2 ** (32 - bits);
  }

  get inUse(): number {
    return this.used.size;
  }

  contains(ip: string): boolean {
    const n = ipToInt(ip);
    return n !== undefined && n >= this.base && n < this.base + this.size;
  }

  /** The next free IP, or undefined when the range is exhausted. */
  allocate(): string | undefined {
    const usable = this.size - 3;
    for (let i = 0; i < usable; i++) {
      const off = this.next;
      this.next = off + 1 >= this.size - 1 ? 2 : off + 1;
      if (!this.used.has(off)) {
        this.used.add(off);
        return intToIp(this.base + off);
      }
    }
    return undefined;
  }

  /** Marks an IP a pod already has as used (after a restart); false if outside the range. */
  claim(ip: string): boolean {
    if (!this.contains(ip)) return false;
    this.used.add(ipToInt(ip)! - this.base);
    return true;
  }

  release(ip: string): void {
    if (this.contains(ip)) this.used.delete(ipToInt(ip)! - this.base);
  }
}
