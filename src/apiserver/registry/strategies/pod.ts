/** Pods: graceful deletion once a node runs them; binding to a node. */
import type { Strategy } from '../strategy.js';
import { errors } from '../../../machinery/errors.js';

export function podStrategy(base: Strategy): Strategy {
  return {
    ...base,
    prepareForCreate(pod) {
      base.prepareForCreate(pod);
      // A new pod is Pending until a node runs it; its QoS class is fixed by its spec.
      pod.status = { phase: 'Pending', qosClass: qosClass(pod.spec) };
    },
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

const COMPUTE = ['cpu', 'memory'];

/** Kubernetes' QoS classes: Guaranteed (limits = requests for cpu and memory everywhere), BestEffort (none set), else Burstable. */
export function qosClass(spec: any): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of COMPUTE) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
