/**
 * Host ports in use on a node, keyed by host IP, protocol and port, with kube-scheduler's
 * conflict rule: 0.0.0.0 (or an empty hostIP) overlaps every address.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

export const ANY_IP = '0.0.0.0';

/** The ports a pod asks for on its host: those with hostPort > 0, in app containers and sidecars. */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const spec = pod.spec;
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || ANY_IP, protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

/** A multiset: two pods briefly holding the same port (assumed + confirmed) must not free it twice. */
export class HostPortSet {
  private readonly byIp = new Map<string, Map<string, number>>();

  add(p: HostPort): void {
    let m = this.byIp.get(p.ip);
    if (!m) this.byIp.set(p.ip, (m = new Map()));
    const k = `${p.protocol}/${p.port}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const m = this.byIp.get(p.ip);
    const k = `${p.protocol}/${p.port}`;
    const n = m?.get(k);
    if (!m || n === undefined) return;
    if (n <= 1) m.delete(k);
    else m.set(k, n - 1);
    if (m.size === 0) this.byIp.delete(p.ip);
  }

  get empty(): boolean {
    return this.byIp.size === 0;
  }

  /** True when `p` cannot be bound because the same protocol/port is taken on an overlapping IP. */
  conflicts(p: HostPort): boolean {
    const k = `${p.protocol}/${p.port}`;
    if (p.ip === ANY_IP) {
      for (const m of this.byIp.values()) if (m.has(k)) return true;
      return false;
    }
    return (this.byIp.get(ANY_IP)?.has(k) ?? false) || (this.byIp.get(p.ip)?.has(k) ?? false);
  }
}
