import { alreadyExists, conflict, isStorageError, notFound } from '../errors.js';
import type { KeyValue, WatchEvent } from '../store.js';
import { toKeyValue } from './rows.js';
import type { Statements } from './schema.js';

export type WriteOp =
  | { kind: 'create'; key: string; value: Uint8Array }
  | { kind: 'update'; key: string; value: Uint8Array; expectedRevision: number }
  | { kind: 'delete'; key: string; expectedRevision?: number };

export interface Applied {
  kv: KeyValue;
  event: WatchEvent;
}

/**
 * Checks one write's precondition against the latest row and appends its row. Must run
 * inside a transaction; throws StorageError for a failed precondition, which leaves the
 * transaction usable for the other writes of the batch.
 */
export function applyWrite(stmts: Statements, op: WriteOp): Applied {
  const latest = stmts.latest.get(op.key);
  const live = latest !== undefined && latest.deleted === 0 ? toKeyValue(latest) : undefined;
  const prevRevision = latest?.id ?? 0;
  switch (op.kind) {
    case 'create': {
      if (live) throw alreadyExists(op.key);
      const id = insert(stmts, op, [op.key, 1, 0, 0, prevRevision, op.value]);
      const kv = { key: op.key, value: op.value, modRevision: id, createRevision: id };
      return { kv, event: { type: 'create', kv } };
    }
    case 'update': {
      if (!live) throw notFound(op.key);
      if (live.modRevision !== op.expectedRevision) throw conflict(op.key, live.modRevision);
      const id = insert(stmts, op, [op.key, 0, 0, live.createRevision, prevRevision, op.value]);
      const kv = { key: op.key, value: op.value, modRevision: id, createRevision: live.createRevision };
      return { kv, event: { type: 'update', kv, prev: live } };
    }
    case 'delete': {
      if (!live) throw notFound(op.key);
      if (op.expectedRevision !== undefined && live.modRevision !== op.expectedRevision) {
        throw conflict(op.key, live.modRevision);
      }
      // The tombstone keeps the deleted value so that a replayed delete event needs no join.
      const id = insert(stmts, op, [op.key, 0, 1, live.createRevision, prevRevision, live.value]);
      const kv = { ...live, modRevision: id };
      return { kv, event: { type: 'delete', kv, prev: live } };
    }
  }
}

type InsertArgs = [string, number, number, number, number, Uint8Array];

function insert(stmts: Statements, op: WriteOp, args: InsertArgs): number {
  try {
    return Number(stmts.insert.run(...args).lastInsertRowid);
  } catch (err) {
    // Only another writer on the same file can get here (this process checked the latest
    // row just now): it appended a row after the same predecessor first.
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      throw op.kind === 'create' ? alreadyExists(op.key) : conflict(op.key);
    }
    throw err;
  }
}

export const isPreconditionFailure = (err: unknown) =>
  isStorageError(err, 'NotFound') || isStorageError(err, 'AlreadyExists') || isStorageError(err, 'Conflict');
