/**
 * Bounded concurrency for bursts of API writes: enough requests in flight to keep the API
 * server busy without opening a socket per pod.
 */

/** Runs fn over items with at most `limit` calls in flight; settles every call. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i], i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface SlowStartResult {
  successes: number;
  /** Calls never attempted because an earlier batch failed. */
  skipped: number;
  errors: unknown[];
}

/**
 * Kubernetes' slowStartBatch: calls fn `count` times in batches of 1, 2, 4, ... and stops
 * after the first batch with a failure, so a request that will fail every time (quota,
 * admission, a bad template) fails once instead of `count` times. Within a batch at most
 * `limit` calls are in flight.
 */
export async function slowStartBatch(count: number, initialBatch: number, limit: number, fn: (i: number) => Promise<void>): Promise<SlowStartResult> {
  let done = 0;
  let successes = 0;
  const errors: unknown[] = [];
  for (let batch = Math.min(count, initialBatch); batch > 0; batch = Math.min(2 * batch, count - done)) {
    const idx = Array.from({ length: batch }, (_, k) => done + k);
    const results = await mapLimit(idx, limit, (i) => fn(i));
    done += batch;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else errors.push(r.reason);
    }
    if (errors.length) break;
  }
  return { successes, skipped: count - done, errors };
}
