/** Ingresses and IngressClasses. */
import type { Ingress, IngressClass, IngressRule } from 'kubernetes-types/networking/v1.js';
import { age } from './age.js';
import { ageColumn, column, nameColumn, type Printer } from './types.js';
import { loadBalancerAddresses } from './service.js';

/** Up to three hosts, `+ N more...` for the rest; `*` when no rule names a host. */
export function ingressHosts(rules: readonly IngressRule[] | null | undefined): string {
  const list = rules ?? [];
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const rule of list) {
    if (hosts.length === max) more = true;
    if (!more && rule.host) hosts.push(rule.host);
  }
  if (hosts.length === 0) return '*';
  // N counts rules, host-less ones included, not hosts: upstream's arithmetic, kept so output matches.
  return more ? `${hosts.join(',')} + ${list.length - max} more...` : hosts.join(',');
}

export const ingressPrinter = {
  columns: [
    nameColumn,
    column('Class', 'The IngressClass that should serve this ingress.'),
    column('Hosts', 'Hosts the rules match, before paths are considered.'),
    column('Address', 'Addresses of the load balancer serving this ingress.'),
    column('Ports', 'Ports open for this ingress: 80, and 443 when TLS is configured.'),
    ageColumn,
  ],
  row(ing, now) {
    return [
      ing.metadata?.name ?? '',
      ing.spec?.ingressClassName ?? '<none>',
      ingressHosts(ing.spec?.rules),
      loadBalancerAddresses(ing.status?.loadBalancer).join(','),
      ing.spec?.tls?.length ? '80, 443' : '80',
      age(ing, now),
    ];
  },
} satisfies Printer<Ingress>;

export const ingressClassPrinter = {
  columns: [
    nameColumn,
    column('Controller', 'The controller that implements this class.'),
    column('Parameters', 'The resource holding extra configuration for the controller, as Kind.group/name.'),
    ageColumn,
  ],
  row(ic, now) {
    const p = ic.spec?.parameters;
    // An explicit apiGroup, even an empty one, is printed with its dot, as upstream does.
    const parameters = p ? `${p.kind}${p.apiGroup != null ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return [ic.metadata?.name ?? '', ic.spec?.controller ?? '', parameters, age(ic, now)];
  },
} satisfies Printer<IngressClass>;
