/** NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate the unschedulable taint. */
import { tolerated } from '../../framework/taints.js';
import { SUCCESS, unresolvable } from '../../framework/status.js';
import type { FilterPlugin, PluginFactory } from '../../framework/types.js';

export const NAME = 'NodeUnschedulable';
export const REASON = 'node(s) were unschedulable';

// Matched against tolerations as if it were a taint on the node, which is what
// `kubectl cordon` amounts to (DaemonSet pods tolerate it).
const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' } as const;
const REJECTED = unresolvable(REASON);

export const plugin = {
  name: NAME,
  filter(pod, node) {
    if (!node.node?.spec?.unschedulable) return SUCCESS;
    return tolerated(UNSCHEDULABLE_TAINT, pod.tolerations) ? SUCCESS : REJECTED;
  },
} satisfies FilterPlugin;

export const factory: PluginFactory = () => plugin;
