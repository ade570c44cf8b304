/**
 * Container ResourceRequirements: resource names, quantities, and requests <= limits
 * (equal for resources that cannot be overcommitted, such as hugepages and devices).
 */
import type { ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { isQualifiedName } from './formats.js';
import { entries, invalidEach, isObj, key } from './helpers.js';
import { compareQuantity, parseQuantity, QUANTITY_FORMAT_MSG, signOf, type Quantity } from './quantity.js';

const STANDARD = new Set(['cpu', 'memory', 'ephemeral-storage']);

const isHugePages = (name: string): boolean => name.startsWith('hugepages-');

/** Native resources have no domain, or kubernetes.io's; only those may be overcommitted. */
const isNative = (name: string): boolean => !name.includes('/') || name.includes('kubernetes.io/');
const overcommitAllowed = (name: string): boolean => isNative(name) && !isHugePages(name);

function resourceName(name: string, path: string): FieldError[] {
  const errs = invalidEach(path, name, isQualifiedName(name));
  if (errs.length > 0) return errs;
  if (STANDARD.has(name) || isHugePages(name) || !isNative(name)) return [];
  return [fe.invalid(path, name, 'must be a standard resource for containers')];
}

function quantities(list: unknown, path: string, out: FieldError[]): Map<string, { raw: unknown; q: Quantity }> {
  const parsed = new Map<string, { raw: unknown; q: Quantity }>();
  if (list !== undefined && list !== null && !isObj(list)) {
    out.push(fe.invalid(path, list, 'must be a map of resource names to quantities'));
    return parsed;
  }
  for (const [name, raw] of entries(list)) {
    const p = key(path, name);
    out.push(...resourceName(name, p));
    const q = parseQuantity(raw);
    if (!q) out.push(fe.invalid(p, raw, QUANTITY_FORMAT_MSG));
    else if (signOf(q) < 0) out.push(fe.invalid(p, raw, 'must be greater than or equal to 0'));
    else parsed.set(name, { raw, q });
  }
  return parsed;
}

export function validateResources(res: ResourceRequirements | undefined, path: string): FieldError[] {
  if (res === undefined || res === null) return [];
  if (!isObj(res)) return [fe.invalid(path, res, 'must be an object')];
  const errs: FieldError[] = [];
  const limits = quantities(res.limits, `${path}.limits`, errs);
  const requests = quantities(res.requests, `${path}.requests`, errs);
  for (const [name, { raw, q }] of requests) {
    const limit = limits.get(name);
    if (limit) {
      const cmp = compareQuantity(q, limit.q);
      if (cmp !== 0 && !overcommitAllowed(name)) {
        errs.push(fe.invalid(`${path}.requests`, String(raw), `must be equal to ${name} limit of ${String(limit.raw)}`));
      } else if (cmp > 0) {
        errs.push(fe.invalid(`${path}.requests`, String(raw), `must be less than or equal to ${name} limit of ${String(limit.raw)}`));
      }
    } else if (!overcommitAllowed(name) && !entries(res.limits).some(([n]) => n === name)) {
      errs.push(fe.required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  const names = [...limits.keys(), ...requests.keys()];
  if (names.some(isHugePages) && !names.some((n) => n === 'cpu' || n === 'memory')) {
    errs.push(fe.forbidden(path, 'HugePages require cpu or memory'));
  }
  return errs;
}
