/**
 * TaintToleration: a NoSchedule or NoExecute taint the pod does not tolerate rules the node
 * out (this is how not-ready and unreachable nodes are kept from new pods: the node
 * lifecycle controller taints them); PreferNoSchedule taints it does not tolerate count
 * against the node (score: fewer is better, normalized reversed).
 */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { defaultNormalizeScore } from '../../framework/normalize.js';
import { SUCCESS, unresolvable } from '../../framework/status.js';
import { findUntoleratedTaint, tolerated } from '../../framework/taints.js';
import type { FilterPlugin, PluginFactory, PreScorePlugin, ScorePlugin } from '../../framework/types.js';

export const NAME = 'TaintToleration';
export const DEFAULT_WEIGHT = 3;
const SCORE_KEY = `PreScore${NAME}`;

export const untoleratedReason = (t: Taint): string => `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;

const blocksScheduling = (t: Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

export function create(weight = DEFAULT_WEIGHT) {
  return {
    name: NAME,
    weight,
    filter(pod, node) {
      if (node.taints.length === 0) return SUCCESS;
      const taint = findUntoleratedTaint(node.taints, pod.tolerations, blocksScheduling);
      return taint ? unresolvable(untoleratedReason(taint)) : SUCCESS;
    },
    preScore(pod, _nodes, state) {
      // Only tolerations that can apply to PreferNoSchedule taints matter here.
      state.write(
        SCORE_KEY,
        pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule'),
      );
      return true;
    },
    score(_pod, node, state) {
      if (node.taints.length === 0) return 0;
      const tolerations = state.read<Toleration[]>(SCORE_KEY) ?? [];
      let n = 0;
      for (const t of node.taints) if (t.effect === 'PreferNoSchedule' && !tolerated(t, tolerations)) n++;
      return n;
    },
    normalize(scores) {
      defaultNormalizeScore(scores, true);
    },
  } satisfies FilterPlugin & PreScorePlugin & ScorePlugin;
}

export const factory: PluginFactory = (args) => create(args.weight);
