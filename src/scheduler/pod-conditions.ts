/**
 * The PodScheduled=False condition a pod gets when an attempt fails, as a strategic merge
 * patch for the status subresource (conditions merge by type, so other conditions stay).
 */
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';

/** `Unschedulable` when no node fits; `SchedulerError` when the attempt itself went wrong. */
export type FailureReason = 'Unschedulable' | 'SchedulerError';

const timestamp = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

/** The patch to write, or undefined when the pod already says exactly this (no write, no watch event). */
export function unschedulableConditionPatch(pod: Pod, reason: FailureReason, message: string, now = new Date()): object | undefined {
  const cur = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (cur && cur.status === 'False' && cur.reason === reason && cur.message === message) return undefined;
  const condition: PodCondition = {
    type: 'PodScheduled',
    status: 'False',
    reason,
    message,
    // The transition is from True/absent to False; repeated failures keep the first time.
    lastTransitionTime: cur?.status === 'False' && cur.lastTransitionTime ? cur.lastTransitionTime : timestamp(now),
  };
  return { status: { conditions: [{ ...condition, lastProbeTime: null }] } };
}
