/**
 * A pod together with what the scheduler derives from it once (requests, host ports,
 * controller owner), so plugins comparing it against thousands of nodes read numbers, not
 * quantity strings.
 */
import type { Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { podNonZeroRequests, podRequests, type Resources } from './resources.js';
import { podHostPorts, type HostPort } from './host-ports.js';

export interface PodInfo {
  readonly pod: Pod;
  /** namespace/name */
  readonly key: string;
  readonly uid: string;
  /** What the pod needs from a node (NodeResourcesFit). */
  readonly requests: Resources;
  /** Requests with defaults for containers that ask for nothing (scoring, as kube-scheduler does). */
  readonly nonZeroRequests: Resources;
  readonly hostPorts: readonly HostPort[];
  readonly tolerations: readonly Toleration[];
  /** UID of the controller ownerReference (ReplicaSet, StatefulSet...), for spreading. */
  readonly controllerUid: string | undefined;
  readonly priority: number;
  /** Being deleted: does not count towards spreading. */
  readonly terminating: boolean;
}

export const podKey = (pod: Pod): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

export function newPodInfo(pod: Pod): PodInfo {
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
  return {
    pod,
    key: podKey(pod),
    uid: pod.metadata?.uid ?? '',
    requests: podRequests(pod.spec),
    nonZeroRequests: podNonZeroRequests(pod),
    hostPorts: podHostPorts(pod),
    tolerations: pod.spec?.tolerations ?? [],
    controllerUid: owner?.uid,
    priority: pod.spec?.priority ?? 0,
    terminating: !!pod.metadata?.deletionTimestamp,
  };
}
