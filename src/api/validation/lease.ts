/** coordination.k8s.io/v1 Leases: the fields leader election and node heartbeats rely on. */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { FieldError } from '../field-errors.js';
import { nonNegative, positive } from './helpers.js';
import { validateObjectMeta } from './object-meta.js';

export function validateLease(lease: Lease): FieldError[] {
  const errs = validateObjectMeta(lease.metadata, { namespaced: true, nameRule: 'subdomain' });
  errs.push(...positive('spec.leaseDurationSeconds', lease.spec?.leaseDurationSeconds));
  errs.push(...nonNegative('spec.leaseTransitions', lease.spec?.leaseTransitions));
  return errs;
}
