/**
 * The scheduling queue, after kube-scheduler's PriorityQueue. A pod is in at most one of:
 *
 * - active: ready to be tried, highest priority first, then longest waiting;
 * - backoff: failed recently; waits 1 s, 2 s, 4 s... (max 10 s) per attempt, then active;
 * - unschedulable: no node fitted; parked until the cluster changes in a way that could
 *   help (a node added or changed, a pod deleted), or for at most a minute;
 * - in flight: popped and being scheduled or bound.
 *
 * A cluster change that arrives while a pod is in flight would be missed if that pod were
 * then parked, so (as kube-scheduler's moveRequestCycle) a pod whose attempt began before
 * the latest change goes to backoff instead of unschedulable.
 */
import type { PodInfo } from '../framework/pod-info.js';
import { backoffDuration } from './backoff.js';
import { KeyedHeap } from './heap.js';

export interface QueuedPodInfo {
  info: PodInfo;
  /** When the pod last entered the queue: orders pods of equal priority. */
  timestamp: number;
  /** Attempts so far (counted when popped); sets the back-off. */
  attempts: number;
  /** When the last attempt failed; back-off runs from here. 0: never failed. */
  lastFailure: number;
  /** When it was parked unschedulable. */
  parkedAt: number;
  /** The scheduling cycle of its latest attempt. */
  cycle: number;
}

export interface SchedulingQueueOptions {
  now?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A pod parked longer than this is retried even if nothing changed. */
  maxUnschedulableMs?: number;
}

export interface QueueLengths {
  active: number;
  backoff: number;
  unschedulable: number;
  inFlight: number;
}

export class SchedulingQueue {
  private readonly now: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private readonly active = new KeyedHeap<QueuedPodInfo>(
    (q) => q.info.key,
    (a, b) => a.info.priority > b.info.priority || (a.info.priority === b.info.priority && a.timestamp < b.timestamp),
  );
  private readonly backoff = new KeyedHeap<QueuedPodInfo>(
    (q) => q.info.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  /** In-flight pods whose spec changed during the attempt: not to be parked on stale data. */
  private readonly changedInFlight = new Set<string>();
  private cycle = 0;
  private moveRequestCycle = -1;
  private waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  private closed = false;
  private timersOn = false;
  private backoffTimer: NodeJS.Timeout | undefined;
  private backoffTimerAt = Infinity;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 60_000;
  }

