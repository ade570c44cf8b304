/**
 * Label selectors: the `labelSelector` query string (`app=web,tier in (fe,be),!canary`)
 * and the metav1.LabelSelector object (matchLabels + matchExpressions), both turned into
 * one Selector. Grammar, error wording and String() follow apimachinery's labels package,
 * because clients compare Scale's status.selector and users read the errors.
 */

import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { isLabelValue, isQualifiedName } from '../api/validation/formats.js';
import { errors } from './errors.js';

/** apimachinery's selection.Operator values. */
export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | null | undefined;

export interface Selector {
  /** Sorted by key; empty for a selector that matches everything. */
  readonly requirements: readonly Requirement[];
  matches(labels: Labels): boolean;
  /** True when the selector matches every object. */
  empty(): boolean;
  /** The canonical string form, e.g. `app=web,tier in (be,fe)`; parses back to the same selector. */
  toString(): string;
  /** The value `key` must have for the selector to match, if it pins exactly one. */
  requiresExactMatch(key: string): string | undefined;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n > INT64_MAX || n < INT64_MIN ? undefined : n;
}

function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value!);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has) return false;
      const have = parseInt64(value!);
      const want = r.values.length === 1 ? parseInt64(r.values[0]) : undefined;
      if (have === undefined || want === undefined) return false;
      return r.operator === 'gt' ? have > want : have < want;
    }
  }
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function requirementString(r: Requirement): string {
  const values = [...r.values].sort(byCodeUnit).join(',');
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
      return `${r.key} in (${values})`;
    case 'notin':
      return `${r.key} notin (${values})`;
    case 'gt':
      return `${r.key}>${values}`;
    case 'lt':
      return `${r.key}<${values}`;
    default:
      return `${r.key}${r.operator}${values}`;
  }
}

class RequirementsSelector implements Selector {
  readonly requirements: readonly Requirement[];

  constructor(requirements: Requirement[]) {
    // Sorted (stably) so that the string form is deterministic, as apimachinery's is.
    this.requirements = [...requirements].sort((a, b) => byCodeUnit(a.key, b.key));
  }

  matches(labels: Labels): boolean {
    const ls = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, ls));
  }

  empty(): boolean {
    return this.requirements.length === 0;
  }

  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }

  requiresExactMatch(key: string): string | undefined {
    const r = this.requirements.find((x) => x.key === key);
    if (!r || !['=', '==', 'in'].includes(r.operator) || r.values.length !== 1) return undefined;
    return r.values[0];
  }
}

const NOTHING: Selector = {
  requirements: [],
  matches: () => false,
  empty: () => false,
  toString: () => '',
  requiresExactMatch: () => undefined,
};

/** Matches every object: an empty selector string, or a LabelSelector with no terms. */
export const everything = (): Selector => new RequirementsSelector([]);

/** Matches no object: a null LabelSelector (e.g. a Service without a selector). */
export const nothing = (): Selector => NOTHING;

/** Exact-match selector for a set of labels (a Service's spec.selector), unvalidated. */
export function selectorFromSet(set: Labels): Selector {
  return new RequirementsSelector(Object.entries(set ?? {}).map(([key, v]) => ({ key, operator: '=', values: [v] })));
}

function fieldErrorsMessage(errs: string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

/** Builds a requirement, validating it as apimachinery's NewRequirement does; returns the problems. */
function newRequirement(key: string, operator: Operator, values: string[]): Requirement | string {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
  const invalidValues = (detail: string) => `values: Invalid value: ${JSON.stringify(values)}: ${detail}`;
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalidValues("for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalidValues('exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalidValues('values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalidValues("for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(`values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
        }
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = isLabelValue(v);
    if (valueErrs.length) errs.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${valueErrs.join('; ')}`);
  });
  return errs.length ? fieldErrorsMessage(errs) : { key, operator, values };
}

// ---- the string syntax -------------------------------------------------------------

type TokenKind = 'id' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && WHITESPACE.has(s[i])) i++;
    if (i >= s.length) {
      tokens.push({ kind: 'end', text: '' });
      return tokens;
    }
    if (SPECIAL.has(s[i])) {
      // The only two-character operators are != and ==; everything else is one character.
      const two = s.slice(i, i + 2);
      const text = two === '!=' || two === '==' ? two : s[i];
      tokens.push({ kind: text as TokenKind, text });
      i += text.length;
      continue;
    }
    const start = i;
    while (i < s.length && !SPECIAL.has(s[i]) && !WHITESPACE.has(s[i])) i++;
    const text = s.slice(start, i);
    tokens.push({ kind: text === 'in' || text === 'notin' ? text : 'id', text });
  }
}

class ParseError extends Error {}

