/**
 * SelectorSpread: spreads the pods of one controller (the ReplicaSet, StatefulSet or Job
 * named by the controller ownerReference) across nodes and zones, as kube-scheduler's
 * SelectorSpread did for the pods a controller selects. Score counts the owner's pods on
 * each feasible node; normalization reverses it (fewest gets 100) and, where nodes carry
 * zone labels, blends in the same count per zone at two thirds weight.
 */
import type { NodeInfo } from '../../framework/node-info.js';
import type { PluginFactory, PreScorePlugin, ScorePlugin } from '../../framework/types.js';
import { MAX_NODE_SCORE } from '../../framework/types.js';

export const NAME = 'SelectorSpread';
/** PodTopologySpread's default weight: this plugin plays its part in orch's default profile. */
export const DEFAULT_WEIGHT = 2;
const ZONE_WEIGHTING = 2 / 3;

/** Region and zone together, as utilnode.GetZoneKey; '' when the node has neither. */
export function zoneKey(node: NodeInfo): string {
  const l = node.labels;
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\x00:${zone}`;
}

export function create(weight = DEFAULT_WEIGHT) {
  return {
    name: NAME,
    weight,
    preScore(pod) {
      // A pod no controller owns has no siblings to spread from.
      return pod.controllerUid !== undefined;
    },
    score(pod, node) {
      return pod.controllerUid ? (node.ownerCounts.get(pod.controllerUid) ?? 0) : 0;
    },
    normalize(scores, nodes) {
      let maxByNode = 0;
      const byZone = new Map<string, number>();
      const zones = nodes.map(zoneKey);
      for (let i = 0; i < scores.length; i++) {
        maxByNode = Math.max(maxByNode, scores[i]);
        if (zones[i]) byZone.set(zones[i], (byZone.get(zones[i]) ?? 0) + scores[i]);
      }
      let maxByZone = 0;
      for (const c of byZone.values()) maxByZone = Math.max(maxByZone, c);
      for (let i = 0; i < scores.length; i++) {
        let f = maxByNode > 0 ? (MAX_NODE_SCORE * (maxByNode - scores[i])) / maxByNode : MAX_NODE_SCORE;
        if (zones[i]) {
          const z = maxByZone > 0 ? (MAX_NODE_SCORE * (maxByZone - byZone.get(zones[i])!)) / maxByZone : MAX_NODE_SCORE;
          f = f * (1 - ZONE_WEIGHTING) + ZONE_WEIGHTING * z;
        }
        scores[i] = Math.trunc(f);
      }
    },
  } satisfies PreScorePlugin & ScorePlugin;
}

export const factory: PluginFactory = (args) => create(args.weight);
