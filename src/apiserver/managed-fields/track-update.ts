/**
 * Ownership after an ordinary write (create, update, patch) to an object whose fields have
 * owners: the writer takes every field it changed or added, from whoever held it, and
 * fields it removed have no owner left. Objects without managedFields are not tracked (a
 * deliberate saving: only objects that have been applied pay for the bookkeeping, and an
 * apply cannot conflict with writers that came before the first apply).
 */
import { FieldSet, splitPath } from './field-set.js';
import { decodeEntries, encodeEntries, nowRfc3339, sameManager } from './entries.js';
import { fieldsOf, jsonEqual, valueAt, type FieldScope } from './object-fields.js';

export interface UpdateRequest {
  old: any;
  /** The object about to be stored; its metadata.managedFields is set here. */
  next: any;
  manager: string;
  scope: FieldScope;
  subresource: string;
}

export function trackUpdate(req: UpdateRequest): void {
  const stored = req.old?.metadata?.managedFields;
  const sent = req.next.metadata.managedFields;
  // A client that sends managedFields of its own (other than a plain round trip) sets them:
  // `[{}]` clears them, as in Kubernetes.
  if (Array.isArray(sent) && sent.length > 0 && !jsonEqual(sent, stored)) {
    const entries = encodeEntries(decodeEntries(sent));
    if (entries.length) req.next.metadata.managedFields = entries;
    else delete req.next.metadata.managedFields;
    return;
  }
  const entries = decodeEntries(stored);
  if (entries.length === 0) {
    delete req.next.metadata.managedFields;
    return;
  }
  const before = fieldsOf(req.old, req.scope);
  const after = fieldsOf(req.next, req.scope);
  const changed = new FieldSet();
  for (const p of after.keys()) {
    const path = splitPath(p);
    const was = valueAt(req.old, path);
    const isItem = /^[kv]:/.test(path[path.length - 1]);
    if (!was.found || (!isItem && !jsonEqual(was.value, valueAt(req.next, path).value))) changed.add(path);
  }
  const gone = before.difference(after);
  let mine = entries.find((e) => sameManager(e, req.manager, 'Update', req.subresource));
  for (const e of entries) {
    for (const p of changed.keys()) if (e !== mine) e.fields.delete(p);
    for (const p of gone.keys()) e.fields.delete(p);
  }
  if (changed.size > 0) {
    if (!mine) {
      mine = { manager: req.manager, operation: 'Update', apiVersion: String(req.next.apiVersion ?? ''), time: '', subresource: req.subresource, fields: new FieldSet() };
      entries.push(mine);
    }
    mine.fields = mine.fields.union(changed);
    mine.time = nowRfc3339();
  }
  req.next.metadata.managedFields = encodeEntries(entries);
  if (req.next.metadata.managedFields.length === 0) delete req.next.metadata.managedFields;
}
