/**
 * When must a pod leave a node with NoExecute taints? (Kubernetes' taint-eviction
 * controller.) A taint the pod does not tolerate evicts it at once — except the
 * not-ready/unreachable taints this controller sets: for those an untolerating pod gets
 * podEvictionTimeout, the grace Kubernetes grants through the default tolerations its
 * admission adds to every pod. A tolerated taint evicts after the shortest
 * tolerationSeconds of the tolerations that match it, or never if none has a limit.
 * Clocks start at the taint's timeAdded, so a controller restart does not reset them.
 */
import type { Pod, Taint } from 'kubernetes-types/core/v1.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE, tolerates } from './taints.js';

/**
 * When a taint's clock started. timeAdded is a metav1.Time, cut to the second: it is read
 * as the end of its second, so a pod may leave up to a second late but never early.
 */
export function taintStart(taint: Taint, now: number): number {
  const t = taint.timeAdded ? Date.parse(taint.timeAdded) : NaN;
  if (Number.isNaN(t)) return now;
  return /\.\d/.test(taint.timeAdded!) ? t : t + 999;
}

/** When (ms) the pod should be evicted; undefined for never. */
export function evictionTime(pod: Pod, noExecute: readonly Taint[], defaultTimeoutMs: number, now: number): number | undefined {
  let at: number | undefined;
  const tolerations = pod.spec?.tolerations ?? [];
  for (const taint of noExecute) {
    const since = taintStart(taint, now);
    const matching = tolerations.filter((t) => tolerates(t, taint));
    let due: number | undefined;
    if (!matching.length) {
      due = taint.key === TAINT_NOT_READY || taint.key === TAINT_UNREACHABLE ? since + defaultTimeoutMs : now;
    } else {
      const limits = matching.filter((t) => typeof t.tolerationSeconds === 'number').map((t) => t.tolerationSeconds!);
      if (limits.length) {
        const min = Math.min(...limits);
        due = min <= 0 ? now : since + min * 1000;
      }
    }
    if (due !== undefined && (at === undefined || due < at)) at = due;
  }
  return at;
}
