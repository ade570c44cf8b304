/**
 * Strict field validation against orch's schema: fields the schema does not declare, and
 * values of the wrong JSON type. Maps and free-form fields accept any key.
 *
 * Paths use Kubernetes' notation, e.g. `spec.template.spec.containers[0].imagee`; the API
 * server reports unknown ones as `strict decoding error: unknown field "<path>", …`.
 */

import { fe, type FieldError } from '../field-errors.js';
import type { Schema, TypeDef } from './dsl.js';
import { typeDef } from './index.js';

interface Visitor {
  unknown(path: string): void;
  mismatch(path: string, value: unknown, expected: string): void;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

function walkType(def: TypeDef, value: Record<string, unknown>, path: string, v: Visitor): void {
  for (const [key, child] of Object.entries(value)) {
    const field = def.properties[key];
    if (!field) v.unknown(join(path, key));
    else walkSchema(field.schema, child, join(path, key), v);
  }
}

const INT32 = 2 ** 31;

function walkSchema(s: Schema, value: unknown, path: string, v: Visitor): void {
  // JSON null decodes to the zero value in Kubernetes, so it is valid for every type.
  if (value === null || value === undefined) return;
  switch (s.kind) {
    case 'ref':
      if (isObject(value)) walkType(typeDef(s.id), value, path, v);
      else v.mismatch(path, value, 'object');
      return;
    case 'array':
      if (Array.isArray(value)) value.forEach((item, i) => walkSchema(s.items, item, `${path}[${i}]`, v));
      else v.mismatch(path, value, 'array');
      return;
    case 'map':
      if (isObject(value)) for (const [k, item] of Object.entries(value)) walkSchema(s.values, item, join(path, k), v);
      else v.mismatch(path, value, 'object');
      return;
    case 'any':
      return;
    case 'integer': {
      const ok = typeof value === 'number' && Number.isInteger(value);
      if (!ok) v.mismatch(path, value, 'integer');
      else if (s.format === 'int32' && (value < -INT32 || value >= INT32)) v.mismatch(path, value, 'int32');
      return;
    }
    case 'number':
      if (typeof value !== 'number') v.mismatch(path, value, 'number');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') v.mismatch(path, value, 'boolean');
      return;
    case 'int-or-string':
      if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) {
        v.mismatch(path, value, 'integer or string');
      }
      return;
    case 'quantity':
      // Quantities decode from JSON numbers as well as strings ("500m", 1, 0.5).
      if (typeof value !== 'string' && typeof value !== 'number') v.mismatch(path, value, 'string');
      return;
    default:
      if (typeof value !== 'string') v.mismatch(path, value, 'string');
  }
}

function walk(kind: TypeDef, obj: unknown, v: Visitor): void {
  if (isObject(obj)) walkType(kind, obj, '', v);
}

/** Paths of fields in `obj` that `kind` does not declare, in document order. */
export function findUnknownFields(kind: TypeDef, obj: unknown): string[] {
  const out: string[] = [];
  walk(kind, obj, { unknown: (p) => out.push(p), mismatch: () => {} });
  return out;
}

/** Fields whose JSON type does not fit the schema, e.g. a string where an integer belongs. */
export function findTypeErrors(kind: TypeDef, obj: unknown): FieldError[] {
  const out: FieldError[] = [];
  walk(kind, obj, {
    unknown: () => {},
    mismatch: (p, value, expected) => out.push(fe.typeInvalid(p, value, `must be of type ${expected}`)),
  });
  return out;
}

/** The message Kubernetes uses to reject unknown fields under fieldValidation=Strict. */
export function strictDecodingMessage(paths: readonly string[]): string {
  return `strict decoding error: ${paths.map((p) => `unknown field ${JSON.stringify(p)}`).join(', ')}`;
}
