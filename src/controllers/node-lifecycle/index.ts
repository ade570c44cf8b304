/** The node lifecycle controller: node health, condition taints and taint-based eviction. */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { ControllerDescriptor } from '../types.js';
import { NodeLifecycleController, POD_NODE_INDEX, podNodeIndex } from './controller.js';
import { DEFAULT_DISRUPTION } from './zones.js';

export { NodeLifecycleController, type NodeLifecycleDeps } from './controller.js';
export { DEFAULT_DISRUPTION, type DisruptionConfig } from './zones.js';
export { TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE } from './taints.js';

export const controller: ControllerDescriptor = {
  name: 'node-lifecycle',
  create(ctx) {
    const nodeEvents = ctx.recorder('node-controller');
    const evictionEvents = ctx.recorder('taint-eviction-controller');
    const nodes = ctx.client.resource<Node>('nodes');
    const pods = ctx.client.resource<Pod>('pods');
    return new NodeLifecycleController({
      nodes: ctx.informers.informer<Node>('nodes'),
      leases: ctx.informers.informer<Lease>('leases', 'coordination.k8s.io'),
      pods: ctx.informers.informer<Pod>('pods', '', { [POD_NODE_INDEX]: podNodeIndex }),
      api: {
        updateNodeStatus: async (n) => void (await nodes.updateStatus(n)),
        updateNode: async (n) => void (await nodes.update(n)),
        updatePodStatus: async (p) => void (await pods.updateStatus(p)),
        deletePod: async (ns, name, o) => void (await pods.delete(ns, name, { gracePeriodSeconds: o.gracePeriodSeconds, preconditions: { uid: o.uid } })),
      },
      event: (source, obj, type, reason, message) => (source === 'node-controller' ? nodeEvents : evictionEvents).event(obj, type, reason, message),
      log: ctx.log.child({ component: 'node-lifecycle' }),
      nodeMonitorGracePeriodMs: ctx.config.nodeMonitorGracePeriodMs,
      podEvictionTimeoutMs: ctx.config.podEvictionTimeoutMs,
      workers: ctx.config.workers,
      disruption: DEFAULT_DISRUPTION,
    });
  },
};
