/**
 * How many feasible nodes to find before scoring, as kube-scheduler's
 * percentageOfNodesToScore: all of a small cluster; on a large one an adaptive share
 * (50% less 1% per 125 nodes, at least 5%) and never fewer than 100 nodes. Stopping early
 * keeps the work per pod proportional to the sample, not the cluster.
 */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE = 5;

/** `percentage` 0 (or absent) selects the adaptive default; 100 or more scores every node. */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE, 50 - Math.trunc(numAllNodes / 125));
  return Math.max(MIN_FEASIBLE_NODES_TO_FIND, Math.trunc((numAllNodes * pct) / 100));
}
