/**
 * Labels and label selectors rendered the way kubectl shows them in SELECTOR columns:
 * requirements sorted by key, values sorted, `a=b,tier in (be,fe),!canary`.
 */
import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';

// Code-unit order, which for label keys and values (ASCII) is the byte order Go sorts by.
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `k1=v1,k2=v2` sorted by key, or `<none>` for no labels. */
export function formatLabels(labels: Record<string, string> | null | undefined): string {
  const keys = Object.keys(labels ?? {}).sort(byString);
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

function requirement(r: LabelSelectorRequirement): string | undefined {
  const values = [...(r.values ?? [])].sort(byString);
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) return undefined;
      return `${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`;
    case 'Exists':
      return values.length === 0 ? r.key : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? `!${r.key}` : undefined;
    default:
      return undefined;
  }
}

/**
 * A label selector as a selector string; '' for a nil or empty selector, and undefined when
 * the selector is invalid (an unknown operator, or values where none belong or none given).
 */
export function labelSelectorString(sel: LabelSelector | null | undefined): string | undefined {
  if (!sel) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key, text: `${key}=${value}` });
  for (const expr of sel.matchExpressions ?? []) {
    const text = requirement(expr);
    if (text === undefined) return undefined;
    reqs.push({ key: expr.key, text });
  }
  return reqs
    .sort((a, b) => byString(a.key, b.key))
    .map((r) => r.text)
    .join(',');
}

/** A label selector for a SELECTOR cell: `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(sel: LabelSelector | null | undefined): string {
  const s = labelSelectorString(sel);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}
