/**
 * NodeResourcesBalancedAllocation: favours nodes whose cpu and memory would be used in
 * similar proportions after the pod lands, so neither runs out while the other idles.
 * score = (1 - standard deviation of the used fractions) * 100; for cpu and memory the
 * deviation is |cpu - memory| / 2. Uses the pod's actual requests, as kube-scheduler does.
 */
import type { PluginFactory, ScorePlugin } from '../../framework/types.js';
import { MAX_NODE_SCORE } from '../../framework/types.js';

export const NAME = 'NodeResourcesBalancedAllocation';
export const DEFAULT_WEIGHT = 1;

export function create(weight = DEFAULT_WEIGHT) {
  return {
    name: NAME,
    weight,
    score(pod, node) {
      const a = node.allocatable;
      // A resource the node does not report is left out rather than counted as full.
      const cpu = a.milliCpu > 0 ? Math.min(1, (node.requested.milliCpu + pod.requests.milliCpu) / a.milliCpu) : -1;
      const memory = a.memory > 0 ? Math.min(1, (node.requested.memory + pod.requests.memory) / a.memory) : -1;
      if (cpu < 0 || memory < 0) return MAX_NODE_SCORE;
      // Two resources: the standard deviation is half the difference (no array on the hot path).
      return Math.trunc((1 - Math.abs(cpu - memory) / 2) * MAX_NODE_SCORE);
    },
  } satisfies ScorePlugin;
}

export const factory: PluginFactory = (args) => create(args.weight);
