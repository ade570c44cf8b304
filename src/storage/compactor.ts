import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from './store.js';

export interface CompactorOptions {
  /** How often to compact; default one minute. */
  intervalMs?: number;
  /** How many of the newest revisions stay readable and watchable; default 5000. */
  retainRevisions?: number;
  /** A failed pass is retried at the next interval; this hears about it. */
  onError?: (err: unknown) => void;
}

/**
 * Keeps the newest `retainRevisions` revisions and compacts the rest, once per interval,
 * until the signal aborts. Passes never overlap: the next interval starts after the pass.
 */
export async function runCompactor(
  store: Pick<Store, 'currentRevision' | 'compactedRevision' | 'compact'>,
  signal: AbortSignal,
  opts: CompactorOptions = {},
): Promise<void> {
  const intervalMs = opts.intervalMs ?? 60_000;
  const retain = opts.retainRevisions ?? 5000;
  while (!signal.aborted) {
    try {
      await sleep(intervalMs, undefined, { signal, ref: false });
    } catch {
      return;
    }
    try {
      const target = (await store.currentRevision()) - retain;
      if (target > (await store.compactedRevision())) await store.compact(target);
    } catch (err) {
      if (!signal.aborted) opts.onError?.(err);
    }
  }
}
