/**
 * The outcome of a plugin call, as in kube-scheduler's framework: a code telling the
 * scheduler what to do with the pod, and reasons a person can read. Plugins never throw;
 * they return one of these.
 */

/**
 * - Success: the node fits (or the step passed).
 * - Unschedulable: the node does not fit now, but could after the cluster changes
 *   (another pod leaves, say); preemption might help.
 * - UnschedulableAndUnresolvable: the node can never fit this pod as it stands (a taint, a
 *   selector); preemption would not help.
 * - Error: something unexpected; the attempt fails and the pod is retried with back-off.
 */
export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error';

export interface Status {
  readonly code: Code;
  /** One short phrase per reason, e.g. `Insufficient cpu`; counted per node in the FailedScheduling message. */
  readonly reasons: readonly string[];
}

/** Shared and frozen: the hot path returns it without allocating. */
export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) as readonly string[] });

export const unschedulable = (...reasons: string[]): Status => Object.freeze({ code: 'Unschedulable', reasons: Object.freeze(reasons) });

export const unresolvable = (...reasons: string[]): Status => Object.freeze({ code: 'UnschedulableAndUnresolvable', reasons: Object.freeze(reasons) });

export const errorStatus = (message: string): Status => Object.freeze({ code: 'Error', reasons: Object.freeze([message]) });

export const isSuccess = (s: Status): boolean => s.code === 'Success';

/** True for the two codes that mean "does not fit" rather than "went wrong". */
export const isRejection = (s: Status): boolean => s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable';
