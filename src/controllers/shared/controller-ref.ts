/**
 * Controller references: the one ownerReference with `controller: true` that says which
 * object manages another (Deployment -> ReplicaSet -> Pod). Kubernetes' metav1.GetControllerOf.
 */
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';

export interface HasMeta {
  metadata?: ObjectMeta;
}

/** The controlling owner reference of an object, if it has one. */
export function controllerRefOf(obj: HasMeta): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** The reference a controller puts on what it creates or adopts. */
export function newControllerRef(owner: HasMeta, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata!.name!,
    uid: owner.metadata!.uid!,
    controller: true,
    // Foreground deletion of the owner waits for this dependent.
    blockOwnerDeletion: true,
  };
}

/** True when `obj` is controlled by the object with this uid. */
export function isControlledBy(obj: HasMeta, ownerUid: string | undefined): boolean {
  return !!ownerUid && controllerRefOf(obj)?.uid === ownerUid;
}
