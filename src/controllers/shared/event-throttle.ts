/**
 * A spam filter for per-pod events (client-go's EventSourceObjectSpamFilter): each object
 * may emit a burst of 25 events, then one per five minutes. Without it a 1,000-replica
 * ReplicaSet would send 1,000 "Created pod" events to the API server it is racing to fill.
 */
interface Bucket {
  tokens: number;
  at: number;
}

export class EventThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly burst = 25,
    private readonly refillMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token for this object; false means drop the event. */
  allow(objectKey: string): boolean {
    const t = this.now();
    let b = this.buckets.get(objectKey);
    if (!b) {
      if (this.buckets.size > 10_000) this.prune(t);
      this.buckets.set(objectKey, (b = { tokens: this.burst, at: t }));
    }
    const refill = Math.floor((t - b.at) / this.refillMs);
    if (refill > 0) {
      b.tokens = Math.min(this.burst, b.tokens + refill);
      b.at += refill * this.refillMs;
    }
    if (b.tokens <= 0) return false;
    b.tokens--;
    return true;
  }

  private prune(t: number): void {
    for (const [k, b] of this.buckets) if (t - b.at > this.refillMs * this.burst) this.buckets.delete(k);
  }
}
