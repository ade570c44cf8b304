/**
 * Ages as kubectl users read them: the apiserver's translateTimestampSince, which renders
 * the time since a timestamp with apimachinery's duration.HumanDuration.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

// Go's int() conversion truncates toward zero; the thresholds below depend on that.
const whole = (ms: number, unit: number): number => Math.trunc(ms / unit);

/**
 * A duration with two or three significant figures: `45s`, `5m30s`, `42m`, `3h10m`, `20h`,
 * `2d5h`, `30d`, `3y20d`, `9y`. A clock skew of up to two seconds reads as `0s`; more than
 * that in the future is `<invalid>`.
 */
export function humanDuration(ms: number): string {
  const seconds = whole(ms, SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;

  const minutes = whole(ms, MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = whole(ms, HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;

  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

// Go's zero time.Time, which Go clients may send for an unset timestamp (Date.UTC maps year 1 to 1901).
const GO_ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

/** Milliseconds since the epoch, or undefined for a missing, zero or unparseable timestamp. */
export function parseTimestamp(ts: string | null | undefined): number | undefined {
  if (!ts) return undefined;
  const t = Date.parse(ts);
  if (Number.isNaN(t) || t <= GO_ZERO_TIME) return undefined;
  return t;
}

/** The time since `ts` (RFC 3339), or `<unknown>` when there is no timestamp. */
export function translateTimestampSince(ts: string | null | undefined, now: number): string {
  const t = parseTimestamp(ts);
  return t === undefined ? '<unknown>' : humanDuration(now - t);
}

/** The Age cell: time since metadata.creationTimestamp. */
export const age = (obj: { metadata?: { creationTimestamp?: string } } | null | undefined, now: number): string =>
  translateTimestampSince(obj?.metadata?.creationTimestamp, now);
