/**
 * The taints the node lifecycle controller owns and how pods tolerate taints. The
 * controller mirrors node conditions into NoSchedule taints (so the scheduler keeps new
 * pods off a sick node) and Ready=False/Unknown into a NoExecute taint (which evicts the
 * pods already there). Taints of other keys are never touched.
 */
import type { Node, NodeCondition, Taint, Toleration } from 'kubernetes-types/core/v1.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** Condition (type, status) -> NoSchedule taint key, as Kubernetes' nodeConditionToTaintKeyStatusMap. */
const CONDITION_TAINTS: [type: string, status: string, key: string][] = [
  ['Ready', 'False', TAINT_NOT_READY],
  ['Ready', 'Unknown', TAINT_UNREACHABLE],
  ['MemoryPressure', 'True', 'node.kubernetes.io/memory-pressure'],
  ['DiskPressure', 'True', 'node.kubernetes.io/disk-pressure'],
  ['NetworkUnavailable', 'True', 'node.kubernetes.io/network-unavailable'],
  ['PIDPressure', 'True', 'node.kubernetes.io/pid-pressure'],
];

const NO_SCHEDULE_KEYS = new Set([...CONDITION_TAINTS.map((c) => c[2]), TAINT_UNSCHEDULABLE]);
const NO_EXECUTE_KEYS = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE]);

export const condition = (node: Node, type: string): NodeCondition | undefined => node.status?.conditions?.find((c) => c.type === type);

/** Whether this controller owns a taint (and may add or remove it). */
export function isControllerTaint(t: Taint): boolean {
  return (t.effect === 'NoSchedule' && NO_SCHEDULE_KEYS.has(t.key)) || (t.effect === 'NoExecute' && NO_EXECUTE_KEYS.has(t.key));
}

/** NoSchedule taints the node's conditions and spec.unschedulable call for. */
export function noScheduleTaintsFor(node: Node): Taint[] {
  const out: Taint[] = [];
  for (const [type, status, key] of CONDITION_TAINTS) {
    if (condition(node, type)?.status === status) out.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

/** The NoExecute taint key the Ready condition calls for; null for none; undefined when no Ready condition says. */
function noExecuteKeyFor(node: Node): string | null | undefined {
  const s = condition(node, 'Ready')?.status;
  if (s === 'False') return TAINT_NOT_READY;
  if (s === 'Unknown') return TAINT_UNREACHABLE;
  if (s === 'True') return null;
  return undefined;
}

export interface TaintOptions {
  /** A new NoExecute taint may be added now (the zone's rate limiter had a token). */
  allowNewNoExecute: boolean;
  /** Every zone is down: assume the control plane is cut off and evict nothing. */
  suppressNoExecute: boolean;
  /** RFC 3339 time for timeAdded of a new NoExecute taint. */
  now: string;
}

export interface TaintPlan {
  /** The node's next taint list, or undefined when it is already right. */
  taints?: Taint[];
  /** The plan adds a NoExecute taint where none was (this spends a rate-limiter token). */
  addsNoExecute: boolean;
  /** A NoExecute taint is wanted but was held back (no token): try again later. */
  heldBack: boolean;
}

/**
 * The controller's taints for the node now. Swapping not-ready for unreachable (or back)
 * is immediate and restarts the eviction clock; adding one where none was waits for the
 * rate limiter; recovery removes both at once.
 */
export function planTaints(node: Node, opts: TaintOptions): TaintPlan {
  const current = node.spec?.taints ?? [];
  const wantNS = noScheduleTaintsFor(node);
  const haveNE = current.filter((t) => t.effect === 'NoExecute' && NO_EXECUTE_KEYS.has(t.key));
  let wantNE: Taint[] = haveNE;
  let addsNoExecute = false;
  let heldBack = false;
  const key = noExecuteKeyFor(node);
  if (opts.suppressNoExecute || key === null) wantNE = [];
  else if (key !== undefined) {
    const same = haveNE.find((t) => t.key === key);
    if (same) wantNE = [same];
    else if (haveNE.length) wantNE = [{ key, effect: 'NoExecute', timeAdded: opts.now }];
    else if (opts.allowNewNoExecute) {
      wantNE = [{ key, effect: 'NoExecute', timeAdded: opts.now }];
      addsNoExecute = true;
    } else {
      wantNE = [];
      heldBack = true;
    }
  }
  const want = [...wantNS, ...wantNE];
  const sameTaint = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
  // Unchanged taints keep their place and their timeAdded; only the difference moves.
  const next = current.filter((t) => !isControllerTaint(t) || want.some((w) => sameTaint(w, t) && (w.timeAdded ?? '') === (t.timeAdded ?? '')));
  for (const w of want) if (!next.some((t) => sameTaint(t, w))) next.push(w);
  const changed = next.length !== current.length || next.some((t, i) => t !== current[i]);
  return { taints: changed ? next : undefined, addsNoExecute: changed && addsNoExecute, heldBack };
}

/** Kubernetes' ToleratesTaint: effect, key (or an empty key with Exists) and value must match. */
export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  if (!tol.key && tol.operator !== 'Exists') return false;
  if (tol.operator === 'Exists') return true;
  return (tol.value ?? '') === (taint.value ?? '');
}
