/**
 * Per-resource strategy: what differs between kinds in create/update/delete. The generic
 * registry (registry.ts) does the CRUD, watch and patch machinery once; a strategy only
 * fills in defaults, server-owned fields, validation and admission (allocations).
 */
import type { FieldError } from '../../api/field-errors.js';
import type { ResourceInfo } from '../../api/resources.js';

/** What a request carries that strategies may need. */
export interface RequestContext {
  user: string;
  dryRun: boolean;
  /** Who makes the change, for metadata.managedFields (fieldManager, or the user agent). */
  fieldManager?: string;
  /** A server-side apply: ownership is already worked out, not tracked as an update. */
  applying?: boolean;
  /** The subresource written through, when it is not the strategy's own (scale). */
  subresource?: string;
}

export interface Strategy {
  /** Fills defaults and server-owned fields of a new object (after metadata is prepared). */
  prepareForCreate(obj: any): void;
  /** Fills defaults and carries over server-owned fields from the stored object. */
  prepareForUpdate(obj: any, old: any): void;
  validate(obj: any): FieldError[];
  validateUpdate(obj: any, old: any): FieldError[];
  /** metadata.generation tracks spec changes for this kind. */
  readonly tracksGeneration: boolean;
  /** The main resource ignores status changes (they go through /status). */
  readonly hasStatusSubresource: boolean;
  /**
   * Asynchronous admission run before a write is stored: allocations (ClusterIP, NodePort),
   * references to other objects. Throws ApiError to refuse. Allocations made here must be
   * undone by `release` if the write fails or when the object goes.
   */
  admit?(obj: any, old: any | undefined, ctx: RequestContext): Promise<void>;
  /** Frees what admit allocated for `obj` that `keep` (the new version, if any) no longer uses. */
  release?(obj: any, keep?: any): Promise<void>;
  /** Graceful deletion: the default grace period in seconds for this object, or 0. */
  gracePeriod?(obj: any): number;
  /**
   * Finalizers kept outside metadata (a Namespace's spec.finalizers) that hold a deleted
   * object until they are cleared. May also mark the object as terminating.
   */
  holdsDeletion?(obj: any): boolean;
}

/** The pieces every strategy is built from; tests may supply their own. */
export interface KindPolicy {
  applyDefaults(kind: string, obj: any): void;
  validateCreate(kind: string, obj: any): FieldError[];
  validateUpdate(kind: string, obj: any, old: any): FieldError[];
  validateStatusUpdate?(kind: string, obj: any, old: any): FieldError[];
}

const GENERATION_KINDS = new Set(['Deployment', 'ReplicaSet', 'Ingress', 'Pod', 'Service', 'PersistentVolumeClaim']);

export function baseStrategy(info: ResourceInfo, policy: KindPolicy): Strategy {
  const hasStatus = info.subresources.includes('status');
  return {
    tracksGeneration: GENERATION_KINDS.has(info.kind),
    hasStatusSubresource: hasStatus,
    prepareForCreate(obj) {
      policy.applyDefaults(info.kind, obj);
    },
    prepareForUpdate(obj, old) {
      // Writes to the main resource cannot change status (Kubernetes drops such changes).
      if (hasStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = structuredClone(old.status);
      }
      policy.applyDefaults(info.kind, obj);
    },
    validate: (obj) => policy.validateCreate(info.kind, obj),
    validateUpdate: (obj, old) => policy.validateUpdate(info.kind, obj, old),
  };
}

/** Metadata fields a status write may not change: they are taken from the stored object. */
const META_KEPT_ON_STATUS = ['labels', 'annotations', 'finalizers', 'ownerReferences', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

/** The /status subresource: same store, only `status` changes. */
export function statusStrategy(info: ResourceInfo, policy: KindPolicy): Strategy {
  return {
    tracksGeneration: false,
    hasStatusSubresource: true,
    prepareForCreate() {
      throw new Error('status subresource cannot create');
    },
    prepareForUpdate(obj, old) {
      const status = obj.status;
      const next = structuredClone(old);
      for (const k of Object.keys(next)) if (k !== 'metadata' && k !== 'status') next[k] = old[k];
      for (const k of Object.keys(obj)) delete obj[k];
      Object.assign(obj, next);
      if (status === undefined) delete obj.status;
      else obj.status = status;
      for (const f of META_KEPT_ON_STATUS) {
        if (old.metadata[f] === undefined) delete obj.metadata[f];
        else obj.metadata[f] = structuredClone(old.metadata[f]);
      }
    },
    validate: () => [],
    validateUpdate: (obj, old) => policy.validateStatusUpdate?.(info.kind, obj, old) ?? [],
  };
}
