/** Endpoints and EndpointSlices: the first three addresses, then `+ N more...`. */
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { age } from './age.js';
import { listWithMore } from './format.js';
import { ageColumn, column, nameColumn, type Printer } from './types.js';

const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** `10.0.0.1:80,10.0.0.2:80 + 3 more...`: every ready address paired with every port. */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const items: string[] = [];
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    // A headless service may have no ports: list bare IPs.
    if (!ss.ports?.length) items.push(...addresses.map((a) => a.ip));
    else for (const p of ss.ports) items.push(...addresses.map((a) => hostPort(a.ip, p.port)));
  }
  // Subsets holding only not-ready addresses print an empty cell, not <none>, as upstream does.
  return listWithMore(items, 3, '');
}

export const endpointsPrinter = {
  columns: [nameColumn, column('Endpoints', 'Ready addresses and ports backing the service.'), ageColumn],
  row(ep, now) {
    return [ep.metadata?.name ?? '', formatEndpoints(ep), age(ep, now)];
  },
} satisfies Printer<Endpoints>;

export const endpointSlicePrinter = {
  columns: [
    nameColumn,
    column('AddressType', 'The kind of addresses in the slice: IPv4, IPv6 or FQDN.'),
    column('Ports', 'Port numbers (or names, or * for all ports) exposed by the endpoints.'),
    column('Endpoints', 'Addresses of the endpoints, ready or not.'),
    ageColumn,
  ],
  row(slice, now) {
    const ports = (slice.ports ?? []).map((p) => (p.port != null ? String(p.port) : (p.name ?? '*')));
    const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return [
      slice.metadata?.name ?? '',
      slice.addressType ?? '',
      listWithMore(ports),
      listWithMore(addresses),
      age(slice, now),
    ];
  },
} satisfies Printer<EndpointSlice>;
