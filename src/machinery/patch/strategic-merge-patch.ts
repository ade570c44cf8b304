/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), what kubectl
 * sends for apply, edit, set image, rollout restart/pause/resume and plain `kubectl patch`.
 *
 * Like a JSON merge patch, except that lists can be merged: a list of maps with a merge
 * key (containers by name) is merged item by item, a list of primitives with the merge
 * strategy (finalizers) as a set; the field metadata comes from src/api/patch-meta.ts.
 * Directives: `$patch: replace | delete | merge` on a map or a list item, `$retainKeys`,
 * `$deleteFromPrimitiveList/<list>` and `$setElementOrder/<list>`.
 *
 * Ordering of merged lists follows apimachinery exactly, because kubectl apply depends on
 * it: items named in the patch keep the patch's (or `$setElementOrder`'s) order, items
 * only on the server keep theirs, and a patch item not on the server goes before the
 * server items it has no recorded order against. (So a new container patched in without
 * `$setElementOrder` lands first, as it does with a real API server.)
 *
 * Every malformed patch is 400 BadRequest naming the field path. The API server maps most
 * of apimachinery's mergepatch errors to 400 too (a few, such as lists of lists, to 422);
 * one code for "your patch is malformed" is simpler for clients and loses nothing.
 */

import { lookupPatchField, patchRootType, type PatchField } from '../../api/patch-meta.js';
import { errors } from '../errors.js';
import { isJsonObject, jsonTypeName, type JsonObject, type JsonValue } from './json-value.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder';
const DELETE_FROM = '$deleteFromPrimitiveList';

const bad = (path: string, message: string) => errors.badRequest(path ? `${path}: ${message}` : message);
const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Applies `patch` to a copy of `original`, an object of `kind` (e.g. 'Deployment'). */
export function applyStrategicMergePatch(original: object, patch: unknown, kind: string): JsonObject {
  if (!isJsonObject(patch)) {
    throw errors.badRequest(`a strategic merge patch must be a JSON object, got ${jsonTypeName(patch)}`);
  }
  return mergeObject(structuredClone(original) as JsonObject, patch, patchRootType(kind), '');
}

function without(obj: JsonObject, key: string): JsonObject {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
}

/** Merges `patch` into `out`, which this module owns and may change in place. */
function mergeObject(out: JsonObject, patch: JsonObject, type: string | undefined, path: string): JsonObject {
  if (DIRECTIVE in patch) {
    const directive = patch[DIRECTIVE];
    const rest = without(patch, DIRECTIVE);
    if (directive === 'replace') return mergeObject({}, rest, type, path);
    // apimachinery leaves an empty map, not an absent field.
    if (directive === 'delete') return {};
    if (directive !== 'merge') {
      throw bad(path, `unknown $patch directive ${JSON.stringify(directive)}: must be replace, delete or merge`);
    }
    patch = rest;
  }
  if (RETAIN_KEYS in patch) retainKeys(out, patch, path);

  // Ordered lists first: each merges its own patch list, which the loop below then skips.
  const ordered = new Set<string>();
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(`${SET_ORDER}/`)) continue;
    const name = key.slice(SET_ORDER.length + 1);
    if (setElementOrder(out, patch, name, lookupPatchField(type, name), child(path, name))) ordered.add(name);
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key === RETAIN_KEYS || key.startsWith(`${SET_ORDER}/`) || ordered.has(key)) continue;
    if (key.startsWith(`${DELETE_FROM}/`)) {
      deleteFromPrimitiveList(out, key.slice(DELETE_FROM.length + 1), value, path);
      continue;
    }
    if (key === SET_ORDER || key === DELETE_FROM) throw bad(path, `${key} must be followed by /<list field>`);
    if (value === null) {
      delete out[key];
      continue;
    }
    out[key] = mergeValue(out[key], value, lookupPatchField(type, key), child(path, key));
  }
  return out;
}

function mergeValue(current: JsonValue | undefined, value: JsonValue, field: PatchField, path: string): JsonValue {
  if (current === undefined || current === null) return fresh(value, field, path);
  if (isJsonObject(value) && isJsonObject(current) && field.strategy !== 'replace') {
    return mergeObject(current, value, field.type, path);
  }
  if (Array.isArray(value) && Array.isArray(current) && field.strategy === 'merge') {
    return mergeList(current, value, field, path);
  }
  return fresh(value, field, path);
}

