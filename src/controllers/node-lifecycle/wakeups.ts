/**
 * One timer per key that re-queues the key at the earliest time anything about it falls
 * due (grace period expiry, an eviction deadline, a rate-limiter token). The work queue's
 * addAfter keeps the first delay it was given; here an earlier deadline replaces a later one.
 */
export class Wakeups {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly fire: (key: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Wake `key` at `at` (ms) unless an earlier wake-up is already set. */
  at(key: string, at: number): void {
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.fire(key);
      },
      Math.max(0, at - this.now()),
    );
    // The controller's run() keeps the process alive; a pending wake-up alone should not.
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  cancel(key: string): void {
    const cur = this.timers.get(key);
    if (cur) clearTimeout(cur.timer);
    this.timers.delete(key);
  }

  get size(): number {
    return this.timers.size;
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
  }
}
