/**
 * JSON merge patch (RFC 7386), the `application/merge-patch+json` PATCH body: objects merge
 * key by key, `null` deletes a key, anything else (arrays included) replaces the target.
 */

import { errors } from '../errors.js';
import { isJsonObject, jsonTypeName, type JsonObject, type JsonValue } from './json-value.js';

/** RFC 7386 MergePatch on any JSON value; never mutates its arguments. */
export function mergePatchValue(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatchValue(out[key], value);
  }
  return out;
}

/**
 * Applies a merge patch to an API object. The patch must be an object: any other value
 * would replace the whole object with something that is not one (400 BadRequest).
 */
export function applyMergePatch(original: object, patch: unknown): JsonObject {
  if (!isJsonObject(patch)) {
    throw errors.badRequest(`a merge patch must be a JSON object, got ${jsonTypeName(patch)}`);
  }
  return mergePatchValue(structuredClone(original) as JsonObject, patch) as JsonObject;
}
