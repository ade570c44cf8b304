/** NodeName: a pod that names its node (spec.nodeName) fits only that node. */
import { SUCCESS, unresolvable } from '../../framework/status.js';
import type { FilterPlugin, PluginFactory } from '../../framework/types.js';

export const NAME = 'NodeName';
export const REASON = "node(s) didn't match the requested node name";
const REJECTED = unresolvable(REASON);

export const plugin = {
  name: NAME,
  filter(pod, node) {
    const wanted = pod.pod.spec?.nodeName;
    return !wanted || wanted === node.name ? SUCCESS : REJECTED;
  },
} satisfies FilterPlugin;

export const factory: PluginFactory = () => plugin;
