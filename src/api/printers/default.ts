/** NAME and AGE for any kind without a printer of its own, as kube-apiserver does for CRDs without columns. */
import { age } from './age.js';
import { ageColumn, nameColumn, type Printer } from './types.js';

export const defaultPrinter = {
  columns: [nameColumn, ageColumn],
  row(obj, now) {
    return [obj?.metadata?.name ?? '', age(obj, now)];
  },
} satisfies Printer<{ metadata?: { name?: string; creationTimestamp?: string } }>;
