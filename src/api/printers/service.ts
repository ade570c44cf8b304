/** Services: type, cluster IP, external address and ports (`80:30007/TCP`). */
import type { LoadBalancerStatus, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { age } from './age.js';
import { formatLabels } from './labels.js';
import { ageColumn, column, nameColumn, wide, type Printer } from './types.js';

/** Load-balancer ingress points (IP, else hostname), de-duplicated and sorted. */
export function loadBalancerAddresses(lb: Pick<LoadBalancerStatus, 'ingress'> | null | undefined): string[] {
  const set = new Set<string>();
  for (const ing of lb?.ingress ?? []) {
    if (ing.ip) set.add(ing.ip);
    else if (ing.hostname) set.add(ing.hostname);
  }
  return [...set].sort();
}

function externalIP(svc: Service, type: string): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const all = [...loadBalancerAddresses(svc.status?.loadBalancer), ...externalIPs];
      // No ingress yet: the load balancer (ServiceLB) has not assigned an address.
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** `80/TCP,443:30443/TCP`: port, node port when allocated, protocol. */
export function servicePorts(ports: readonly ServicePort[] | null | undefined): string {
  const list = (ports ?? []).map((p) => {
    const protocol = p.protocol ?? 'TCP';
    return p.nodePort ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
  });
  return list.length > 0 ? list.join(',') : '<none>';
}

export const servicePrinter = {
  columns: [
    nameColumn,
    column('Type', 'How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.'),
    column('Cluster-IP', 'The virtual IP inside the cluster (the first of spec.clusterIPs); None when headless.'),
    column('External-IP', 'Addresses reachable from outside: load-balancer ingress and spec.externalIPs.'),
    column('Port(s)', 'Ports served, with the node port when there is one.'),
    ageColumn,
    wide('Selector', 'Labels of the pods the service routes to.'),
  ],
  row(svc, now) {
    // Unset fields read as their v1 defaults, in case an object predates defaulting.
    const type = svc.spec?.type ?? 'ClusterIP';
    return [
      svc.metadata?.name ?? '',
      type,
      svc.spec?.clusterIPs?.[0] || svc.spec?.clusterIP || '<none>',
      externalIP(svc, type),
      servicePorts(svc.spec?.ports),
      age(svc, now),
      formatLabels(svc.spec?.selector),
    ];
  },
} satisfies Printer<Service>;