  get lengths(): QueueLengths {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  /** The pod's current place, for tests and debugging. */
  where(key: string): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    if (this.active.has(key)) return 'active';
    if (this.backoff.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  /** A pod to schedule (informer add). A pod already queued is updated instead. */
  add(info: PodInfo): void {
    if (this.closed) return;
    if (this.where(info.key)) return this.update(info, true);
    this.pushActive({ info, timestamp: this.now(), attempts: 0, lastFailure: 0, parkedAt: 0, cycle: 0 });
  }

  /**
   * The pod changed. `specChanged` is false for changes that cannot make it fit (its
   * status — including the condition this scheduler writes), which must not wake a
   * parked pod, or every failure would schedule another attempt at once.
   */
  update(info: PodInfo, specChanged: boolean): void {
    if (this.closed) return;
    const key = info.key;
    const queued = this.active.get(key) ?? this.backoff.get(key);
    if (queued) {
      queued.info = info;
      // Priority may have changed: re-push restores heap order.
      if (this.active.has(key)) this.active.push(queued);
      return;
    }
    const parked = this.unschedulable.get(key);
    if (parked) {
      parked.info = info;
      if (specChanged) {
        this.unschedulable.delete(key);
        this.requeue(parked);
      }
      return;
    }
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.info = info;
      if (specChanged) this.changedInFlight.add(key);
      return;
    }
    this.add(info);
  }

  /** The pod is gone (deleted, bound elsewhere, no longer ours). */
  delete(key: string): void {
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
    this.changedInFlight.delete(key);
  }

  /** The next pod to try; waits while none is ready; undefined once closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    const q = this.tryPop();
    if (q || this.closed) return Promise.resolve(q);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next ready pod, or undefined if none is ready now. */
  tryPop(): QueuedPodInfo | undefined {
    const q = this.active.pop();
    if (!q) return undefined;
    q.attempts++;
    q.cycle = ++this.cycle;
    this.inFlight.set(q.info.key, q);
    return q;
  }

  /** The attempt ended without a failure to requeue (bound, or skipped). */
  done(q: QueuedPodInfo): void {
    const key = q.info.key;
    // A pod deleted and re-created under the same name while in flight is another entry.
    if (this.inFlight.get(key) !== q) return;
    this.inFlight.delete(key);
    this.changedInFlight.delete(key);
  }

  /** No node fitted: park it, unless the cluster changed since its attempt began. */
  addUnschedulable(q: QueuedPodInfo): void {
    if (!this.takeInFlight(q)) return;
    const key = q.info.key;
    const changed = this.changedInFlight.delete(key);
    if (changed || this.moveRequestCycle >= q.cycle) {
      this.pushBackoff(q);
      return;
    }
    q.parkedAt = this.now();
    this.unschedulable.set(key, q);
  }

  /** The attempt failed for another reason (an error, a rejected binding): retry after back-off. */
  addBackoff(q: QueuedPodInfo): void {
    if (!this.takeInFlight(q)) return;
    this.changedInFlight.delete(q.info.key);
    this.pushBackoff(q);
  }

  /**
   * Something changed that may let parked pods fit (node added or updated, a pod deleted):
   * every parked pod goes back — to active, or to backoff if its back-off has not run out.
   */
  moveAllToActiveOrBackoff(): void {
    this.moveRequestCycle = this.cycle;
    if (this.unschedulable.size === 0) return;
    const parked = [...this.unschedulable.values()];
    this.unschedulable.clear();
    for (const q of parked) this.requeue(q);
  }

  /** Moves pods whose back-off has run out to active. */
  flushBackoffCompleted(): void {
    const now = this.now();
    for (let q = this.backoff.peek(); q && this.backoffExpiry(q) <= now; q = this.backoff.peek()) {
      this.backoff.pop();
      this.pushActive(q);
    }
    this.armBackoffTimer();
  }

  /** Retries pods parked longer than maxUnschedulableMs (a change may have gone unnoticed). */
  flushUnschedulableLeftover(): void {
    const now = this.now();
    for (const [key, q] of this.unschedulable) {
      if (now - q.parkedAt < this.maxUnschedulableMs) continue;
      this.unschedulable.delete(key);
      this.requeue(q);
    }
  }

  /** Runs the queue's timers (back-off expiry, leftover sweep) until the signal aborts, then closes. */
  run(signal: AbortSignal): void {
    this.timersOn = true;
    const sweepEvery = Math.min(30_000, Math.max(1_000, this.maxUnschedulableMs / 2));
    this.sweepTimer = setInterval(() => this.flushUnschedulableLeftover(), sweepEvery);
    this.armBackoffTimer();
    if (signal.aborted) this.close();
    else signal.addEventListener('abort', () => this.close(), { once: true });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.backoffTimer);
    clearInterval(this.sweepTimer);
    for (const w of this.waiters) w(undefined);
    this.waiters = [];
  }

  backoffExpiry(q: QueuedPodInfo): number {
    return q.lastFailure === 0 ? 0 : q.lastFailure + backoffDuration(q.attempts, this.initialBackoffMs, this.maxBackoffMs);
  }

  private takeInFlight(q: QueuedPodInfo): boolean {
    const key = q.info.key;
    // Deleted (or re-added as a new pod) while in flight: nothing to requeue.
    if (this.inFlight.get(key) !== q) return false;
    this.inFlight.delete(key);
    q.lastFailure = this.now();
    q.timestamp = q.lastFailure;
    return true;
  }

  private requeue(q: QueuedPodInfo): void {
    if (this.backoffExpiry(q) > this.now()) this.pushBackoff(q);
    else this.pushActive(q);
  }

  private pushActive(q: QueuedPodInfo): void {
    this.active.push(q);
    while (this.waiters.length > 0 && this.active.size > 0) this.waiters.shift()!(this.tryPop());
  }

  private pushBackoff(q: QueuedPodInfo): void {
    this.backoff.push(q);
    this.armBackoffTimer();
  }

  /** One timer, set for the earliest back-off expiry, instead of kube-scheduler's 1 s poll. */
  private armBackoffTimer(): void {
    if (!this.timersOn || this.closed) return;
    const head = this.backoff.peek();
    if (!head) return;
    const at = this.backoffExpiry(head);
    if (this.backoffTimer && at >= this.backoffTimerAt) return;
    clearTimeout(this.backoffTimer);
    this.backoffTimerAt = at;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.backoffTimerAt = Infinity;
      this.flushBackoffCompleted();
    }, Math.max(0, at - this.now()));
  }
}