/** Recursive descent over the tokens; `in`/`notin` are keywords only where an operator may stand. */
class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(asValue = true): Token {
    return this.asValue(this.tokens[this.pos], asValue);
  }

  private next(asValue = true): Token {
    return this.asValue(this.tokens[this.pos++], asValue);
  }

  private asValue(t: Token, asValue: boolean): Token {
    return asValue && (t.kind === 'in' || t.kind === 'notin') ? { kind: 'id', text: t.text } : t;
  }

  parse(): Requirement[] {
    const out: Requirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'end') return out;
      if (t.kind !== 'id' && t.kind !== '!') {
        throw new ParseError(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      }
      out.push(this.requirement());
      const after = this.next();
      if (after.kind === 'end') return out;
      if (after.kind !== ',') throw new ParseError(`found '${after.text}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (following.kind !== 'id' && following.kind !== '!') {
        throw new ParseError(`found '${following.text}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): Requirement {
    let t = this.next();
    const negated = t.kind === '!';
    if (negated) t = this.next();
    if (t.kind !== 'id') throw new ParseError(`unable to parse requirement: found '${t.text}', expected: identifier`);
    const key = t.text;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) {
      throw new ParseError(`unable to parse requirement: key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
    }
    const nextKind = this.peek().kind;
    let operator: Operator;
    let values: string[] = [];
    if (negated) operator = '!';
    else if (nextKind === 'end' || nextKind === ',') operator = 'exists';
    else {
      operator = this.operator();
      values = operator === 'in' || operator === 'notin' ? this.valueSet() : this.exactValue();
    }
    const r = newRequirement(key, operator, values);
    if (typeof r === 'string') throw new ParseError(`unable to parse requirement: ${r}`);
    return r;
  }

  private operator(): Operator {
    const t = this.next(false);
    const ops: Partial<Record<TokenKind, Operator>> = {
      in: 'in',
      notin: 'notin',
      '=': '=',
      '==': '==',
      '!=': '!=',
      '>': 'gt',
      '<': 'lt',
    };
    const op = ops[t.kind];
    if (!op) throw new ParseError(`unable to parse requirement: found '${t.text}', expected: in, notin, =, ==, !=, gt, lt`);
    return op;
  }

  /** `(a,b,,c)`: a set, sorted; empty entries are the empty value. */
  private valueSet(): string[] {
    const open = this.next();
    if (open.kind !== '(') throw new ParseError(`unable to parse requirement: found '${open.text}' expected: '('`);
    const set = new Set<string>();
    const first = this.peek();
    if (first.kind === ')') {
      this.next();
      return [''];
    }
    if (first.kind !== 'id' && first.kind !== ',') {
      throw new ParseError(`unable to parse requirement: found '${first.text}', expected: ',', ')' or identifier`);
    }
    for (;;) {
      const t = this.next();
      if (t.kind === 'id') {
        set.add(t.text);
        const after = this.peek();
        if (after.kind === ')') break;
        if (after.kind !== ',') throw new ParseError(`unable to parse requirement: found '${after.text}', expected: ',' or ')'`);
      } else if (t.kind === ',') {
        if (set.size === 0) set.add('');
        const after = this.peek();
        if (after.kind === ')') {
          set.add('');
          break;
        }
        if (after.kind === ',') {
          this.next();
          set.add('');
        }
      } else {
        throw new ParseError(`unable to parse requirement: found '${t.text}', expected: ',', or identifier`);
      }
    }
    this.next(); // the ')' seen above
    return [...set].sort(byCodeUnit);
  }

  private exactValue(): string[] {
    const t = this.peek();
    if (t.kind === 'end' || t.kind === ',') return [''];
    this.next();
    if (t.kind !== 'id') throw new ParseError(`unable to parse requirement: found '${t.text}', expected: identifier`);
    return [t.text];
  }
}

/**
 * Parses the `labelSelector` query parameter; an empty string matches everything.
 * Throws ApiError 400 naming the problem.
 */
export function parseLabelSelector(s: string): Selector {
  try {
    return new RequirementsSelector(new Parser(lex(s)).parse());
  } catch (e) {
    if (e instanceof ParseError) throw errors.badRequest(e.message);
    throw e;
  }
}

const EXPRESSION_OPERATORS: Record<string, Operator> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * The selector a metav1.LabelSelector stands for: null or undefined matches nothing, an
 * empty one everything. Throws ApiError 400 for an invalid selector (bad key or value,
 * unknown operator, values where none belong).
 */
export function labelSelectorFromObject(sel: LabelSelector | null | undefined): Selector {
  if (!sel) return NOTHING;
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    const r = newRequirement(key, '=', [value]);
    if (typeof r === 'string') throw errors.badRequest(r);
    reqs.push(r);
  }
  for (const expr of sel.matchExpressions ?? []) {
    const op = EXPRESSION_OPERATORS[expr.operator];
    if (!op) throw errors.badRequest(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    const r = newRequirement(expr.key, op, [...(expr.values ?? [])]);
    if (typeof r === 'string') throw errors.badRequest(r);
    reqs.push(r);
  }
  return new RequirementsSelector(reqs);
}

/** The string form of a LabelSelector, as a Scale's status.selector carries it; '' for none. */
export function selectorToString(sel: LabelSelector | null | undefined): string {
  return labelSelectorFromObject(sel).toString();
}
