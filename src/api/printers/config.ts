/** ConfigMaps, Secrets and ServiceAccounts: counts of what they hold. */
import type { ConfigMap, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { age } from './age.js';
import { ageColumn, column, nameColumn, type Printer } from './types.js';

const count = (m: object | null | undefined): number => Object.keys(m ?? {}).length;

export const configMapPrinter = {
  columns: [nameColumn, column('Data', 'Number of keys, text and binary.'), ageColumn],
  row(cm, now) {
    return [cm.metadata?.name ?? '', count(cm.data) + count(cm.binaryData), age(cm, now)];
  },
} satisfies Printer<ConfigMap>;

export const secretPrinter = {
  columns: [
    nameColumn,
    column('Type', 'The secret type, e.g. Opaque or kubernetes.io/tls.'),
    column('Data', 'Number of keys.'),
    ageColumn,
  ],
  row(secret, now) {
    // stringData is folded into data on write, so data alone is the whole count.
    return [secret.metadata?.name ?? '', secret.type ?? '', count(secret.data), age(secret, now)];
  },
} satisfies Printer<Secret>;

export const serviceAccountPrinter = {
  columns: [nameColumn, column('Secrets', 'Number of secrets listed on the service account.'), ageColumn],
  row(sa, now) {
    return [sa.metadata?.name ?? '', sa.secrets?.length ?? 0, age(sa, now)];
  },
} satisfies Printer<ServiceAccount>;
