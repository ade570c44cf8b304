/**
 * The plugin registry: every plugin by name, and orch's default profile — the filters in
 * kube-scheduler's order (cheap, decisive checks first; a node is rejected by the first
 * filter that fails) and the score plugins with kube-scheduler's default weights.
 */
import type { Plugin, PluginArgs, PluginFactory, PluginHandle } from '../framework/types.js';
import * as nodeUnschedulable from './node-unschedulable/node-unschedulable.js';
import * as nodeName from './node-name/node-name.js';
import * as taintToleration from './taint-toleration/taint-toleration.js';
import * as nodeAffinity from './node-affinity/node-affinity.js';
import * as nodePorts from './node-ports/node-ports.js';
import * as nodeResourcesFit from './node-resources-fit/node-resources-fit.js';
import * as leastAllocated from './node-resources-least-allocated/node-resources-least-allocated.js';
import * as balancedAllocation from './node-resources-balanced-allocation/node-resources-balanced-allocation.js';
import * as selectorSpread from './selector-spread/selector-spread.js';
import * as volumeBinding from './volume-binding/volume-binding.js';

export const REGISTRY: Readonly<Record<string, PluginFactory>> = {
  [nodeUnschedulable.NAME]: nodeUnschedulable.factory,
  [nodeName.NAME]: nodeName.factory,
  [taintToleration.NAME]: taintToleration.factory,
  [nodeAffinity.NAME]: nodeAffinity.factory,
  [nodePorts.NAME]: nodePorts.factory,
  [nodeResourcesFit.NAME]: nodeResourcesFit.factory,
  [leastAllocated.NAME]: leastAllocated.factory,
  [balancedAllocation.NAME]: balancedAllocation.factory,
  [selectorSpread.NAME]: selectorSpread.factory,
  [volumeBinding.NAME]: volumeBinding.factory,
};

export interface PluginConfig extends PluginArgs {
  name: string;
}

/** Order matters: filters run in this order. */
export const DEFAULT_PROFILE: readonly PluginConfig[] = [
  { name: nodeUnschedulable.NAME },
  { name: nodeName.NAME },
  { name: taintToleration.NAME },
  { name: nodeAffinity.NAME },
  { name: nodePorts.NAME },
  { name: nodeResourcesFit.NAME },
  { name: volumeBinding.NAME },
  { name: leastAllocated.NAME },
  { name: balancedAllocation.NAME },
  { name: selectorSpread.NAME },
];

/**
 * Builds the plugins of a profile; an unknown name is a configuration error. Without a
 * handle the plugins cannot read cluster state: enough for checking a profile.
 */
export function buildPlugins(profile: readonly PluginConfig[] = DEFAULT_PROFILE, handle?: PluginHandle): Plugin[] {
  return profile.map(({ name, ...args }) => {
    const f = REGISTRY[name];
    if (!f) throw new Error(`unknown scheduler plugin ${JSON.stringify(name)} (known: ${Object.keys(REGISTRY).join(', ')})`);
    return f(args, handle);
  });
}
