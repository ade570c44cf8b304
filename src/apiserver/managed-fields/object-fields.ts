/**
 * The fields an object sets, as a FieldSet, and reading or removing the value at a path.
 * List handling follows the strategic-merge metadata (src/api/patch-meta.ts), the same
 * rules apply merges with: a list merged on a key is associative (each item owned on its
 * own), a merged list of primitives is a set, any other list is atomic (owned whole).
 */
import { lookupPatchField, patchRootType, type PatchField } from '../../api/patch-meta.js';
import { FieldSet, type Path, type PathElement } from './field-set.js';

/**
 * Which part of an object a request writes. The main resource of a kind with a status
 * subresource does not own status; the status subresource owns only status.
 */
export interface FieldScope {
  kind: string;
  part: 'all' | 'main' | 'status';
}

/** metadata fields that have owners; name, uid, resourceVersion and the rest are the server's or fixed. */
const OWNED_METADATA = ['labels', 'annotations', 'finalizers', 'ownerReferences'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function topLevel(field: string, scope: FieldScope): boolean {
  if (field === 'apiVersion' || field === 'kind') return false;
  if (scope.part === 'status') return field === 'status';
  return !(scope.part === 'main' && field === 'status');
}

/** Every path `obj` sets within `scope`. */
export function fieldsOf(obj: unknown, scope: FieldScope): FieldSet {
  const set = new FieldSet();
  if (!isObject(obj)) return set;
  const root = patchRootType(scope.kind);
  for (const [k, v] of Object.entries(obj)) {
    if (!topLevel(k, scope)) continue;
    if (k === 'metadata') {
      if (!isObject(v)) continue;
      const meta = lookupPatchField(root, 'metadata');
      for (const mk of OWNED_METADATA) if (v[mk] !== undefined) visit(v[mk], lookupPatchField(meta.type, mk), ['f:metadata', `f:${mk}`], set);
    } else {
      visit(v, lookupPatchField(root, k), [`f:${k}`], set);
    }
  }
  return set;
}

function visit(value: unknown, field: PatchField, path: PathElement[], set: FieldSet): void {
  if (Array.isArray(value)) return visitList(value, field, path, set);
  if (isObject(value)) {
    const keys = Object.keys(value);
    // An empty map is a value of its own; a full one is only the sum of its fields.
    if (keys.length === 0) return set.add(path);
    for (const k of keys) visit(value[k], lookupPatchField(field.type, k), [...path, `f:${k}`], set);
    return;
  }
  set.add(path);
}

function visitList(list: unknown[], field: PatchField, path: PathElement[], set: FieldSet): void {
  if (list.length === 0) return set.add(path);
  const kind = listKind(list, field);
  if (kind === 'associative') {
    const key = field.mergeKey!;
    for (const item of list as Record<string, unknown>[]) {
      const itemPath = [...path, itemElement(key, item[key])];
      set.add(itemPath);
      for (const k of Object.keys(item)) visit(item[k], lookupPatchField(field.type, k), [...itemPath, `f:${k}`], set);
    }
  } else if (kind === 'set') {
    for (const v of list) set.add([...path, `v:${JSON.stringify(v)}`]);
  } else {
    set.add(path);
  }
}

function listKind(list: unknown[], field: PatchField): 'associative' | 'set' | 'atomic' {
  if (field.strategy !== 'merge') return 'atomic';
  const key = field.mergeKey;
  if (key) return list.every((i) => isObject(i) && i[key] !== undefined && i[key] !== null) ? 'associative' : 'atomic';
  return list.every((i) => i === null || typeof i !== 'object') ? 'set' : 'atomic';
}

const itemElement = (key: string, value: unknown): PathElement => `k:${JSON.stringify({ [key]: value })}`;

/** Deep equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Where a path element points inside `container`: a field name, a list index, or nothing. */
function locate(container: unknown, el: PathElement): string | number | undefined {
  const body = el.slice(2);
  if (el.startsWith('f:')) return isObject(container) && body in container ? body : undefined;
  if (!Array.isArray(container)) return undefined;
  if (el.startsWith('k:')) {
    const keys = Object.entries(JSON.parse(body) as Record<string, unknown>);
    const i = container.findIndex((item) => isObject(item) && keys.every(([k, v]) => jsonEqual(item[k], v)));
    return i < 0 ? undefined : i;
  }
  if (el.startsWith('v:')) {
    const want = JSON.parse(body) as unknown;
    const i = container.findIndex((item) => jsonEqual(item, want));
    return i < 0 ? undefined : i;
  }
  return undefined;
}

/** The value at `path`, or `{ found: false }`. */
export function valueAt(obj: unknown, path: Path): { found: boolean; value?: unknown } {
  let cur: any = obj;
  for (const el of path) {
    const at = locate(cur, el);
    if (at === undefined) return { found: false };
    cur = cur[at];
  }
  return { found: true, value: cur };
}

/** Removes the field or list item at `path` from `obj` (in place); absent paths are ignored. */
export function removeAt(obj: unknown, path: Path): void {
  if (path.length === 0) return;
  const parent = valueAt(obj, path.slice(0, -1));
  if (!parent.found) return;
  const at = locate(parent.value, path[path.length - 1]);
  if (at === undefined) return;
  if (typeof at === 'number') (parent.value as unknown[]).splice(at, 1);
  else delete (parent.value as Record<string, unknown>)[at];
}
