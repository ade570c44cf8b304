/**
 * Read-modify-write of an object's ownerReferences or finalizers. Both are lists others
 * change too (controllers adopt, users add finalizers), so each patch is conditional on
 * the resourceVersion just read, and a conflict means read again.
 */
import type { ResourceClient } from '../../client/resource-client.js';
import { isApiError } from '../../machinery/errors.js';
import type { Meta } from './ownership.js';

const ATTEMPTS = 5;

/**
 * Applies `change` to the live object named (ns, name) if it is still the one with `uid`.
 * `change` returns the metadata fields to set (null removes one), or undefined when there
 * is nothing to do. Returns false when the object is gone or was replaced.
 */
export async function patchMetadata(
  rc: ResourceClient,
  ns: string | undefined,
  name: string,
  uid: string,
  change: (meta: Meta) => Record<string, unknown> | undefined,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    let cur: { metadata: Meta & { resourceVersion?: string } };
    try {
      cur = await rc.get(ns, name);
    } catch (err) {
      if (isApiError(err) && err.code === 404) return false;
      throw err;
    }
    if (cur.metadata.uid !== uid) return false;
    const fields = change(cur.metadata);
    if (!fields) return true;
    try {
      await rc.patch(ns, name, { metadata: { resourceVersion: cur.metadata.resourceVersion, ...fields } }, 'merge');
      return true;
    } catch (err) {
      if (isApiError(err) && err.code === 404) return false;
      if (isApiError(err) && err.code === 409 && attempt < ATTEMPTS) continue;
      throw err;
    }
  }
}
