/**
 * A counting semaphore: at most `max` calls of `run` in flight, the rest wait in order.
 * Agents with thousands of nodes share one so that heartbeats and status writes never
 * open more requests than the transport has sockets for (and never starve each other).
 *
 * A waiter with a higher priority goes before lower ones (in order among equals). The pod
 * workers use it to finish pods already begun before beginning more: with one FIFO queue a
 * burst of 50 pods created all 50 sandboxes before the first container, so every pod
 * became Running near the end of the burst (p50 about twice as long as it need be).
 */
export class Limiter {
  private active = 0;
  private readonly waiting: { priority: number; wake: () => void }[] = [];

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new Error(`limiter: max must be >= 1, got ${max}`);
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(fn: () => Promise<T>, priority = 0): Promise<T> {
    if (this.active >= this.max) {
      await new Promise<void>((wake) => {
        const at = this.waiting.findIndex((w) => w.priority < priority);
        this.waiting.splice(at < 0 ? this.waiting.length : at, 0, { priority, wake });
      });
    } else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` never drops and rises again.
      if (next) next.wake();
      else this.active--;
    }
  }
}

/** Runs fn over items with at most `max` in flight; rejects with the first error after all settle. */
export async function mapLimit<T, R>(items: readonly T[], max: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(max, items.length) }, worker));
  if (failed) throw failed.err;
  return out;
}
