/**
 * Server-side apply with field ownership. Applying a configuration as `manager`:
 * - a field in the configuration that another manager owns with a different value is a
 *   conflict (409, one cause per field) unless the apply is forced, which takes the field;
 * - a field this manager applied before and leaves out now is removed from the object,
 *   unless another manager owns it too;
 * - the configuration is merged into the object (maps by key, associative lists by item);
 * - the manager's Apply entry becomes exactly the configuration's fields.
 */
import { errors, type ApiError } from '../../machinery/errors.js';
import { describePath, FieldSet, joinPath, splitPath } from './field-set.js';
import { decodeEntries, encodeEntries, nowRfc3339, sameManager, type ManagerEntry } from './entries.js';
import { fieldsOf, jsonEqual, removeAt, valueAt, type FieldScope } from './object-fields.js';

export interface ApplyRequest {
  /** The stored object (not changed). */
  current: any;
  /** The applied configuration. */
  config: any;
  manager: string;
  force: boolean;
  scope: FieldScope;
  subresource: string;
  /** Merges the configuration into the object with the fields to drop already removed. */
  merge(object: any, config: any): any;
}

export function applyWithOwnership(req: ApplyRequest): any {
  const entries = decodeEntries(req.current?.metadata?.managedFields);
  const applied = fieldsOf(req.config, req.scope);
  const isMine = (e: ManagerEntry) => sameManager(e, req.manager, 'Apply', req.subresource);
  const others = entries.filter((e) => !isMine(e));

  const conflicts: { path: string; entry: ManagerEntry }[] = [];
  for (const e of others) {
    for (const p of e.fields.intersection(applied).keys()) {
      const path = splitPath(p);
      const have = valueAt(req.current, path);
      const want = valueAt(req.config, path);
      // Only a value that is there and differs conflicts. A list item (k:/v:) is the same
      // item whatever its fields hold; its fields are compared on their own.
      if (!have.found || /^[kv]:/.test(path[path.length - 1])) continue;
      if (!jsonEqual(have.value, want.value)) conflicts.push({ path: p, entry: e });
    }
  }
  if (conflicts.length && !req.force) throw conflictError(conflicts);
  for (const c of conflicts) c.entry.fields.delete(c.path);

  const previous = entries.find(isMine)?.fields ?? new FieldSet();
  const object = structuredClone(req.current);
  // Shallowest first: a list item nobody else holds goes whole, with its fields (whose
  // removal one by one would first remove the key that finds the item).
  const dropped = [...previous.difference(applied).keys()].map(splitPath).sort((a, b) => a.length - b.length);
  const removed: string[] = [];
  for (const path of dropped) {
    const p = joinPath(path);
    if (removed.some((r) => p.startsWith(r + '\n'))) continue;
    if (others.some((e) => e.fields.touches(p))) continue;
    removeAt(object, path);
    removed.push(p);
    pruneEmptied(object, path.slice(0, -1), others);
  }

  const merged = req.merge(object, req.config);
  merged.metadata ??= {};
  merged.metadata.managedFields = encodeEntries([appliedEntry(req, applied), ...others]);
  return merged;
}

/**
 * A list or map left empty by a removal goes too, up to the first ancestor that still
 * holds something or that someone owns as a value of its own.
 */
function pruneEmptied(object: any, path: string[], others: ManagerEntry[]): void {
  for (let p = path; p.length > 1; p = p.slice(0, -1)) {
    const at = valueAt(object, p);
    const empty = at.found && at.value !== null && typeof at.value === 'object' && Object.keys(at.value).length === 0;
    if (!empty || others.some((e) => e.fields.has(p))) return;
    removeAt(object, p);
  }
}

/** managedFields of an object created by an apply: the applier owns what it sent. */
export function ownershipOfCreated(req: Omit<ApplyRequest, 'current' | 'force' | 'merge'>): object[] {
  return encodeEntries([appliedEntry(req, fieldsOf(req.config, req.scope))]);
}

function appliedEntry(req: Pick<ApplyRequest, 'config' | 'manager' | 'subresource'> & { current?: any }, fields: FieldSet): ManagerEntry {
  return {
    manager: req.manager,
    operation: 'Apply',
    apiVersion: String(req.config.apiVersion ?? req.current?.apiVersion ?? ''),
    time: nowRfc3339(),
    subresource: req.subresource,
    fields,
  };
}

function conflictError(conflicts: { path: string; entry: ManagerEntry }[]): ApiError {
  const label = (e: ManagerEntry) => `"${e.manager}"${e.subresource ? ` with subresource "${e.subresource}"` : ''}${e.apiVersion ? ` using ${e.apiVersion}` : ''}`;
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${label(c.entry)}`, field: describePath(splitPath(c.path)) }));
  const byManager = new Map<string, string[]>();
  for (const c of causes) byManager.set(c.message, [...(byManager.get(c.message) ?? []), c.field]);
  const parts = [...byManager].map(([who, fields]) => (fields.length === 1 ? `${who}: ${fields[0]}` : `${who.replace(/^conflict/, 'conflicts')}:\n- ${fields.join('\n- ')}`));
  const n = conflicts.length;
  return errors.applyConflict(`Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${parts.join('\n')}`, causes);
}