/**
 * A patch value with nothing to merge into, still run through the merge so that its
 * directives are carried out and its nulls dropped rather than stored.
 */
function fresh(value: JsonValue, field: PatchField, path: string): JsonValue {
  if (isJsonObject(value)) return mergeObject({}, value, field.type, path);
  if (!Array.isArray(value)) return value;
  if (field.strategy === 'merge') return mergeList([], value, field, path);
  return value.map((item) => (isJsonObject(item) ? mergeObject({}, item, field.type, path) : structuredClone(item)));
}

function retainKeys(out: JsonObject, patch: JsonObject, path: string): void {
  const keep = patch[RETAIN_KEYS];
  if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string')) {
    throw bad(path, `${RETAIN_KEYS} must be a list of field names`);
  }
  const kept = new Set<string>(keep as string[]);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith('$')) continue;
    if (!kept.has(key)) throw bad(path, `field "${key}" is set by the patch but not listed in ${RETAIN_KEYS}`);
  }
  for (const key of Object.keys(out)) if (!kept.has(key)) delete out[key];
}

function deleteFromPrimitiveList(out: JsonObject, name: string, value: JsonValue, path: string): void {
  const where = child(path, name);
  if (!Array.isArray(value)) throw bad(where, `${DELETE_FROM}/${name} must be a list of values to remove`);
  const current = out[name];
  if (current === undefined || current === null) return;
  if (!Array.isArray(current)) throw bad(where, `${DELETE_FROM}/${name} applies to a list, found ${jsonTypeName(current)}`);
  const doomed = new Set(value.map((v) => JSON.stringify(v)));
  out[name] = current.filter((v) => !doomed.has(JSON.stringify(v)));
}

/** How list items are matched: by merge key for maps, by value for primitives. */
type Identity = (item: JsonValue) => string | undefined;

function identityFor(field: PatchField): Identity {
  const { mergeKey } = field;
  if (mergeKey === undefined) return (item) => JSON.stringify(item);
  return (item) => (isJsonObject(item) && item[mergeKey] !== undefined ? JSON.stringify(item[mergeKey]) : undefined);
}

function mergeList(current: JsonValue[], patch: JsonValue[], field: PatchField, path: string): JsonValue[] {
  return field.mergeKey === undefined
    ? mergeSet(current, patch, path)
    : mergeKeyed(current, patch, field, field.mergeKey, path);
}

