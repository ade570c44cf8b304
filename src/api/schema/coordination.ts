/** coordination.k8s.io/v1 Lease: heartbeats and leader election. */

import { int32, microTime, pkg, ref, str, type TypeDef } from './dsl.js';

const { type, kind } = pkg('coordination.v1');

export const coordinationTypes: TypeDef[] = [
  kind('Lease', 'A time-limited claim, used for node heartbeats and leader election.', {
    spec: ref('LeaseSpec', 'Holder and timing of the lease.'),
  }),
  type('LeaseSpec', 'Holder and timing of a lease.', {
    acquireTime: microTime('When the current holder acquired the lease.'),
    holderIdentity: str('Identity of the current holder.'),
    leaseDurationSeconds: int32('Seconds the holder keeps the lease after renewTime.'),
    leaseTransitions: int32('How many times the lease changed holder.'),
    preferredHolder: str('Holder the lease should pass to; used with strategy.'),
    renewTime: microTime('When the holder last renewed the lease.'),
    strategy: str('How a coordinated leader is chosen, e.g. OldestEmulationVersion.'),
  }),
];
