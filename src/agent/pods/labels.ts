/**
 * Labels and annotations the agent puts on CRI sandboxes and containers so that it can
 * find them again after a restart — the keys the kubelet uses, so `crictl` shows what a
 * Kubernetes user expects. The pod uid label is how a sandbox is tied to its pod.
 */
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';
/** Which agent created it: a sandbox without it is not ours to adopt or remove. */
export const MANAGED_BY_LABEL = 'io.orch.managed-by';
export const MANAGED_BY_VALUE = 'orch-agent';

export const RESTART_COUNT_ANNOTATION = 'io.kubernetes.container.restartCount';
export const TERMINATION_GRACE_ANNOTATION = 'io.kubernetes.pod.terminationGracePeriod';
export const CONTAINER_HASH_ANNOTATION = 'io.kubernetes.container.hash';
/** `init` or `app`: which list of the spec the container belongs to. */
export const CONTAINER_KIND_ANNOTATION = 'io.orch.container.kind';
