/**
 * Just enough of resource.Quantity to validate: parse the serialized forms and compare
 * them exactly. The full quantity type lives in src/machinery, which src/api may not
 * import; values are kept as exact fractions so "0.5" and "500m" compare equal.
 */

/** value = num / den, den > 0. */
export interface Quantity {
  num: bigint;
  den: bigint;
}

const SUFFIX_POW2: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const SUFFIX_POW10: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

export const QUANTITY_FORMAT_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** Parses a quantity as it appears in JSON (YAML `cpu: 1` arrives as a number). */
export function parseQuantity(v: unknown): Quantity | undefined {
  const s = typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
  if (typeof s !== 'string') return undefined;
  const m = QUANTITY_RE.exec(s);
  if (!m) return undefined;
  const [, sign, digits, suffix = ''] = m;
  const [whole, frac = ''] = digits.split('.');
  let num = BigInt(`${whole || '0'}${frac}`);
  let exp10 = -frac.length;
  let exp2 = 0;
  if (suffix in SUFFIX_POW2) exp2 = SUFFIX_POW2[suffix];
  else if (suffix in SUFFIX_POW10) exp10 += SUFFIX_POW10[suffix];
  else exp10 += Number(suffix.slice(1));
  if (sign === '-') num = -num;
  num *= 2n ** BigInt(exp2);
  let den = 1n;
  if (exp10 >= 0) num *= 10n ** BigInt(exp10);
  else den = 10n ** BigInt(-exp10);
  return { num, den };
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantity(a: Quantity, b: Quantity): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export const signOf = (q: Quantity): number => (q.num < 0n ? -1 : q.num > 0n ? 1 : 0);
