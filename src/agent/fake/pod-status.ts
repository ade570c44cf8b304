/**
 * The status a fake node writes for a pod it "runs": what a kubelet reports once every
 * container has started and passed its readiness checks. Nothing runs, so there is
 * nothing to probe: containers are running and ready as soon as the start delay passes.
 */
import { createHash } from 'node:crypto';
import type { ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const hex = (s: string) => createHash('sha256').update(s).digest('hex');

export interface RunningPodInputs {
  podIP: string;
  hostIP: string;
  now: number;
}

function condition(pod: Pod, type: string, status: 'True' | 'False', ts: string, reason?: string): PodCondition {
  const old = pod.status?.conditions?.find((c) => c.type === type);
  const c: PodCondition = { type, status, lastTransitionTime: old?.status === status && old.lastTransitionTime ? old.lastTransitionTime : ts };
  if (reason) c.reason = reason;
  return c;
}

/** The status of `pod` running on a fake node. Start times already recorded are kept. */
export function runningPodStatus(pod: Pod, at: RunningPodInputs): PodStatus {
  const ts = rfc3339(at.now);
  const uid = pod.metadata?.uid ?? pod.metadata?.name ?? '';
  const started = pod.status?.startTime ?? ts;
  const prev = new Map((pod.status?.containerStatuses ?? []).map((c) => [c.name, c]));
  const containerStatuses: ContainerStatus[] = (pod.spec?.containers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: `fake://sha256:${hex(c.image ?? '')}`,
    containerID: `fake://${hex(`${uid}/${c.name}`)}`,
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: prev.get(c.name)?.state?.running?.startedAt ?? ts } },
  }));
  const initContainerStatuses: ContainerStatus[] = (pod.spec?.initContainers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: `fake://sha256:${hex(c.image ?? '')}`,
    containerID: `fake://${hex(`${uid}/${c.name}`)}`,
    ready: true,
    started: false,
    restartCount: 0,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: started } },
  }));
  // Readiness gates are conditions someone else sets; the pod is Ready only once they are True.
  const gates = (pod.spec?.readinessGates ?? []).map((g) => g.conditionType);
  const gatesOpen = gates.every((t) => pod.status?.conditions?.some((c) => c.type === t && c.status === 'True'));
  const conditions: PodCondition[] = [
    condition(pod, 'PodReadyToStartContainers', 'True', ts),
    condition(pod, 'Initialized', 'True', ts),
    gatesOpen ? condition(pod, 'Ready', 'True', ts) : condition(pod, 'Ready', 'False', ts, 'ReadinessGatesNotReady'),
    condition(pod, 'ContainersReady', 'True', ts),
    condition(pod, 'PodScheduled', 'True', ts),
  ];
  const own = new Set(conditions.map((c) => c.type));
  for (const c of pod.status?.conditions ?? []) if (!own.has(c.type)) conditions.push(c);
  const status: PodStatus = {
    phase: 'Running',
    conditions,
    hostIP: at.hostIP,
    hostIPs: [{ ip: at.hostIP }],
    podIP: at.podIP,
    podIPs: [{ ip: at.podIP }],
    startTime: started,
    containerStatuses,
    qosClass: pod.status?.qosClass,
  };
  if (initContainerStatuses.length) status.initContainerStatuses = initContainerStatuses;
  if (!status.qosClass) delete status.qosClass;
  return status;
}

/** True when the stored status already shows the pod running and ready on `podIP`. */
export function isRunning(pod: Pod): boolean {
  const s = pod.status;
  if (s?.phase !== 'Running' || !s.podIP) return false;
  const gates = (pod.spec?.readinessGates ?? []).length > 0;
  if (!gates && s.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') return false;
  const containers = pod.spec?.containers ?? [];
  const statuses = s.containerStatuses ?? [];
  return containers.every((c) => statuses.some((st) => st.name === c.name && st.ready && st.state?.running));
}
