/**
 * Adoption and release (Kubernetes' ControllerRefManager): a controller claims the objects
 * its selector matches. It keeps what it already controls and still matches, adopts
 * matching orphans (adding its controller reference), and releases what it controls but no
 * longer matches (removing the reference), so that ownership follows labels.
 *
 * Writes are merge patches carrying the resourceVersion the decision was made on, so a
 * label change racing with the claim makes the write fail and the sync retry.
 */
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ApiError } from '../../machinery/errors.js';
import type { Selector } from '../../machinery/labels.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { controllerRefOf, newControllerRef } from './controller-ref.js';
import { mapLimit } from './concurrency.js';

export interface ClaimOptions<T extends { metadata?: ObjectMeta }> {
  owner: { metadata?: ObjectMeta };
  ownerApiVersion: string;
  ownerKind: string;
  selector: Selector;
  /** Objects the owner controls (by index) plus the orphans of its namespace. */
  candidates: readonly T[];
  /** Writes the dependents. */
  client: ResourceClient<T>;
  /**
   * Called once before the first adoption: throws if the owner may no longer adopt (it
   * was deleted or replaced since the cache saw it). Kubernetes re-reads the owner here.
   */
  canAdopt(): Promise<void>;
}

const isGone = (err: unknown) => err instanceof ApiError && (err.code === 404 || err.code === 422);

/** Returns the claimed objects (adopted ones as written); throws if an adoption or release failed. */
export async function claim<T extends { metadata?: ObjectMeta }>(opts: ClaimOptions<T>): Promise<T[]> {
  const ownerUid = opts.owner.metadata?.uid;
  const ownerDeleting = !!opts.owner.metadata?.deletionTimestamp;
  const claimed: T[] = [];
  const adopt: T[] = [];
  const release: T[] = [];
  for (const obj of opts.candidates) {
    const ref = controllerRefOf(obj);
    const matches = opts.selector.matches(obj.metadata?.labels);
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (matches) claimed.push(obj);
      // An owner being deleted keeps what it has: releasing would orphan pods the
      // garbage collector is about to remove.
      else if (!ownerDeleting) release.push(obj);
    } else if (matches && !ownerDeleting && !obj.metadata?.deletionTimestamp) {
      adopt.push(obj);
    }
  }
  if (!adopt.length && !release.length) return claimed;

  const errors: unknown[] = [];
  if (adopt.length) {
    let allowed = true;
    try {
      await opts.canAdopt();
    } catch (err) {
      allowed = false;
      errors.push(err);
    }
    if (allowed) {
      const ref = newControllerRef(opts.owner, opts.ownerApiVersion, opts.ownerKind);
      const results = await mapLimit(adopt, 20, (obj) => writeOwners(opts.client, obj, [...(obj.metadata?.ownerReferences ?? []), ref]));
      for (const r of results) {
        if (r.status === 'fulfilled') claimed.push(r.value);
        else if (!isGone(r.reason)) errors.push(r.reason);
      }
    }
  }
  const released = await mapLimit(release, 20, (obj) =>
    writeOwners(
      opts.client,
      obj,
      (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid),
    ),
  );
  for (const r of released) if (r.status === 'rejected' && !isGone(r.reason)) errors.push(r.reason);
  if (errors.length) throw errors[0];
  return claimed;
}

function writeOwners<T extends { metadata?: ObjectMeta }>(client: ResourceClient<T>, obj: T, refs: OwnerReference[]): Promise<T> {
  const m = obj.metadata!;
  return client.patch(m.namespace, m.name!, { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: m.resourceVersion } }, 'merge');
}
