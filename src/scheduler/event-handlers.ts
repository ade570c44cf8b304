/**
 * Informer events turned into cache and queue changes, after kube-scheduler's
 * eventhandlers.go: assigned pods feed the cache, unassigned pods this scheduler is
 * responsible for feed the queue, and changes that can free room or add it (a node added
 * or changed in a way that matters, a pod gone) send parked pods back to be tried again.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Informer } from '../client/informer.js';
import type { SchedulerCache } from './cache/cache.js';
import { newPodInfo, podKey } from './framework/pod-info.js';
import type { SchedulingQueue } from './queue/scheduling-queue.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export const isAssigned = (pod: Pod): boolean => !!pod.spec?.nodeName;
export const isTerminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** An unassigned, live pod naming this scheduler: one to schedule. */
export function wantsScheduling(pod: Pod, schedulerName: string): boolean {
  return (
    !isAssigned(pod) &&
    (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === schedulerName &&
    !pod.metadata?.deletionTimestamp &&
    !isTerminal(pod)
  );
}

/** Whether an update can change where the pod fits (not its status, which this scheduler writes itself). */
export function podSchedulingChanged(oldPod: Pod, pod: Pod): boolean {
  return JSON.stringify(oldPod.spec) !== JSON.stringify(pod.spec) || JSON.stringify(oldPod.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {});
}

const conditionStates = (n: Node): string =>
  (n.status?.conditions ?? [])
    .map((c) => `${c.type}=${c.status}`)
    .sort()
    .join(',');

/**
 * Whether a node update can make a parked pod fit. Heartbeats (condition timestamps,
 * images, addresses) cannot, and a 5,000-node cluster sends hundreds a second.
 */
export function nodeSchedulingChanged(oldNode: Node, node: Node): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  return (
    !!oldNode.spec?.unschedulable !== !!node.spec?.unschedulable ||
    !same(oldNode.status?.allocatable, node.status?.allocatable) ||
    !same(oldNode.status?.capacity, node.status?.capacity) ||
    !same(oldNode.metadata?.labels, node.metadata?.labels) ||
    !same(oldNode.spec?.taints, node.spec?.taints) ||
    conditionStates(oldNode) !== conditionStates(node)
  );
}

export interface EventHandlerDeps {
  pods: Pick<Informer<Pod>, 'on'>;
  nodes: Pick<Informer<Node>, 'on'>;
  cache: SchedulerCache;
  queue: SchedulingQueue;
  schedulerName: string;
  /** Claims, volumes and classes: any change can make a pod waiting on its volumes fit. */
  storage?: Pick<Informer<any>, 'on'>[];
}

export function registerEventHandlers({ pods, nodes, cache, queue, schedulerName, storage = [] }: EventHandlerDeps): void {
  // An assigned pod holds resources until it is deleted or finishes.
  const trackAssigned = (pod: Pod): void => {
    const key = podKey(pod);
    if (!isTerminal(pod)) return cache.addOrUpdatePod(pod);
    if (cache.nodeOf(key) === undefined) return;
    cache.removePod(key);
    queue.moveAllToActiveOrBackoff();
  };

  pods.on({
    add(pod) {
      if (isAssigned(pod)) trackAssigned(pod);
      else if (wantsScheduling(pod, schedulerName)) queue.add(newPodInfo(pod));
    },
    update(oldPod, pod) {
      const key = podKey(pod);
      if (isAssigned(pod)) {
        // Bound — by this scheduler (confirming an assumed pod) or by anyone else.
        if (!isAssigned(oldPod)) queue.delete(key);
        trackAssigned(pod);
      } else if (wantsScheduling(pod, schedulerName)) queue.update(newPodInfo(pod), podSchedulingChanged(oldPod, pod));
      else queue.delete(key);
    },
    delete(pod) {
      const key = podKey(pod);
      queue.delete(key);
      // Assumed or bound: its resources are free again.
      if (cache.nodeOf(key) !== undefined) {
        cache.removePod(key);
        queue.moveAllToActiveOrBackoff();
      }
    },
  });

  const wake = () => queue.moveAllToActiveOrBackoff();
  for (const inf of storage) inf.on({ add: wake, update: wake, delete: wake });

  nodes.on({
    add(node) {
      cache.setNode(node);
      queue.moveAllToActiveOrBackoff();
    },
    update(oldNode, node) {
      cache.setNode(node);
      if (nodeSchedulingChanged(oldNode, node)) queue.moveAllToActiveOrBackoff();
    },
    delete(node) {
      cache.removeNode(node.metadata?.name ?? '');
    },
  });
}
