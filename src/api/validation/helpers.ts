/**
 * Small shared pieces for validators: defensive access to decoded JSON (which may not
 * have the shape its type claims), field-path builders and semantic equality.
 */
import { fe, type FieldError } from '../field-errors.js';

export type Obj = Record<string, any>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The array, or [] when the decoded value is missing or not an array. */
export const arr = <T>(v: readonly T[] | undefined | null): readonly T[] => (Array.isArray(v) ? v : []);

/** The object's entries, or [] when it is missing or not an object. */
export const entries = (v: unknown): [string, any][] => (isObj(v) ? Object.entries(v) : []);

export const idx = (path: string, i: number): string => `${path}[${i}]`;
export const key = (path: string, k: string): string => `${path}[${k}]`;

export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

const NEGATIVE = 'must be greater than or equal to 0';

/** Kubernetes' ValidateNonnegativeField, plus a type check since JSON may carry anything. */
export function nonNegative(path: string, v: unknown): FieldError[] {
  if (v === undefined || v === null) return [];
  if (!isInt(v)) return [fe.invalid(path, v, 'must be an integer')];
  return v < 0 ? [fe.invalid(path, v, NEGATIVE)] : [];
}

/** An optional integer that must be > 0. */
export function positive(path: string, v: unknown): FieldError[] {
  if (v === undefined || v === null) return [];
  if (!isInt(v)) return [fe.invalid(path, v, 'must be an integer')];
  return v <= 0 ? [fe.invalid(path, v, 'must be greater than 0')] : [];
}

/** Wraps each message from a format check into an Invalid error at `path`. */
export const invalidEach = (path: string, value: unknown, msgs: readonly string[]): FieldError[] =>
  msgs.map((m) => fe.invalid(path, value, m));

/**
 * Go's semantic DeepEqual as it applies to decoded JSON: a key holding undefined or null
 * is the same as a missing key, because both decode to Go's zero value.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (b === undefined || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** Reports `path` as immutable when the values differ semantically. */
export const immutable = (path: string, next: unknown, prev: unknown): FieldError[] =>
  deepEqual(next, prev) ? [] : [fe.immutable(path, next)];

/**
 * Kubernetes reports a missing referent as `Not found: "x"`; field-errors.ts has no
 * NotFound type, so it is an Invalid error whose detail says the same.
 */
export const notFound = (path: string, value: unknown): FieldError => fe.invalid(path, value, 'not found');
