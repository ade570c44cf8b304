/** Pods: graceful deletion once a node runs them; binding to a node. */
import type { Strategy } from '../strategy.js';
import { errors } from '../../../machinery/errors.js';

export function podStrategy(base: Strategy): Strategy {
  return {
    ...base,
    // An unscheduled pod has nothing to stop, so it goes at once; otherwise the node's
    // agent finishes the deletion after stopping the containers.
    gracePeriod: (pod) => (pod.spec?.nodeName ? (pod.spec.terminationGracePeriodSeconds ?? 30) : 0),
  };
}

/** pods/binding: sets spec.nodeName once; the only way a pod's node changes. */
export function bindingStrategy(nodeName: string): Strategy {
  return {
    tracksGeneration: false,
    hasStatusSubresource: true,
    prepareForCreate() {},
    prepareForUpdate(obj) {
      if (obj.metadata.deletionTimestamp) throw errors.conflict({ resource: 'pods', group: '', kind: 'Pod', name: obj.metadata.name }, 'pod is being deleted, cannot be assigned to a host');
      if (obj.spec.nodeName)
        throw errors.conflict({ resource: 'pods', group: '', kind: 'Pod', name: obj.metadata.name }, `pod ${obj.metadata.name} is already assigned to node "${obj.spec.nodeName}"`);
      obj.spec.nodeName = nodeName;
      obj.status ??= {};
      const conds = (obj.status.conditions ??= []);
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const c = conds.find((x: any) => x.type === 'PodScheduled');
      if (c) Object.assign(c, { status: 'True', lastTransitionTime: now, reason: undefined, message: undefined });
      else conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
    },
    validate: () => [],
    validateUpdate: () => [],
  };
}
