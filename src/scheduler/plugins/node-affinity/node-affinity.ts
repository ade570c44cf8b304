/**
 * NodeAffinity: the pod's nodeSelector and required node affinity must both match the
 * node (filter); preferred terms add their weights (score, normalized so the best node
 * gets 100).
 */
import { defaultNormalizeScore } from '../../framework/normalize.js';
import { SUCCESS, unresolvable } from '../../framework/status.js';
import type { FilterPlugin, PluginFactory, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/types.js';
import { compileLabelSet, compileNodeSelector, compileTerm, type NodeMatcher } from './node-selector.js';

export const NAME = 'NodeAffinity';
export const REASON = "node(s) didn't match Pod's node affinity/selector";
const REJECTED = unresolvable(REASON);
const FILTER_KEY = `PreFilter${NAME}`;
const SCORE_KEY = `PreScore${NAME}`;
export const DEFAULT_WEIGHT = 2;

interface Preferred {
  weight: number;
  matches: NodeMatcher;
}

export function create(weight = DEFAULT_WEIGHT) {
  return {
    name: NAME,
    weight,
    preFilter(pod, state) {
      const spec = pod.pod.spec;
      const matchers: NodeMatcher[] = [];
      if (spec?.nodeSelector && Object.keys(spec.nodeSelector).length > 0) matchers.push(compileLabelSet(spec.nodeSelector));
      const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
      if (required) matchers.push(compileNodeSelector(required));
      state.write(FILTER_KEY, matchers);
      return SUCCESS;
    },
    filter(_pod, node, state) {
      const matchers = state.read<NodeMatcher[]>(FILTER_KEY) ?? [];
      for (const m of matchers) if (!m(node)) return REJECTED;
      return SUCCESS;
    },
    preScore(pod, _nodes, state) {
      const terms = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      const preferred: Preferred[] = terms.filter((t) => t.weight !== 0).map((t) => ({ weight: t.weight, matches: compileTerm(t.preference) }));
      state.write(SCORE_KEY, preferred);
      return preferred.length > 0;
    },
    score(_pod, node, state) {
      let sum = 0;
      for (const p of state.read<Preferred[]>(SCORE_KEY) ?? []) if (p.matches(node)) sum += p.weight;
      return sum;
    },
    normalize(scores) {
      defaultNormalizeScore(scores, false);
    },
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
}

export const factory: PluginFactory = (args) => create(args.weight);