function mergeSet(current: JsonValue[], patch: JsonValue[], path: string): JsonValue[] {
  for (const item of patch) {
    if (typeof item === 'object' && item !== null) {
      throw bad(path, `a list merged as a set holds only primitive values, got ${jsonTypeName(item)}`);
    }
  }
  const id: Identity = (item) => JSON.stringify(item);
  const seen = new Set<string>();
  const merged = [...current, ...patch].filter((item) => {
    const k = id(item)!;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  return orderList(merged, patch, current, id);
}

function mergeKeyed(
  current: JsonValue[],
  patch: JsonValue[],
  field: PatchField,
  mergeKey: string,
  path: string,
): JsonValue[] {
  const id = identityFor(field);
  const requireKey = (item: JsonObject, i: number) => {
    if (item[mergeKey] === undefined) {
      throw bad(`${path}[${i}]`, `${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    }
  };
  let base = current.slice();
  const items: JsonObject[] = [];
  let replace = false;
  patch.forEach((item, i) => {
    if (!isJsonObject(item)) {
      throw bad(`${path}[${i}]`, `a list merged by "${mergeKey}" holds objects, got ${jsonTypeName(item)}`);
    }
    if (!(DIRECTIVE in item)) {
      requireKey(item, i);
      items.push(item);
      return;
    }
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      requireKey(item, i);
      const doomed = id(item);
      base = base.filter((x) => id(x) !== doomed);
    } else if (directive === 'replace') {
      // The list becomes exactly the patch's other items; keep scanning to drop other directives.
      replace = true;
    } else if (directive === 'merge') {
      const rest = without(item, DIRECTIVE);
      if (Object.keys(rest).length > 0) {
        requireKey(rest, i);
        items.push(rest);
      }
    } else {
      throw bad(`${path}[${i}]`, `unknown $patch directive ${JSON.stringify(directive)}: must be replace, delete or merge`);
    }
  });
  if (replace) return items.map((item) => mergeObject({}, item, field.type, path));

  for (const item of items) {
    const at = base.findIndex((x) => id(x) === id(item));
    if (at >= 0 && isJsonObject(base[at])) base[at] = mergeObject(base[at] as JsonObject, item, field.type, path);
    else base.push(mergeObject({}, item, field.type, path));
  }
  return orderList(base, items, current, id);
}

/**
 * Applies `$setElementOrder/<name>`: merges the list's patch (if any) and puts the result
 * in the given order. Returns false when the list is being deleted, left to the caller.
 */
function setElementOrder(out: JsonObject, patch: JsonObject, name: string, field: PatchField, path: string): boolean {
  const order = patch[`${SET_ORDER}/${name}`];
  const value = patch[name];
  if (value === null) return false;
  if (!Array.isArray(order)) throw bad(path, `${SET_ORDER}/${name} must be a list`);
  if (value !== undefined && !Array.isArray(value)) throw bad(path, `expected a list, got ${jsonTypeName(value)}`);
  const current = out[name];
  if (current !== undefined && current !== null && !Array.isArray(current)) {
    throw bad(path, `${SET_ORDER} applies to a list, found ${jsonTypeName(current)}`);
  }
  const id = identityFor(field);
  if (field.mergeKey !== undefined) {
    order.forEach((entry, i) => {
      if (id(entry) === undefined) throw bad(path, `${SET_ORDER}/${name}[${i}] does not contain declared merge key: ${field.mergeKey}`);
    });
  }
  if (value !== undefined) checkOrder(value, order, id, name, path);

  let merged: JsonValue[];
  if (value === undefined) {
    if (current === undefined || current === null) return true;
    merged = current;
  } else if (current === undefined || current === null) {
    merged = fresh(value, field, path) as JsonValue[];
  } else {
    merged = mergeValue(current, value, field, path) as JsonValue[];
  }
  out[name] = orderList(merged, order, current ?? [], id);
  return true;
}

/** The patch list's items (deletions and directives aside) must appear in `$setElementOrder`, in its order. */
function checkOrder(list: JsonValue[], order: JsonValue[], id: Identity, name: string, path: string): void {
  let o = 0;
  for (const item of list) {
    if (isJsonObject(item) && DIRECTIVE in item) continue;
    const k = id(item);
    while (o < order.length && id(order[o]) !== k) o++;
    if (o === order.length) {
      throw bad(path, `the order of the patch list doesn't match ${SET_ORDER}/${name}: ${JSON.stringify(item)} is missing or out of order`);
    }
    o++;
  }
}

/**
 * Puts a merged list in order (apimachinery's normalizeElementOrder): items named in
 * `patchOrder` sorted by it, the rest sorted by `serverOrder`, then the two interleaved so
 * that a server item goes first only where the server's order puts it before a patch item.
 */
function orderList(merged: JsonValue[], patchOrder: JsonValue[], serverOrder: JsonValue[], id: Identity): JsonValue[] {
  const indexIn = (list: JsonValue[]) => {
    const at = new Map<string, number>();
    list.forEach((item, i) => {
      const k = id(item);
      if (k !== undefined && !at.has(k)) at.set(k, i);
    });
    return (item: JsonValue) => {
      const k = id(item);
      return k === undefined ? -1 : (at.get(k) ?? -1);
    };
  };
  const patchIndex = indexIn(patchOrder);
  const serverIndex = indexIn(serverOrder);
  const byIndex = (index: (item: JsonValue) => number) => (a: JsonValue, b: JsonValue) => {
    const ia = index(a);
    const ib = index(b);
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || 0;
  };
  const fromPatch = merged.filter((item) => patchIndex(item) >= 0).sort(byIndex(patchIndex));
  const serverOnly = merged.filter((item) => patchIndex(item) < 0).sort(byIndex(serverIndex));

  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < fromPatch.length) {
    if (j >= fromPatch.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(fromPatch[j++]);
    else {
      const si = serverIndex(serverOnly[i]);
      const pi = serverIndex(fromPatch[j]);
      if (si >= 0 && pi >= 0 && si < pi) out.push(serverOnly[i++]);
      else out.push(fromPatch[j++]);
    }
  }
  return out;
}
