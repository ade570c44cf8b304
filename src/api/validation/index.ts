/**
 * Validation by kind: what the API server runs on every create, update and status
 * write. Each returns every problem found (an empty list means valid), so one 422 can
 * report them all. Objects are expected to have been through applyDefaults.
 */
import { fieldErrorMessage, type FieldError } from '../field-errors.js';
import { RESOURCES } from '../resources.js';
import {
  validateDeployment,
  validateDeploymentStatus,
  validateDeploymentUpdate,
  validateReplicaSet,
  validateReplicaSetStatus,
  validateReplicaSetUpdate,
} from './apps.js';
import { validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate } from './config-data.js';
import { validateEndpointSlice, validateEndpointSliceUpdate, validateEndpoints } from './endpoints.js';
import { validateEvent } from './event.js';
import { isObj } from './helpers.js';
import { validateIngress, validateIngressClass, validateIngressClassUpdate } from './ingress.js';
import { validateLease } from './lease.js';
import { validateNamespace, validateNamespaceStatus } from './namespace.js';
import { validateNode, validateNodeStatus, validateNodeUpdate } from './node.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import {
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimStatus,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeStatus,
  validatePersistentVolumeUpdate,
} from './persistent-volume.js';
import { validatePod, validatePodCreate, validatePodStatusUpdate, validatePodUpdate } from './pod.js';
import { validateLoadBalancerStatus, validateService, validateServiceUpdate } from './service.js';
import { validateStorageClass, validateStorageClassUpdate } from './storage-class.js';

type Check = (obj: any) => FieldError[];
type Compare = (obj: any, old: any) => FieldError[];

interface KindRules {
  /** Rules every stored object must satisfy. */
  validate: Check;
  /** Extra rules on create only; defaults to none. */
  create?: Check;
  /** Rules comparing with the stored object on update. */
  update?: Compare;
  /** Rules for writes through the status subresource. */
  status?: Compare;
}

const metaOnly =
  (namespaced: boolean): Check =>
  (obj) =>
    validateObjectMeta(obj?.metadata, { namespaced, nameRule: 'subdomain' });

const RULES: Record<string, KindRules> = {
  Namespace: { validate: validateNamespace, status: validateNamespaceStatus },
  Node: { validate: validateNode, update: validateNodeUpdate, status: validateNodeStatus },
  Pod: {
    validate: validatePod,
    create: validatePodCreate,
    update: validatePodUpdate,
    status: validatePodStatusUpdate,
  },
  Service: { validate: validateService, update: validateServiceUpdate, status: (svc) => validateLoadBalancerStatus(svc?.status) },
  Endpoints: { validate: validateEndpoints },
  ConfigMap: { validate: validateConfigMap, update: validateConfigMapUpdate },
  Secret: { validate: validateSecret, update: validateSecretUpdate },
  Event: { validate: validateEvent },
  ServiceAccount: { validate: metaOnly(true) },
  PersistentVolume: { validate: validatePersistentVolume, update: validatePersistentVolumeUpdate, status: validatePersistentVolumeStatus },
  PersistentVolumeClaim: {
    validate: validatePersistentVolumeClaim,
    update: validatePersistentVolumeClaimUpdate,
    status: validatePersistentVolumeClaimStatus,
  },
  Deployment: { validate: validateDeployment, update: validateDeploymentUpdate, status: validateDeploymentStatus },
  ReplicaSet: { validate: validateReplicaSet, update: validateReplicaSetUpdate, status: validateReplicaSetStatus },
  EndpointSlice: { validate: validateEndpointSlice, update: validateEndpointSliceUpdate },
  Ingress: { validate: validateIngress, status: (ing) => validateLoadBalancerStatus(ing?.status) },
  IngressClass: { validate: validateIngressClass, update: validateIngressClassUpdate },
  StorageClass: { validate: validateStorageClass, update: validateStorageClassUpdate },
  Lease: { validate: validateLease },
};

/** Kinds in the resource table without rules of their own still get their metadata checked. */
function rulesFor(kind: string): KindRules | undefined {
  if (RULES[kind]) return RULES[kind];
  const res = RESOURCES.find((r) => r.kind === kind);
  return res ? { validate: metaOnly(res.namespaced) } : undefined;
}

/** Create and update rules overlap (an emptied image breaks both); report each problem once, as Kubernetes does. */
function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const m = fieldErrorMessage(e);
    if (seen.has(m)) return false;
    seen.add(m);
    return true;
  });
}

export function validateCreate(kind: string, obj: any): FieldError[] {
  const rules = rulesFor(kind);
  if (!rules) return [];
  return dedupe([...rules.validate(obj), ...(rules.create?.(obj) ?? [])]);
}

/** Create rules on the new object, then metadata and kind rules against the stored one. */
export function validateUpdate(kind: string, obj: any, old: any): FieldError[] {
  const rules = rulesFor(kind);
  if (!rules) return [];
  const prev = isObj(old) ? old : {};
  return dedupe([
    ...validateObjectMetaUpdate(obj?.metadata, prev.metadata),
    ...rules.validate(obj),
    ...(rules.update?.(obj, prev) ?? []),
  ]);
}

/** Status writes: metadata may not move, and the status must be well-formed. */
export function validateStatusUpdate(kind: string, obj: any, old: any): FieldError[] {
  const rules = rulesFor(kind);
  if (!rules) return [];
  const prev = isObj(old) ? old : {};
  return dedupe([...validateObjectMetaUpdate(obj?.metadata, prev.metadata), ...(rules.status?.(obj, prev) ?? [])]);
}

export { validateObjectMeta, validateObjectMetaUpdate };
export type { ObjectMetaOptions } from './object-meta.js';
