/** Leases: who holds them. */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { age } from './age.js';
import { ageColumn, column, nameColumn, type Printer } from './types.js';

export const leasePrinter = {
  columns: [nameColumn, column('Holder', 'The identity of the current holder.'), ageColumn],
  row(lease, now) {
    return [lease.metadata?.name ?? '', lease.spec?.holderIdentity ?? '', age(lease, now)];
  },
} satisfies Printer<Lease>;
