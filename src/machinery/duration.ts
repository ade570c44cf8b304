/**
 * Ages the way kubectl prints them in AGE columns (apimachinery's duration.HumanDuration):
 * about two significant figures, `45s`, `3m20s`, `25h`, `2d4h`, `3y100d`.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const trunc = (ms: number, unit: number) => Math.trunc(ms / unit);

/** kubectl's HumanDuration. Up to a second in the future reads as `0s` (clock skew); further is `<invalid>`. */
export function humanDuration(ms: number): string {
  const seconds = trunc(ms, SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = trunc(ms, MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = trunc(ms, HOUR);
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

/** kubectl's ShortHumanDuration: one unit only (`5m`, `3h`, `12d`), used where columns are narrow. */
export function shortHumanDuration(ms: number): string {
  const seconds = trunc(ms, SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = trunc(ms, MINUTE);
  if (minutes < 60) return `${minutes}m`;
  const hours = trunc(ms, HOUR);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * The AGE of an RFC 3339 timestamp such as metadata.creationTimestamp, as kubectl's
 * translateTimestampSince: `<unknown>` when there is none (or it does not parse).
 */
export function age(timestamp: string | Date | null | undefined, now: number = Date.now()): string {
  if (!timestamp) return '<unknown>';
  const t = typeof timestamp === 'string' ? Date.parse(timestamp) : timestamp.getTime();
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now - t);
}
