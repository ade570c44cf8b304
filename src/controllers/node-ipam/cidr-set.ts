/**
 * The pod ranges of a cluster CIDR cut into equal per-node subnets, as Kubernetes'
 * cidrset does: a bitmap of which subnets are taken. Allocation continues round the set
 * from the last one handed out, so a range freed by a deleted node is reused only after
 * every other free range — stale routes or endpoints to the old node have time to go.
 */

export interface Ipv4Cidr {
  base: number;
  bits: number;
}

export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const o = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (o.some((x) => x > 255) || bits > 32) return undefined;
  const ip = ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return { base: (ip & mask) >>> 0, bits };
}

const ipText = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** Kubernetes refuses more than 2^16 node ranges per cluster CIDR; so do we. */
const MAX_SUBNET_BITS = 16;

export class CidrSet {
  private readonly cluster: Ipv4Cidr;
  private readonly used: Uint8Array;
  private next = 0;
  private taken = 0;
  /** How many node ranges the cluster CIDR holds. */
  readonly capacity: number;

  constructor(
    readonly clusterCidr: string,
    readonly maskSize: number,
  ) {
    const c = parseIpv4Cidr(clusterCidr);
    if (!c) throw new Error(`cluster CIDR ${JSON.stringify(clusterCidr)} is not an IPv4 CIDR (IPv6 is not supported yet)`);
    if (!Number.isInteger(maskSize) || maskSize < c.bits || maskSize > 30)
      throw new Error(`node CIDR mask size /${maskSize} must be between the cluster CIDR's /${c.bits} and /30`);
    if (maskSize - c.bits > MAX_SUBNET_BITS)
      throw new Error(`node CIDR mask size /${maskSize} cuts ${clusterCidr} into more than ${2 ** MAX_SUBNET_BITS} ranges`);
    this.cluster = c;
    this.capacity = 2 ** (maskSize - c.bits);
    this.used = new Uint8Array(this.capacity);
  }

  get free(): number {
    return this.capacity - this.taken;
  }

  /** The next free range, marked used; undefined when every range is taken. */
  allocateNext(): string | undefined {
    for (let i = 0; i < this.capacity; i++) {
      const idx = (this.next + i) % this.capacity;
      if (this.used[idx]) continue;
      this.used[idx] = 1;
      this.taken++;
      this.next = (idx + 1) % this.capacity;
      return this.textOf(idx);
    }
    return undefined;
  }

  /**
   * Marks every node range that overlaps `cidr` as used (a node that came with its own
   * podCIDR, or one assigned before a restart). False when it lies outside the cluster CIDR.
   */
  occupy(cidr: string): boolean {
    const r = this.indexRange(cidr);
    if (!r) return false;
    for (let i = r[0]; i <= r[1]; i++) {
      if (!this.used[i]) this.taken++;
      this.used[i] = 1;
    }
    return true;
  }

  release(cidr: string): void {
    const r = this.indexRange(cidr);
    if (!r) return;
    for (let i = r[0]; i <= r[1]; i++) {
      if (this.used[i]) this.taken--;
      this.used[i] = 0;
    }
  }

  isUsed(cidr: string): boolean {
    const r = this.indexRange(cidr);
    if (!r) return false;
    for (let i = r[0]; i <= r[1]; i++) if (this.used[i]) return true;
    return false;
  }

  private textOf(idx: number): string {
    return `${ipText((this.cluster.base + idx * 2 ** (32 - this.maskSize)) >>> 0)}/${this.maskSize}`;
  }

  /** First and last node-range index overlapping `cidr`, or undefined when none do. */
  private indexRange(cidr: string): [number, number] | undefined {
    const c = parseIpv4Cidr(cidr);
    if (!c) return undefined;
    const size = (bits: number) => 2 ** (32 - bits);
    const lo = Math.max(c.base, this.cluster.base);
    const hi = Math.min(c.base + size(c.bits), this.cluster.base + size(this.cluster.bits)) - 1;
    if (lo > hi) return undefined;
    const sub = size(this.maskSize);
    return [Math.floor((lo - this.cluster.base) / sub), Math.floor((hi - this.cluster.base) / sub)];
  }
}
