/**
 * Delayed re-syncs that keep the soonest time per key. WorkQueue.addAfter keeps the first
 * delay it was given, which would hide a deadline that has since moved earlier (a
 * shorter progressDeadlineSeconds, a pod that becomes available sooner).
 */
interface Timer {
  at: number;
  t: NodeJS.Timeout;
}

export class SoonestTimers {
  private readonly timers = new Map<string, Timer>();
  private stopped = false;

  constructor(private readonly fire: (key: string) => void) {}

  schedule(key: string, ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + Math.max(0, ms);
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.t);
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.fire(key);
    }, Math.max(0, ms));
    // A pending re-sync alone must not keep a process (or a test) alive.
    t.unref();
    this.timers.set(key, { at, t });
  }

  stop(): void {
    this.stopped = true;
    for (const { t } of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
