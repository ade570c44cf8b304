/**
 * JSON patch (RFC 6902), the `application/json-patch+json` PATCH body.
 *
 * Status codes follow the Kubernetes API server: a body that is not a well-formed patch is
 * 400 BadRequest (jsonpatch.DecodePatch fails there); a well-formed patch that cannot be
 * applied to this object (a failed `test`, a path that does not exist) is 422 Invalid,
 * "the server rejected our request due to an error in our request". Kubernetes drops the
 * detail from that 422; orch appends it, since "which operation, and why" is what the user
 * needs to fix the patch. More than 10000 operations is 413, as in Kubernetes.
 */

import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { ApiError, errors } from '../errors.js';
import { isJsonObject, jsonTypeName, type JsonObject } from './json-value.js';

/** Kubernetes' limit (maxJSONPatchOperations), which bounds the work one request can ask for. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
const NEEDS_VALUE = new Set(['add', 'replace', 'test']);
const NEEDS_FROM = new Set(['move', 'copy']);

const REJECTED = 'the server rejected our request due to an error in our request';

function rejected(detail: string): ApiError {
  return new ApiError(422, 'Invalid', `${REJECTED}: ${detail}`);
}

function isPointer(p: unknown): p is string {
  return typeof p === 'string' && (p === '' || p.startsWith('/')) && !/~[^01]|~$/.test(p);
}

/** Checks the shape of every operation before any is applied: a malformed patch is the client's bug, 400. */
export function parseJsonPatch(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) {
    throw errors.badRequest(`a JSON patch must be an array of operations, got ${jsonTypeName(patch)}`);
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw errors.tooLarge(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  patch.forEach((op: unknown, i) => {
    const where = `JSON patch operation ${i}`;
    if (!isJsonObject(op)) throw errors.badRequest(`${where} must be an object, got ${jsonTypeName(op)}`);
    if (typeof op.op !== 'string' || !OPS.has(op.op)) {
      throw errors.badRequest(
        `${where} has unsupported "op" ${JSON.stringify(op.op ?? null)}: must be one of add, remove, replace, move, copy, test`,
      );
    }
    if (!isPointer(op.path)) {
      throw errors.badRequest(`${where} (${op.op}) has an invalid "path" ${JSON.stringify(op.path ?? null)}: must be a JSON pointer such as "/spec/replicas"`);
    }
    if (NEEDS_VALUE.has(op.op) && !('value' in op)) {
      throw errors.badRequest(`${where} (${op.op} ${op.path}) is missing "value"`);
    }
    if (NEEDS_FROM.has(op.op) && !isPointer(op.from)) {
      throw errors.badRequest(`${where} (${op.op} ${op.path}) has an invalid "from" ${JSON.stringify(op.from ?? null)}: must be a JSON pointer`);
    }
  });
  return structuredClone(patch) as Operation[];
}

const REASONS: Record<string, string> = {
  TEST_OPERATION_FAILED: 'test failed: the value differs',
  OPERATION_PATH_UNRESOLVABLE: 'the path does not exist',
  OPERATION_FROM_UNRESOLVABLE: 'the "from" path does not exist',
  OPERATION_PATH_CANNOT_ADD: 'cannot add: the parent of the path does not exist',
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: 'an array index must be a non-negative integer or "-"',
  OPERATION_VALUE_OUT_OF_BOUNDS: 'the array index is out of bounds',
};

function describe(op: Operation, i: number): string {
  const from = 'from' in op ? ` from ${op.from}` : '';
  return `JSON patch operation ${i} (${op.op} ${op.path}${from})`;
}

/** Applies an RFC 6902 patch to a copy of `original`; throws ApiError (400, 413 or 422). */
export function applyJsonPatch(original: object, patch: unknown): JsonObject {
  const ops = parseJsonPatch(patch);
  let doc: unknown = structuredClone(original);
  ops.forEach((op, i) => {
    // RFC 6902 4.4: a location cannot be moved into one of its own children.
    if (op.op === 'move' && op.path.startsWith(`${op.from}/`)) {
      throw rejected(`${describe(op, i)}: cannot move a value into one of its own children`);
    }
    try {
      // One operation at a time, so that an error names its operation: the library's own
      // validator reports every failure as operation 0.
      doc = jsonpatch.applyOperation(doc, op, true, true, true, i).newDocument;
    } catch (e) {
      if (e instanceof jsonpatch.JsonPatchError) throw rejected(`${describe(op, i)}: ${REASONS[e.name] ?? e.message}`);
      // fast-json-patch refuses __proto__ and constructor/prototype with a TypeError.
      if (e instanceof TypeError) throw rejected(`${describe(op, i)}: the path is not allowed`);
      throw e;
    }
  });
  if (!isJsonObject(doc)) throw rejected(`the patched document must be a JSON object, got ${jsonTypeName(doc)}`);
  return doc;
}
