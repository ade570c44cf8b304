/**
 * Node selector terms compiled into predicates, with the semantics of Kubernetes'
 * component-helpers nodeaffinity: terms are ORed, a term's requirements ANDed; an empty
 * term or one with an invalid requirement matches no node (errors are lazy: they only
 * make that term false). matchFields supports metadata.name with In/NotIn and one value.
 */
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from '../../framework/node-info.js';

export type NodeMatcher = (node: NodeInfo) => boolean;

const NEVER: NodeMatcher = () => false;

/** A requirement on a map of strings; undefined when the requirement is invalid. */
function requirement(r: NodeSelectorRequirement): ((labels: Readonly<Record<string, string>>) => boolean) | undefined {
  const key = r.key;
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      if (values.length === 0) return undefined;
      return (l) => Object.hasOwn(l, key) && values.includes(l[key]);
    case 'NotIn':
      if (values.length === 0) return undefined;
      return (l) => !Object.hasOwn(l, key) || !values.includes(l[key]);
    case 'Exists':
      if (values.length !== 0) return undefined;
      return (l) => Object.hasOwn(l, key);
    case 'DoesNotExist':
      if (values.length !== 0) return undefined;
      return (l) => !Object.hasOwn(l, key);
    case 'Gt':
    case 'Lt': {
      const bound = values.length === 1 ? parseInteger(values[0]) : undefined;
      if (bound === undefined) return undefined;
      const gt = r.operator === 'Gt';
      return (l) => {
        if (!Object.hasOwn(l, key)) return false;
        const v = parseInteger(l[key]);
        return v !== undefined && (gt ? v > bound : v < bound);
      };
    }
    default:
      return undefined;
  }
}

function parseInteger(s: string): bigint | undefined {
  return /^[+-]?\d+$/.test(s) ? BigInt(s) : undefined;
}

function field(r: NodeSelectorRequirement): ((name: string) => boolean) | undefined {
  if (r.key !== 'metadata.name' || r.values?.length !== 1) return undefined;
  const v = r.values[0];
  if (r.operator === 'In') return (name) => name === v;
  if (r.operator === 'NotIn') return (name) => name !== v;
  return undefined;
}

export function compileTerm(term: NodeSelectorTerm | undefined): NodeMatcher {
  const exprs = term?.matchExpressions ?? [];
  const fields = term?.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return NEVER;
  const labelReqs = exprs.map(requirement);
  const fieldReqs = fields.map(field);
  if (labelReqs.some((r) => !r) || fieldReqs.some((r) => !r)) return NEVER;
  const ls = labelReqs as ((l: Readonly<Record<string, string>>) => boolean)[];
  const fs = fieldReqs as ((n: string) => boolean)[];
  return (node) => ls.every((r) => r(node.labels)) && fs.every((r) => r(node.name));
}

/** requiredDuringSchedulingIgnoredDuringExecution: any term matches. */
export function compileNodeSelector(sel: NodeSelector): NodeMatcher {
  const terms = (sel.nodeSelectorTerms ?? []).map(compileTerm);
  return (node) => terms.some((t) => t(node));
}

/** spec.nodeSelector: every label equal. */
export function compileLabelSet(set: Readonly<Record<string, string>>): NodeMatcher {
  const entries = Object.entries(set);
  return (node) => entries.every(([k, v]) => Object.hasOwn(node.labels, k) && node.labels[k] === v);
}
