/**
 * metav1.LabelSelector: validation (ValidateLabelSelector) and matching, which workload
 * validation needs to check that a selector selects its own template.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { isQualifiedName } from './formats.js';
import { arr, entries, idx, invalidEach, isObj } from './helpers.js';
import { validateLabels } from './object-meta.js';

export function validateLabelSelector(sel: LabelSelector | undefined, path: string): FieldError[] {
  if (sel === undefined || sel === null) return [];
  if (!isObj(sel)) return [fe.invalid(path, sel, 'must be a label selector')];
  const errs: FieldError[] = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  arr(sel.matchExpressions).forEach((req, i) => {
    const p = idx(`${path}.matchExpressions`, i);
    if (!isObj(req)) {
      errs.push(fe.invalid(p, req, 'must be a label selector requirement'));
      return;
    }
    const values = arr(req.values);
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(fe.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(fe.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fe.invalid(`${p}.operator`, req.operator, 'not a valid selector operator'));
    }
    errs.push(...invalidEach(`${p}.key`, req.key, isQualifiedName(typeof req.key === 'string' ? req.key : '')));
  });
  return errs;
}

export const isEmptySelector = (sel: LabelSelector): boolean =>
  entries(sel.matchLabels).length + arr(sel.matchExpressions).length === 0;

/** Whether `labels` satisfy the selector; call only on a selector that validated. */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const have = isObj(labels) ? labels : {};
  for (const [k, v] of entries(sel.matchLabels)) if (have[k] !== v) return false;
  for (const req of arr(sel.matchExpressions)) {
    const present = Object.hasOwn(have, req.key);
    const values = arr(req.values);
    switch (req.operator) {
      case 'In':
        if (!present || !values.includes(have[req.key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[req.key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
