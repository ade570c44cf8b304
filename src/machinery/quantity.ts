/**
 * resource.Quantity: fixed-point amounts such as `100m` CPU or `2Gi` memory.
 *
 * A quantity is held exactly as a bigint count of nano-units, the finest precision
 * Kubernetes keeps (finer non-zero values round away from zero, so `0.1n` is `1n`:
 * asking for some of a resource must never become asking for none). It remembers which
 * suffix family it was written in so that the canonical form can use the same one:
 * `1.5Gi` prints as `1536Mi`, `1.5` as `1500m`, `1e3` as `1e3`.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The amount in units of 10^-9. */
  readonly nano: bigint;
  readonly format: QuantityFormat;
}

/** A string that is not a quantity; the message is apimachinery's. */
export class QuantityError extends Error {
  override name = 'QuantityError';
}

const FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const NUMERIC = 'unable to parse numeric part of quantity';
const SUFFIX = "unable to parse quantity's suffix";

const NANO = 10n ** 9n;
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
/** Kubernetes caps binary quantities, silently, at the int64 maximum. */
const BINARY_MAX = (2n ** 63n - 1n) * NANO;
/** Beyond this a decimal exponent is nonsense, and would make bigint arithmetic expensive. */
const MAX_EXPONENT = 1000;

const SHAPE = /^([+-]?)(\d*)(?:\.(\d*))?([eEinumkKMGTP]*[-+]?\d*)$/;

/** a / b rounded away from zero, for non-negative a and positive b. */
const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(s: string): Suffix | undefined {
  const binary = BINARY_SUFFIXES.indexOf(s);
  if (binary > 0) return { base: 2, exponent: binary * 10, format: 'BinarySI' };
  if (s in DECIMAL_SUFFIXES) return { base: 10, exponent: DECIMAL_SUFFIXES[s], format: 'DecimalSI' };
  const m = /^[eE]([+-]?\d+)$/.exec(s);
  if (m) return { base: 10, exponent: Number(m[1]), format: 'DecimalExponent' };
  return undefined;
}

/** Parses `100m`, `1.5`, `2Gi`, `500M`, `1e3`, `0.5Gi`...; a JSON number is read as its decimal text. Throws QuantityError. */
export function parseQuantity(input: string | number): Quantity {
  if (typeof input === 'number' && !Number.isFinite(input)) throw new QuantityError(NUMERIC);
  const s = typeof input === 'number' ? String(input) : input;
  const m = SHAPE.exec(s);
  if (!m) throw new QuantityError(FORMAT_WRONG);
  const [, sign, whole, fraction = '', suffixText] = m;
  if (whole === '' && fraction === '') throw new QuantityError(FORMAT_WRONG);
  const suffix = interpretSuffix(suffixText);
  if (!suffix) throw new QuantityError(SUFFIX);
  if (Math.abs(suffix.exponent) > MAX_EXPONENT) throw new QuantityError(NUMERIC);

  const digits = BigInt(whole + fraction || '0');
  // value = digits * 10^-fraction.length * base^exponent, in nano-units, rounded up.
  let numerator = digits;
  let denominator = 10n ** BigInt(fraction.length);
  if (suffix.base === 2) numerator *= 2n ** BigInt(suffix.exponent);
  else if (suffix.exponent >= 0) numerator *= 10n ** BigInt(suffix.exponent);
  else denominator *= 10n ** BigInt(-suffix.exponent);
  let magnitude = ceilDiv(numerator * NANO, denominator);

  let format = suffix.format;
  if (format === 'BinarySI') {
    if (magnitude > BINARY_MAX) magnitude = BINARY_MAX;
    // A fraction of one cannot be written in binary suffixes.
    if (magnitude > 0n && magnitude < NANO) format = 'DecimalSI';
  }
  return { nano: sign === '-' ? -magnitude : magnitude, format };
}

/** parseQuantity that answers undefined instead of throwing. */
export function tryParseQuantity(input: string | number): Quantity | undefined {
  try {
    return parseQuantity(input);
  } catch (e) {
    if (e instanceof QuantityError) return undefined;
    throw e;
  }
}

/** The largest exponent (a multiple of 3, at least -9) leaving an integer mantissa. */
function decimalParts(magnitude: bigint): { mantissa: bigint; exponent: number } {
  let mantissa = magnitude;
  let exponent = -9;
  while (mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  return { mantissa, exponent };
}

/** The canonical string: no fraction, the largest suffix that loses nothing, the original suffix family. */
export function formatQuantity(q: Quantity): string {
  if (q.nano === 0n) return '0';
  const sign = q.nano < 0n ? '-' : '';
  const magnitude = q.nano < 0n ? -q.nano : q.nano;
  let format = q.format;
  // Under 1Ki, or with a fraction, binary suffixes would round: use decimal ones instead.
  if (format === 'BinarySI' && (magnitude < 1024n * NANO || magnitude % NANO !== 0n)) format = 'DecimalSI';

  if (format === 'BinarySI') {
    let units = magnitude / NANO;
    let power = 0;
    while (power < BINARY_SUFFIXES.length - 1 && units % 1024n === 0n) {
      units /= 1024n;
      power++;
    }
    return `${sign}${units}${BINARY_SUFFIXES[power]}`;
  }
  const { mantissa, exponent } = decimalParts(magnitude);
  if (format === 'DecimalSI') {
    const suffix = DECIMAL_SUFFIX_BY_EXPONENT.get(exponent);
    // DecimalSI stops at E (10^18); larger amounts fall back to an exponent.
    return `${sign}${mantissa}${suffix ?? `e${exponent}`}`;
  }
  return `${sign}${mantissa}${exponent === 0 ? '' : `e${exponent}`}`;
}

/** Parses and re-prints a quantity in canonical form. */
export function canonicalQuantity(input: string | number): string {
  return formatQuantity(parseQuantity(input));
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0;
}

/** a + b, in a's format (b's when a is zero), as apimachinery's Add. */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nano: a.nano + b.nano, format: a.nano === 0n ? b.format : a.format };
}

/** a - b, in a's format (b's when a is zero). */
export function subtractQuantities(a: Quantity, b: Quantity): Quantity {
  return { nano: a.nano - b.nano, format: a.nano === 0n ? b.format : a.format };
}

function scaled(q: Quantity, unit: bigint): bigint {
  const magnitude = ceilDiv(q.nano < 0n ? -q.nano : q.nano, unit);
  return q.nano < 0n ? -magnitude : magnitude;
}

/** The amount in thousandths, rounded away from zero: `100m` CPU is 100, `2` is 2000. */
export function milliValue(q: Quantity): number {
  return Number(scaled(q, 10n ** 6n));
}

/**
 * The amount in whole units, rounded away from zero: `1Gi` of memory is 1073741824 bytes.
 * Exact up to 2^53 (8 PiB); use `nano` for exact arithmetic beyond.
 */
export function value(q: Quantity): number {
  return Number(scaled(q, NANO));
}

/** A quantity of `milli` thousandths (CPU), e.g. quantityFromMilli(250) is `250m`. */
export function quantityFromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nano: BigInt(milli) * 10n ** 6n, format };
}

/** A quantity of whole units, e.g. quantityFromValue(8 * 2 ** 30, 'BinarySI') is `8Gi`. */
export function quantityFromValue(units: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nano: BigInt(units) * NANO, format };
}
