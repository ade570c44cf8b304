/** Namespaces: the phase, Active or Terminating. */
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { age } from './age.js';
import { ageColumn, column, nameColumn, type Printer } from './types.js';

export const namespacePrinter = {
  columns: [nameColumn, column('Status', 'The phase of the namespace: Active or Terminating.'), ageColumn],
  row(ns, now) {
    return [ns.metadata?.name ?? '', ns.status?.phase ?? '', age(ns, now)];
  },
} satisfies Printer<Namespace>;
