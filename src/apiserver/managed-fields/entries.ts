/** metadata.managedFields: one entry per (manager, operation, subresource), with its fields. */
import { FieldSet } from './field-set.js';

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  /** RFC 3339, whole seconds. */
  time: string;
  /** '' for the main resource. */
  subresource: string;
  fields: FieldSet;
}

export const sameManager = (e: ManagerEntry, manager: string, operation: ManagerEntry['operation'], subresource: string): boolean =>
  e.manager === manager && e.operation === operation && e.subresource === subresource;

/** Reads stored entries; entries without a manager or fields are dropped. */
export function decodeEntries(managedFields: unknown): ManagerEntry[] {
  if (!Array.isArray(managedFields)) return [];
  const out: ManagerEntry[] = [];
  for (const raw of managedFields) {
    if (raw === null || typeof raw !== 'object') continue;
    const m = raw as Record<string, unknown>;
    if (typeof m.manager !== 'string' || (m.operation !== 'Apply' && m.operation !== 'Update')) continue;
    const fields = FieldSet.fromFieldsV1(m.fieldsV1);
    if (fields.size === 0) continue;
    out.push({
      manager: m.manager,
      operation: m.operation,
      apiVersion: typeof m.apiVersion === 'string' ? m.apiVersion : '',
      time: typeof m.time === 'string' ? m.time : '',
      subresource: typeof m.subresource === 'string' ? m.subresource : '',
      fields,
    });
  }
  return out;
}

/** The stored form, in a stable order (as kube-apiserver: appliers first, then by time). */
export function encodeEntries(entries: ManagerEntry[]): object[] {
  return entries
    .filter((e) => e.fields.size > 0)
    .sort((a, b) => (a.operation === b.operation ? a.time.localeCompare(b.time) || a.manager.localeCompare(b.manager) : a.operation === 'Apply' ? -1 : 1))
    .map((e) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: e.time,
      fieldsType: 'FieldsV1',
      fieldsV1: e.fields.toFieldsV1(),
      ...(e.subresource ? { subresource: e.subresource } : {}),
    }));
}

export const nowRfc3339 = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
