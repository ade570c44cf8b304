/**
 * Pods: READY, STATUS and RESTARTS as kubectl users know them. STATUS is not the phase but a
 * reason distilled from init containers, containers and deletion, e.g. Init:0/1,
 * ContainerCreating, CrashLoopBackOff, Completed, Terminating.
 */
import type { ContainerStatus, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { age, humanDuration, parseTimestamp } from './age.js';
import { ageColumn, column, nameColumn, wide, type Printer, type TableRowCondition } from './types.js';

/** The reason the node lifecycle controller gives pods on a node that stopped reporting. */
const NODE_LOST = 'NodeLost';

export interface PodSummary {
  ready: number;
  total: number;
  /** The STATUS cell. */
  reason: string;
  restarts: number;
  /** When a counted container last terminated before restarting (ms since the epoch). */
  lastRestartAt?: number;
}

const conditionTrue = (status: PodStatus, type: string): boolean =>
  (status.conditions ?? []).some((c) => c.type === type && c.status === 'True');

const lastTerminated = (c: ContainerStatus): number | undefined =>
  parseTimestamp(c.lastState?.terminated?.finishedAt);

const later = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

/** The READY, STATUS and RESTARTS figures of a pod, as kubectl get pods shows them. */
export function summarizePod(pod: Pod): PodSummary {
  const status = pod.status ?? {};
  const initSpecs = pod.spec?.initContainers ?? [];
  // Sidecars (init containers that restart) run beside the main containers and count with them.
  const sidecars = new Set(initSpecs.filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const total = (pod.spec?.containers?.length ?? 0) + initSpecs.filter((c) => sidecars.has(c.name)).length;

  let ready = 0;
  let reason = status.reason || status.phase || '';
  if ((status.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  let restarts = 0;
  let lastRestartAt: number | undefined;
  let sidecarRestarts = 0;
  let sidecarLastRestartAt: number | undefined;
  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const isSidecar = sidecars.has(c.name);
    restarts += c.restartCount ?? 0;
    lastRestartAt = later(lastRestartAt, lastTerminated(c));
    if (isSidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      sidecarLastRestartAt = later(sidecarLastRestartAt, lastTerminated(c));
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (isSidecar && c.started) {
      if (c.ready) ready++;
      continue;
    }
    // The first init container that has not finished decides the status; later ones have not run.
    if (terminated) {
      if (terminated.reason) reason = `Init:${terminated.reason}`;
      else if (terminated.signal) reason = `Init:Signal:${terminated.signal}`;
      else reason = `Init:ExitCode:${terminated.exitCode ?? 0}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status, 'Initialized')) {
    // Once initialised, restarts of finished init containers no longer matter; sidecars' still do.
    restarts = sidecarRestarts;
    lastRestartAt = sidecarLastRestartAt;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Walked backwards so that the first container with a reason wins.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestartAt = later(lastRestartAt, lastTerminated(c));
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated?.signal) reason = `Signal:${terminated.signal}`;
      else if (terminated) reason = `ExitCode:${terminated.exitCode ?? 0}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // One container done while another still runs: the pod is not Completed.
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(status, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata?.deletionTimestamp) {
    if (status.reason === NODE_LOST) reason = 'Unknown';
    else if (status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  }

  return { ready, total, reason, restarts, lastRestartAt };
}

/** `3 (5m ago)`, or just the count when nothing has restarted or the time is unknown. */
export function restartsCell(s: PodSummary, now: number): string {
  if (s.restarts === 0 || s.lastRestartAt === undefined) return String(s.restarts);
  return `${s.restarts} (${humanDuration(now - s.lastRestartAt)} ago)`;
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conditions = pod.status?.conditions ?? [];
  const passed = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${passed}/${gates.length}`;
}

export const podPrinter = {
  columns: [
    nameColumn,
    column('Ready', 'Ready containers out of all containers (sidecars included).'),
    column('Status', 'A summary of the pod and its containers: the phase, or why it is not running.'),
    column('Restarts', 'Container restarts, and how long ago the latest one was.'),
    ageColumn,
    wide('IP', 'The pod IP (the first of status.podIPs).'),
    wide('Node', 'The node the pod is bound to.'),
    wide('Nominated Node', 'The node on which the scheduler has preempted pods to make room for this one.'),
    wide('Readiness Gates', 'Readiness gates whose condition is True, out of all gates.'),
  ],
  row(pod, now) {
    const s = summarizePod(pod);
    return [
      pod.metadata?.name ?? '',
      `${s.ready}/${s.total}`,
      s.reason,
      restartsCell(s, now),
      age(pod, now),
      // An older client may set only podIP; the apiserver treats it as podIPs[0].
      pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>',
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGates(pod),
    ];
  },
  conditions(pod): TableRowCondition[] | undefined {
    switch (pod.status?.phase) {
      case 'Succeeded':
        return [
          { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
        ];
      case 'Failed':
        return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
      default:
        return undefined;
    }
  },
} satisfies Printer<Pod>;
