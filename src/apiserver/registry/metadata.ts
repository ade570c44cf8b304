/** Checks on the shape of an incoming object's metadata, before any strategy runs. */
import { errors, type ResourceRef } from '../../machinery/errors.js';
import { randomInt } from 'node:crypto';

/** The body must be an object with an object `metadata`; names must be strings. */
export function validateMetaShape(obj: any, ref: ResourceRef): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw errors.badRequest(`the body of the request must be a ${ref.kind} object`);
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  const m = obj.metadata;
  if (typeof m !== 'object' || Array.isArray(m)) throw errors.badRequest('metadata must be an object');
  for (const f of ['name', 'generateName', 'namespace', 'resourceVersion', 'uid'] as const) {
    if (m[f] !== undefined && typeof m[f] !== 'string')
      throw errors.invalid(ref, [{ type: 'FieldValueTypeInvalid', field: `metadata.${f}`, value: m[f], detail: 'must be a string' }]);
  }
  if (!m.name && !m.generateName)
    throw errors.invalid(ref, [{ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' }]);
}

// Kubernetes' alphabet for generated names: no vowels (no words) and no look-alike characters.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function generateNameSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}
