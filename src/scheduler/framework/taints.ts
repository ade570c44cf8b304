/** Toleration matching, as the core/v1 helpers define it (shared by TaintToleration and NodeUnschedulable). */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

/**
 * An empty effect tolerates every effect; an empty key (only valid with Exists) every key;
 * Exists ignores the value, Equal (or no operator) compares it.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export const tolerated = (taint: Taint, tolerations: readonly Toleration[]): boolean => tolerations.some((t) => toleratesTaint(t, taint));

/** The first taint passing `consider` that no toleration tolerates. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], consider: (t: Taint) => boolean): Taint | undefined {
  for (const taint of taints) if (consider(taint) && !tolerated(taint, tolerations)) return taint;
  return undefined;
}
