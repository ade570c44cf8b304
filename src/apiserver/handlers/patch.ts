/**
 * PATCH bodies: JSON patch, JSON merge patch, strategic merge patch, and server-side apply
 * (the applied configuration merged in; field ownership around it is in ../managed-fields).
 */
import type { ResourceInfo } from '../../api/resources.js';
import { errors } from '../../machinery/errors.js';
import { applyJsonPatch } from '../../machinery/patch/json-patch.js';
import { applyMergePatch } from '../../machinery/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../../machinery/patch/strategic-merge-patch.js';
import { parseJson, parseYamlDoc } from '../http/body.js';
import { parseRV } from '../registry/registry.js';

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
  'application/apply-patch+cbor',
];

export const isApplyPatch = (type: string) => type === 'application/apply-patch+yaml';

export const applyPatch = {
  parse(type: string, body: Buffer): any {
    if (type === 'application/apply-patch+cbor') throw errors.unsupportedMediaType(type);
    const doc = isApplyPatch(type) ? parseYamlDoc(body, 'the apply configuration') : parseJson(body, 'the patch');
    if (type === 'application/json-patch+json') {
      if (!Array.isArray(doc)) throw errors.badRequest('a JSON patch must be an array of operations');
    } else if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      throw errors.badRequest(`the patch must be a JSON object, got ${Array.isArray(doc) ? 'an array' : typeof doc}`);
    }
    return doc;
  },

  /** A patch that names metadata.resourceVersion is conditional on it. */
  precondition(doc: any): number | undefined {
    const rv = Array.isArray(doc) ? undefined : doc?.metadata?.resourceVersion;
    return typeof rv === 'string' && rv ? parseRV(rv) : undefined;
  },

  /** Applies the patch to a copy of `cur`; `info` undefined means a subresource body (Scale). */
  apply(type: string, info: ResourceInfo | undefined, cur: any, doc: any): any {
    switch (type) {
      case 'application/json-patch+json':
        return applyJsonPatch(cur, doc);
      case 'application/merge-patch+json':
        return applyMergePatch(cur, doc);
      case 'application/strategic-merge-patch+json':
        return applyStrategicMergePatch(cur, doc, info?.kind ?? 'Scale');
      case 'application/apply-patch+yaml': {
        const { metadata, ...rest } = doc;
        const next = applyStrategicMergePatch(cur, rest, info?.kind ?? 'Scale') as any;
        if (metadata?.labels) next.metadata.labels = { ...(next.metadata.labels ?? {}), ...metadata.labels };
        if (metadata?.annotations) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...metadata.annotations };
        return next;
      }
      default:
        throw errors.unsupportedMediaType(type);
    }
  },
};
