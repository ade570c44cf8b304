/**
 * Which pods a ReplicaSet deletes when it has too many (Kubernetes' ActivePodsWithRanks):
 * the ones whose loss hurts least go first. In order: unscheduled before scheduled;
 * Pending before Unknown before Running; not ready before ready; lower
 * controller.kubernetes.io/pod-deletion-cost first; pods sharing a node with more of
 * their siblings first (spreads what remains); ready for less time first; more
 * restarts first; newer first.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodReady, podReadySince } from '../shared/pod-status.js';

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

interface Ranked {
  pod: Pod;
  node: string;
  phase: number;
  ready: boolean;
  cost: number;
  /** Active related pods on the same node. */
  colocated: number;
  readySince: number | undefined;
  restarts: number;
  created: number;
}

function deletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

const restartsOf = (pod: Pod): number => Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));

const timeOf = (s: string | undefined): number | undefined => {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
};

/** Kubernetes' afterOrZero: a missing time counts as newest. Negative when a sorts first. */
function newerFirst(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return b - a;
}

function compare(a: Ranked, b: Ranked): number {
  if (a.node !== b.node && (!a.node || !b.node)) return a.node ? 1 : -1;
  if (a.phase !== b.phase) return a.phase - b.phase;
  if (a.ready !== b.ready) return a.ready ? 1 : -1;
  if (a.cost !== b.cost) return a.cost - b.cost;
  if (a.colocated !== b.colocated) return b.colocated - a.colocated;
  if (a.ready && b.ready) {
    const r = newerFirst(a.readySince, b.readySince);
    if (r) return r;
  }
  if (a.restarts !== b.restarts) return b.restarts - a.restarts;
  const c = newerFirst(a.created, b.created);
  if (c) return c;
  // A total order keeps the choice deterministic.
  const an = a.pod.metadata?.name ?? '';
  const bn = b.pod.metadata?.name ?? '';
  return an < bn ? 1 : an > bn ? -1 : 0;
}

/**
 * The `count` pods to delete from `pods`. `related` are the active pods of every
 * ReplicaSet with the same owner (including `pods`), used to rank doubled-up nodes.
 */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], count: number): Pod[] {
  if (count <= 0) return [];
  const perNode = new Map<string, number>();
  for (const p of related) {
    const n = p.spec?.nodeName;
    if (n) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  const ranked: Ranked[] = pods.map((pod) => {
    const node = pod.spec?.nodeName ?? '';
    return {
      pod,
      node,
      phase: PHASE_ORDER[pod.status?.phase ?? 'Pending'] ?? 0,
      ready: isPodReady(pod),
      cost: deletionCost(pod),
      colocated: node ? (perNode.get(node) ?? 0) : 0,
      readySince: podReadySince(pod),
      restarts: restartsOf(pod),
      created: timeOf(pod.metadata?.creationTimestamp) ?? 0,
    };
  });
  if (count >= ranked.length) return ranked.map((r) => r.pod);
  return ranked.sort(compare).slice(0, count).map((r) => r.pod);
}
