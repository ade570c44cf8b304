/**
 * ClusterIP and NodePort allocation for Services. Each allocation is also a claim key in
 * the store (created, so it fails if taken), which keeps allocations unique across
 * concurrent requests and across API servers sharing etcd; the in-memory set only makes
 * the common case fast.
 */
import type { Store } from '../../storage/store.js';
import { isStorageError } from '../../storage/errors.js';
import { errors, type ResourceRef } from '../../machinery/errors.js';
import type { FieldError } from '../../api/field-errors.js';
import { cidrContains, intToIp, ipToInt, parseCidr, type Cidr } from '../../machinery/cidr.js';

export const CLAIM_PREFIX = '/registry/allocations/';
const encoder = new TextEncoder();

export interface ServiceAllocatorConfig {
  serviceCidr: string;
  nodePortRange: [number, number];
}

export class ServiceAllocator {
  readonly cidr: Cidr;
  private readonly usedIps = new Set<number>();
  private readonly usedPorts = new Set<number>();

  constructor(
    private readonly store: Store,
    private readonly config: ServiceAllocatorConfig,
  ) {
    this.cidr = parseCidr(config.serviceCidr);
  }

  /** The first address of the range, reserved for the `kubernetes` Service as in Kubernetes. */
  get apiServerIp(): string {
    return intToIp(this.cidr.base + 1);
  }

  /** Loads existing claims, so allocation after a restart skips them without a failed create. */
  async load(): Promise<void> {
    const list = await this.store.list(CLAIM_PREFIX);
    for (const kv of list.items) {
      const rest = kv.key.slice(CLAIM_PREFIX.length);
      const [kind, value] = rest.split('/');
      if (kind === 'clusterip') {
        const n = ipToInt(value);
        if (n !== undefined) this.usedIps.add(n);
      } else if (kind === 'nodeport') this.usedPorts.add(Number(value));
    }
  }

  private async claim(kind: 'clusterip' | 'nodeport', value: string, owner: string): Promise<boolean> {
    try {
      await this.store.create(`${CLAIM_PREFIX}${kind}/${value}`, encoder.encode(owner));
      return true;
    } catch (err) {
      if (isStorageError(err, 'AlreadyExists')) return false;
      throw err;
    }
  }

  private async unclaim(kind: 'clusterip' | 'nodeport', value: string): Promise<void> {
    try {
      await this.store.delete(`${CLAIM_PREFIX}${kind}/${value}`);
    } catch (err) {
      if (!isStorageError(err, 'NotFound')) throw err;
    }
  }

  /** Allocates a specific address, or any free one when `ip` is undefined. */
  async allocateIp(ref: ResourceRef, owner: string, ip?: string): Promise<string> {
    if (ip !== undefined) {
      const n = ipToInt(ip);
      const fieldErr = (detail: string): FieldError => ({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', value: [ip], detail });
      if (n === undefined || !cidrContains(this.cidr, n) || n === this.cidr.base || n === this.cidr.base + this.cidr.size - 1)
        throw errors.invalid(ref, [
          fieldErr(`failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr.text}`),
        ]);
      if (this.usedIps.has(n) || !(await this.claim('clusterip', ip, owner))) {
        this.usedIps.add(n);
        throw errors.invalid(ref, [fieldErr(`failed to allocate IP ${ip}: provided IP is already allocated`)]);
      }
      this.usedIps.add(n);
      return ip;
    }
    // Random start, then a linear probe: few collisions, and no hot spot at the low end.
    const first = this.cidr.base + 2;
    const count = this.cidr.size - 3;
    const start = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      const n = first + ((start + i) % count);
      if (this.usedIps.has(n)) continue;
      this.usedIps.add(n);
      if (await this.claim('clusterip', intToIp(n), owner)) return intToIp(n);
    }
    throw errors.internal(`failed to allocate a service IP: range ${this.cidr.text} is full`);
  }

  async releaseIp(ip: string): Promise<void> {
    const n = ipToInt(ip);
    if (n === undefined || !cidrContains(this.cidr, n)) return;
    await this.unclaim('clusterip', ip);
    this.usedIps.delete(n);
  }

  async allocatePort(ref: ResourceRef, owner: string, field: string, port?: number): Promise<number> {
    const [lo, hi] = this.config.nodePortRange;
    if (port !== undefined) {
      if (port < lo || port > hi)
        throw errors.invalid(ref, [
          { type: 'FieldValueInvalid', field, value: port, detail: `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}` },
        ]);
      if (this.usedPorts.has(port) || !(await this.claim('nodeport', String(port), owner))) {
        this.usedPorts.add(port);
        throw errors.invalid(ref, [{ type: 'FieldValueInvalid', field, value: port, detail: 'provided port is already allocated' }]);
      }
      this.usedPorts.add(port);
      return port;
    }
    const count = hi - lo + 1;
    const start = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      const p = lo + ((start + i) % count);
      if (this.usedPorts.has(p)) continue;
      this.usedPorts.add(p);
      if (await this.claim('nodeport', String(p), owner)) return p;
    }
    throw errors.internal(`failed to allocate a node port: range ${lo}-${hi} is full`);
  }

  async releasePort(port: number): Promise<void> {
    const [lo, hi] = this.config.nodePortRange;
    if (port < lo || port > hi) return;
    await this.unclaim('nodeport', String(port));
    this.usedPorts.delete(port);
  }
}
