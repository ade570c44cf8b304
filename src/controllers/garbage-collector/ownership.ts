/**
 * The garbage collector's judgement, as pure functions: given an object's owner
 * references and what is known of each owner, keep it, drop some references, or delete it
 * (and how). The rules are those of Kubernetes' attemptToDeleteItem.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { RESOURCES, type ResourceInfo } from '../../api/resources.js';

/** An owner in foreground deletion: it goes only once its blocking dependents are gone. */
export const FOREGROUND = 'foregroundDeletion';
/** An owner being deleted whose dependents are to be kept, minus the reference to it. */
export const ORPHAN = 'orphan';

export interface Meta {
  uid?: string;
  namespace?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

/**
 * What an owner reference points at:
 * - solid: the owner exists (same uid) and is not waiting for its dependents;
 * - waiting: the owner exists and is in foreground deletion;
 * - absent: no object with that uid (confirmed by the API server, not only the cache);
 * - unresolvable: a kind orch does not serve — never a reason to delete.
 */
export type OwnerState = 'solid' | 'waiting' | 'absent' | 'unresolvable';

export const isDeletingDependents = (m: Meta | undefined): boolean => Boolean(m?.deletionTimestamp) && (m?.finalizers ?? []).includes(FOREGROUND);

export const ownerStateOf = (owner: Meta | undefined): OwnerState => (isDeletingDependents(owner) ? 'waiting' : 'solid');

export type Decision =
  | { action: 'keep' }
  /** Keep the object (it has a live owner) but drop references to absent or waiting owners. */
  | { action: 'remove-refs'; uids: string[] }
  /**
   * Delete the object. `unblock`: first make its own references non-blocking, to break a
   * cycle of objects each waiting in foreground for the other.
   */
  | { action: 'delete'; policy: 'Background' | 'Foreground' | 'Orphan'; unblock: boolean };

export interface DependentsSummary {
  /** How many objects name this one as an owner. */
  count: number;
  /** Whether one of them is itself in foreground deletion. */
  anyDeletingDependents: boolean;
}

/** Decides the fate of an object that has owner references and is not being deleted. */
export function decide(item: Meta, states: ReadonlyMap<string, OwnerState>, dependents: DependentsSummary): Decision {
  const refs = item.ownerReferences ?? [];
  if (!refs.length) return { action: 'keep' };
  const solid: string[] = [];
  const dangling: string[] = [];
  const waiting: string[] = [];
  for (const r of refs) {
    const s = states.get(r.uid) ?? 'unresolvable';
    if (s === 'absent') dangling.push(r.uid);
    else if (s === 'waiting') waiting.push(r.uid);
    else solid.push(r.uid);
  }
  if (solid.length) {
    // A waiting owner's reference must go too, or that owner would wait on us for ever.
    const drop = [...dangling, ...waiting];
    return drop.length ? { action: 'remove-refs', uids: drop } : { action: 'keep' };
  }
  if (waiting.length && dependents.count > 0) {
    // The waiting owner must outlive our own dependents: delete in the foreground too.
    return { action: 'delete', policy: 'Foreground', unblock: dependents.anyDeletingDependents };
  }
  const finalizers = item.finalizers ?? [];
  const policy = finalizers.includes(ORPHAN) ? 'Orphan' : finalizers.includes(FOREGROUND) ? 'Foreground' : 'Background';
  return { action: 'delete', policy, unblock: false };
}

/** The reference an object holds to the owner with this uid, if any. */
export const refTo = (m: Meta | undefined, ownerUid: string): OwnerReference | undefined => m?.ownerReferences?.find((r) => r.uid === ownerUid);

/** Dependents that hold their owner's deletion (blockOwnerDeletion) in the foreground. */
export const blockingDependents = <T extends { metadata?: Meta }>(ownerUid: string, dependents: readonly T[]): T[] =>
  dependents.filter((d) => refTo(d.metadata, ownerUid)?.blockOwnerDeletion === true);

/** The references with `uids` removed; undefined when none of them was there. */
export function withoutRefs(refs: readonly OwnerReference[] | undefined, uids: readonly string[]): OwnerReference[] | undefined {
  const kept = (refs ?? []).filter((r) => !uids.includes(r.uid));
  return kept.length === (refs ?? []).length ? undefined : kept;
}

/** The references with blockOwnerDeletion cleared; undefined when none blocked. */
export function unblocked(refs: readonly OwnerReference[] | undefined): OwnerReference[] | undefined {
  if (!(refs ?? []).some((r) => r.blockOwnerDeletion)) return undefined;
  return (refs ?? []).map((r) => (r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r));
}

/**
 * The resource an owner reference names. The version is not compared: an owner written as
 * apps/v1beta2 Deployment is the apps/v1 Deployment of the same uid.
 */
export function resolveOwner(ref: Pick<OwnerReference, 'apiVersion' | 'kind'>): ResourceInfo | undefined {
  const slash = ref.apiVersion?.indexOf('/') ?? -1;
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  return RESOURCES.find((r) => r.group === group && r.kind === ref.kind);
}

/**
 * Where to look for the owner of an object in `dependentNs` (undefined: cluster-scoped).
 * A cluster-scoped object cannot have a namespaced owner; such a reference is never
 * satisfied (Kubernetes treats it as absent too).
 */
export function ownerNamespace(owner: ResourceInfo, dependentNs: string | undefined): { namespace: string | undefined } | undefined {
  if (!owner.namespaced) return { namespace: undefined };
  return dependentNs ? { namespace: dependentNs } : undefined;
}

/**
 * The resources the collector watches: whatever can be listed, watched, patched and
 * deleted. Events are left out: they churn, and nothing owns them.
 */
export function collectedResources(): ResourceInfo[] {
  const need = ['list', 'watch', 'patch', 'delete'];
  return RESOURCES.filter((r) => r.kind !== 'Event' && need.every((v) => r.verbs.includes(v)));
}
