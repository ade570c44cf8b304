/**
 * Informer indexes the workload controllers share. The pod and ReplicaSet informers are
 * shared with other controllers, so the names carry a prefix of their own: Informer
 * ignores a second indexer registered under an existing name.
 */
import type { HasMeta } from './controller-ref.js';
import { controllerRefOf } from './controller-ref.js';

/** Objects by the uid of their controller. */
export const BY_CONTROLLER_UID = 'workload/controller-uid';
/** Objects without a controller, by namespace: the candidates for adoption. */
export const ORPHANS_BY_NAMESPACE = 'workload/orphans-by-namespace';
/** Objects by namespace. */
export const BY_NAMESPACE = 'workload/namespace';

export const workloadIndexers = {
  [BY_CONTROLLER_UID]: (o: HasMeta): string[] => {
    const uid = controllerRefOf(o)?.uid;
    return uid ? [uid] : [];
  },
  [ORPHANS_BY_NAMESPACE]: (o: HasMeta): string[] => (controllerRefOf(o) ? [] : [o.metadata?.namespace ?? '']),
  [BY_NAMESPACE]: (o: HasMeta): string[] => [o.metadata?.namespace ?? ''],
};
