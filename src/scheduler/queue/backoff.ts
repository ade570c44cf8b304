/** Per-pod back-off after a failed attempt: initial, doubled per further attempt, capped (kube-scheduler: 1 s -> 10 s). */
export function backoffDuration(attempts: number, initialMs: number, maxMs: number): number {
  let d = initialMs;
  for (let i = 1; i < attempts; i++) {
    d *= 2;
    if (d >= maxMs) return maxMs;
  }
  return Math.min(d, maxMs);
}
