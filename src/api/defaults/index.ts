/**
 * Defaulting, as the API server applies it to every decoded object on create and update:
 * fields a client left out get the values Kubernetes would give them, so stored objects,
 * `kubectl get -o yaml` and controllers' comparisons all see the same thing.
 * Defaults are idempotent: applying them twice changes nothing the second time.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { defaultDeployment, defaultReplicaSet } from './apps.js';
import { defaultNamespace, defaultNode } from './cluster.js';
import { defaultEndpointSlice, defaultEndpoints, defaultIngressClass } from './networking.js';
import { defaultPod } from './pod.js';
import { defaultSecret } from './secret.js';
import { defaultService } from './service.js';
import { defaultPersistentVolume, defaultPersistentVolumeClaim, defaultStorageClass } from './storage.js';
import { isObj } from './util.js';

// Kinds absent here (ConfigMap, ServiceAccount, Event, Ingress, Lease) have no defaults
// in Kubernetes either.
const DEFAULTERS: Record<string, (obj: any) => void> = {
  Pod: (pod: Pod) => defaultPod(pod),
  Deployment: defaultDeployment,
  ReplicaSet: defaultReplicaSet,
  Service: defaultService,
  Namespace: defaultNamespace,
  Node: defaultNode,
  Secret: defaultSecret,
  PersistentVolume: defaultPersistentVolume,
  PersistentVolumeClaim: defaultPersistentVolumeClaim,
  StorageClass: defaultStorageClass,
  Endpoints: defaultEndpoints,
  EndpointSlice: defaultEndpointSlice,
  IngressClass: defaultIngressClass,
};

/** Fills in defaults in place; objects of unknown kinds, or not objects at all, are left alone. */
export function applyDefaults(kind: string, obj: any): void {
  if (!isObj(obj)) return;
  DEFAULTERS[kind]?.(obj);
}

export { defaultDeployment, defaultReplicaSet } from './apps.js';
export { defaultNamespace, defaultNode } from './cluster.js';
export { defaultPullPolicy, imageTag } from './image.js';
export { defaultEndpointSlice, defaultEndpoints, defaultIngressClass } from './networking.js';
export { defaultContainer, defaultPod, defaultPodSpec, defaultPodTemplateSpec, defaultProbe, defaultVolume } from './pod.js';
export { defaultSecret } from './secret.js';
export { defaultService } from './service.js';
export { defaultPersistentVolume, defaultPersistentVolumeClaim, defaultStorageClass } from './storage.js';
