/** NodePorts: a pod asking for a host port fits only nodes where no pod holds an overlapping one. */
import { SUCCESS, unschedulable } from '../../framework/status.js';
import type { FilterPlugin, PluginFactory } from '../../framework/types.js';

export const NAME = 'NodePorts';
export const REASON = "node(s) didn't have free ports for the requested pod ports";
// Unschedulable, not unresolvable: the port frees up when the pod holding it goes.
const REJECTED = unschedulable(REASON);

export const plugin = {
  name: NAME,
  filter(pod, node) {
    if (pod.hostPorts.length === 0 || node.usedPorts.empty) return SUCCESS;
    for (const p of pod.hostPorts) if (node.usedPorts.conflicts(p)) return REJECTED;
    return SUCCESS;
  },
} satisfies FilterPlugin;

export const factory: PluginFactory = () => plugin;
