/**
 * NodeResourcesLeastAllocated: favours nodes with the most cpu and memory left after the
 * pod lands, which spreads load. Requests are counted with kube-scheduler's non-zero
 * defaults (100m, 200Mi for containers that ask for nothing), so best-effort pods still
 * spread instead of piling onto one node.
 */
import type { PluginFactory, ScorePlugin } from '../../framework/types.js';
import { MAX_NODE_SCORE } from '../../framework/types.js';

export const NAME = 'NodeResourcesLeastAllocated';
export const DEFAULT_WEIGHT = 1;

/** Share of capacity left, 0..100, rounded down; nothing left (or no capacity) is 0. */
export function leastRequested(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export function create(weight = DEFAULT_WEIGHT) {
  return {
    name: NAME,
    weight,
    score(pod, node) {
      const a = node.allocatable;
      const cpu = leastRequested(node.nonZeroRequested.milliCpu + pod.nonZeroRequests.milliCpu, a.milliCpu);
      const memory = leastRequested(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, a.memory);
      // cpu and memory weigh 1 each, kube-scheduler's default resource weights.
      return Math.floor((cpu + memory) / 2);
    },
  } satisfies ScorePlugin;
}

export const factory: PluginFactory = (args) => create(args.weight);
