/** Waiting in loops that a stop signal ends. */

/**
 * Resolves after `ms`, or as soon as `signal` aborts (never rejects: a loop checks the
 * signal itself after waking). The abort listener is removed on the timer's way out, so a
 * long-lived signal does not collect one per wait.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}
