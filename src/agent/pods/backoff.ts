/**
 * Per-key exponential back-off as the kubelet keeps it for container restarts and image
 * pulls (flowcontrol.Backoff): the first failure waits `baseMs`, each further one doubles
 * up to `maxMs`; a key that has not failed for `resetAfterMs` starts again from `baseMs`.
 */
export interface BackOffOptions {
  baseMs: number;
  maxMs: number;
  /** A quiet period after which the back-off starts over (kubelet: 2 × max for restarts, here 10 min). */
  resetAfterMs: number;
}

interface Entry {
  delayMs: number;
  /** When the current back-off period started (the last failure). */
  at: number;
}

export class BackOff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly opts: BackOffOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a failure at `at` (default now): the next try waits one more doubling. */
  next(key: string, at = this.now()): number {
    const e = this.entries.get(key);
    if (!e || at - e.at > this.opts.resetAfterMs) {
      this.entries.set(key, { delayMs: this.opts.baseMs, at });
      return this.opts.baseMs;
    }
    e.delayMs = Math.min(this.opts.maxMs, e.delayMs * 2);
    e.at = at;
    return e.delayMs;
  }

  /** How long until `key` may be tried again (0 when not backing off). */
  remaining(key: string, now = this.now()): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, e.at + e.delayMs - now);
  }

  /** The current delay of `key` (0 when none). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Forgets `key` when it has been quiet for the reset period (a container that ran 10 min). */
  resetIfQuiet(key: string, since: number, now = this.now()): void {
    if (this.entries.has(key) && now - since > this.opts.resetAfterMs) this.entries.delete(key);
  }

  clear(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key starting with `prefix` (a pod that is gone). */
  clearPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** How much of the back-off begun at `since` (a container's finish) is left: the kubelet's IsInBackOffSince. */
export function backOffLeft(b: BackOff, key: string, since: number, now = Date.now()): number {
  const d = b.delay(key);
  return d ? Math.max(0, since + d - now) : 0;
}
