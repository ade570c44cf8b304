/**
 * Field selectors: the `fieldSelector` query parameter (`status.phase=Running,spec.nodeName!=`)
 * and the fields each resource lets clients select on. Syntax, escaping (`\,` `\=` `\\`) and
 * messages follow apimachinery's fields package; the selectable fields follow each
 * resource's ToSelectableFields in Kubernetes.
 */

import { errors } from './errors.js';

export type FieldOperator = '=' | '==' | '!=';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

export interface FieldSelector {
  /** Sorted by field; empty for a selector that matches everything. */
  readonly requirements: readonly FieldRequirement[];
  /** `get` returns a field's value; a field an object lacks counts as ''. */
  matches(get: (field: string) => string | undefined): boolean;
  empty(): boolean;
  /** Canonical form with values escaped, `==` written as `=`. */
  toString(): string;
  /** The value `field` must have, if the selector pins it (spec.nodeName for a node's pods). */
  requiresExactMatch(field: string): string | undefined;
}

/** Reads one selectable field of an object as the string the selector compares. */
export type FieldGetter = (obj: any) => string;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** Every resource: Kubernetes' ObjectMetaFieldsSet. */
export const COMMON_FIELDS: Readonly<Record<string, FieldGetter>> = {
  'metadata.name': (o) => str(o?.metadata?.name),
  'metadata.namespace': (o) => str(o?.metadata?.namespace),
};

/** Fields beyond the common ones, keyed by plural resource name. */
export const SELECTABLE_FIELDS: Readonly<Record<string, Readonly<Record<string, FieldGetter>>>> = {
  pods: {
    'spec.nodeName': (o) => str(o?.spec?.nodeName),
    'spec.restartPolicy': (o) => str(o?.spec?.restartPolicy),
    'spec.schedulerName': (o) => str(o?.spec?.schedulerName),
    'spec.serviceAccountName': (o) => str(o?.spec?.serviceAccountName),
    // A bool field selects as "true"/"false"; absent is false, as after defaulting.
    'spec.hostNetwork': (o) => String(o?.spec?.hostNetwork === true),
    'status.phase': (o) => str(o?.status?.phase),
    // Kubernetes selects on the first of status.podIPs.
    'status.podIP': (o) => str(o?.status?.podIPs?.[0]?.ip ?? o?.status?.podIP),
    'status.nominatedNodeName': (o) => str(o?.status?.nominatedNodeName),
  },
  events: {
    'involvedObject.kind': (o) => str(o?.involvedObject?.kind),
    'involvedObject.namespace': (o) => str(o?.involvedObject?.namespace),
    'involvedObject.name': (o) => str(o?.involvedObject?.name),
    'involvedObject.uid': (o) => str(o?.involvedObject?.uid),
    'involvedObject.apiVersion': (o) => str(o?.involvedObject?.apiVersion),
    'involvedObject.resourceVersion': (o) => str(o?.involvedObject?.resourceVersion),
    'involvedObject.fieldPath': (o) => str(o?.involvedObject?.fieldPath),
    reason: (o) => str(o?.reason),
    reportingComponent: (o) => str(o?.reportingComponent),
    source: (o) => str(o?.source?.component),
    type: (o) => str(o?.type),
  },
  secrets: { type: (o) => str(o?.type) },
  nodes: { 'spec.unschedulable': (o) => String(o?.spec?.unschedulable === true) },
  namespaces: { 'status.phase': (o) => str(o?.status?.phase) },
  replicasets: { 'status.replicas': (o) => String(o?.status?.replicas ?? 0) },
  services: {
    'spec.clusterIP': (o) => str(o?.spec?.clusterIP),
    'spec.type': (o) => str(o?.spec?.type),
  },
  jobs: { 'status.successful': (o) => String(o?.status?.succeeded ?? 0) },
};

/** All fields `resource` (plural) can be selected on, each with its getter. */
export function selectableFields(resource: string): Readonly<Record<string, FieldGetter>> {
  return { ...COMMON_FIELDS, ...SELECTABLE_FIELDS[resource] };
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Escapes a value for the string form: `\`, `,` and `=` are special. */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

function unescapeValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\') {
      const n = v[i + 1];
      if (n === undefined || !'\\,='.includes(n)) {
        throw errors.badRequest(`invalid field selector: invalid escape sequence: \\${n ?? ''}`);
      }
      out += n;
      i++;
    } else if (c === ',' || c === '=') {
      throw errors.badRequest(`invalid field selector: unescaped character in value: ${c}`);
    } else {
      out += c;
    }
  }
  return out;
}

/** Splits on commas not escaped by a backslash. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const OPERATORS: FieldOperator[] = ['!=', '==', '='];

class RequirementsFieldSelector implements FieldSelector {
  readonly requirements: readonly FieldRequirement[];

  constructor(requirements: FieldRequirement[]) {
    this.requirements = [...requirements].sort((a, b) => byCodeUnit(a.field, b.field));
  }

  matches(get: (field: string) => string | undefined): boolean {
    return this.requirements.every((r) => ((get(r.field) ?? '') === r.value) === (r.operator !== '!='));
  }

  empty(): boolean {
    return this.requirements.length === 0;
  }

  toString(): string {
    return this.requirements
      .map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`)
      .join(',');
  }

  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator !== '!=')?.value;
  }
}

/** Parses a `fieldSelector`; '' matches everything. Throws ApiError 400 on malformed input. */
export function parseFieldSelector(s: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(s)) {
    if (term.trim() === '') continue;
    let found: { at: number; op: FieldOperator } | undefined;
    for (let i = 0; i < term.length && !found; i++) {
      const op = OPERATORS.find((o) => term.startsWith(o, i));
      if (op) found = { at: i, op };
    }
    if (!found) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    // Field names are trimmed so that `a=b, c=d` works; values are taken exactly.
    const field = term.slice(0, found.at).trim();
    const value = unescapeValue(term.slice(found.at + found.op.length));
    reqs.push({ field, operator: found.op, value });
  }
  return new RequirementsFieldSelector(reqs);
}

/** Throws ApiError 400 `field label not supported: X` for a field `resource` cannot select on. */
export function checkFieldSelector(resource: string, sel: FieldSelector): void {
  const fields = selectableFields(resource);
  for (const r of sel.requirements) {
    if (!Object.hasOwn(fields, r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
  }
}

/** Parses and checks a field selector for `resource`, returning a predicate over its objects. */
export function fieldSelectorMatcher(resource: string, s: string): (obj: unknown) => boolean {
  const sel = parseFieldSelector(s);
  checkFieldSelector(resource, sel);
  if (sel.empty()) return () => true;
  const fields = selectableFields(resource);
  return (obj) => sel.matches((field) => fields[field](obj));
}
