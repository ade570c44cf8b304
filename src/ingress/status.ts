/**
 * Ingress status: the address the proxy is reached at, on every Ingress it serves, and
 * removed from one it stops serving (its class changed). Only the address it wrote is
 * removed: another controller's entries are not this one's to clear.
 */
import { isIP } from 'node:net';
import type { Ingress, IngressLoadBalancerIngress } from 'kubernetes-types/networking/v1.js';

export const loadBalancerEntry = (address: string): IngressLoadBalancerIngress => (isIP(address) ? { ip: address } : { hostname: address });

const sameEntry = (a: IngressLoadBalancerIngress, b: IngressLoadBalancerIngress): boolean => (a.ip ?? '') === (b.ip ?? '') && (a.hostname ?? '') === (b.hostname ?? '');

/** The merge patch for the status subresource, or undefined when the status is right. */
export function statusPatch(ing: Ingress, served: boolean, address: string): object | undefined {
  const entry = loadBalancerEntry(address);
  const cur = ing.status?.loadBalancer?.ingress ?? [];
  if (served) {
    if (cur.length === 1 && sameEntry(cur[0], entry) && !cur[0].ports?.length) return undefined;
    return { status: { loadBalancer: { ingress: [entry] } } };
  }
  if (!cur.some((e) => sameEntry(e, entry))) return undefined;
  const rest = cur.filter((e) => !sameEntry(e, entry));
  return { status: { loadBalancer: { ingress: rest.length ? rest : null } } };
}
