/** Label and field selectors of a list or watch, compiled into one predicate. */
import type { ResourceInfo } from '../../api/resources.js';
import { parseLabelSelector } from '../../machinery/labels.js';
import { fieldSelectorMatcher } from '../../machinery/fields.js';

export type ObjectMatcher = (obj: any) => boolean;

export const matchAll: ObjectMatcher = () => true;

/** Throws ApiError BadRequest for a malformed selector or an unsupported field. */
export function buildMatcher(info: ResourceInfo, labelSelector: string | null, fieldSelector: string | null): ObjectMatcher {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const fields = fieldSelector ? fieldSelectorMatcher(info.plural, fieldSelector) : undefined;
  if (labels?.empty()) return fields ?? matchAll;
  if (!labels) return fields ?? matchAll;
  if (!fields) return (o) => labels.matches(o.metadata?.labels ?? {});
  return (o) => labels.matches(o.metadata?.labels ?? {}) && fields(o);
}
