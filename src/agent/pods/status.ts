/**
 * The pod status the agent reports, computed from what the runtime says about each
 * container plus what the worker knows that the runtime does not (why a container is
 * waiting, probe results). Phase and conditions follow the kubelet's getPhase and
 * status generation; transition times are carried over while a condition's status stays.
 */
import type { ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus as CriContainerStatus } from '../cri/cri-types.js';
import { rfc3339 } from '../node/time.js';
import { normalizeImageRef } from '../images/reference.js';

export interface Waiting {
  reason: string;
  message?: string;
}

/** What the worker knows about one spec container. */
export interface ContainerView {
  name: string;
  image: string;
  /** The newest runtime container of this name and the one before it. */
  current?: CriContainerStatus;
  previous?: CriContainerStatus;
  restartCount: number;
  /** Set when the container is not running because of something the worker decided. */
  waiting?: Waiting;
  ready: boolean;
  started: boolean;
}

export interface StatusInput {
  pod: Pod;
  init: ContainerView[];
  app: ContainerView[];
  podIPs: string[];
  hostIP: string;
  /** When the agent first took the pod on (status.startTime unless already set). */
  startTime: number;
  now: number;
  /** An init container failed for good (restartPolicy Never). */
  initFailed: boolean;
}

const nsToTime = (ns: string) => rfc3339(Number(BigInt(ns) / 1_000_000n));
export const criId = (id: string) => `containerd://${id}`;

function terminated(s: CriContainerStatus): ContainerState {
  const exitCode = s.exit_code;
  const reason = s.reason || (exitCode === 0 ? 'Completed' : 'Error');
  return {
    terminated: {
      exitCode,
      reason,
      ...(s.message ? { message: s.message } : {}),
      startedAt: s.started_at !== '0' ? nsToTime(s.started_at) : undefined,
      finishedAt: s.finished_at !== '0' ? nsToTime(s.finished_at) : undefined,
      containerID: criId(s.id),
    },
  } as ContainerState;
}

export function containerStatus(v: ContainerView, defaultWaiting: string): ContainerStatus {
  // The full reference, as the kubelet reports it (the spec's `nginx` is docker.io/library/nginx:latest).
  const out: ContainerStatus = { name: v.name, image: normalizeImageRef(v.image), imageID: '', ready: false, restartCount: v.restartCount, started: false, state: {} };
  const cur = v.current;
  if (cur) {
    out.imageID = cur.image_ref ?? '';
    out.containerID = criId(cur.id);
  }
  let lastFrom: CriContainerStatus | undefined;
  if (cur?.state === 'CONTAINER_RUNNING') {
    out.state = { running: { startedAt: nsToTime(cur.started_at) } };
    out.ready = v.ready;
    out.started = v.started;
    lastFrom = v.previous;
  } else if (v.waiting) {
    out.state = { waiting: { reason: v.waiting.reason, ...(v.waiting.message ? { message: v.waiting.message } : {}) } };
    lastFrom = cur?.state === 'CONTAINER_EXITED' ? cur : v.previous;
  } else if (cur?.state === 'CONTAINER_EXITED') {
    out.state = terminated(cur);
    lastFrom = v.previous;
  } else {
    out.state = { waiting: { reason: defaultWaiting } };
    lastFrom = v.previous;
  }
  out.lastState = lastFrom?.state === 'CONTAINER_EXITED' ? terminated(lastFrom) : {};
  return out;
}

/** The kubelet's getPhase, over the computed container statuses. */
export function podPhase(pod: Pod, init: ContainerStatus[], app: ContainerStatus[], initFailed: boolean): PodStatus['phase'] {
  if (initFailed) return 'Failed';
  const initPending = init.some((s) => !(s.state?.terminated && s.state.terminated.exitCode === 0));
  if (initPending) return 'Pending';
  let running = 0,
    waiting = 0,
    stopped = 0,
    succeeded = 0;
  for (const s of app) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      // A container waiting to be restarted has run: it counts as stopped, not as never started.
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    }
  }
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, now: number, previous: PodCondition[] | undefined, reason?: string, message?: string): PodCondition {
  const old = previous?.find((c) => c.type === type);
  const status = ok ? 'True' : 'False';
  const c: PodCondition = { type, status, lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now) };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

export function computePodStatus(x: StatusInput): PodStatus {
  const { pod, now } = x;
  const prev = pod.status;
  const init = x.init.map((v) => containerStatus(v, 'PodInitializing'));
  const initDone = init.every((s) => s.state?.terminated?.exitCode === 0);
  const app = x.app.map((v) => containerStatus(v, initDone ? 'ContainerCreating' : 'PodInitializing'));
  const phase = podPhase(pod, init, app, x.initFailed);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const notReady = app.filter((s) => !s.ready).map((s) => s.name);
  const incomplete = init.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name);
  const containersReady = !terminal && notReady.length === 0;
  const gates = (pod.spec?.readinessGates ?? []).every((g) => prev?.conditions?.find((c) => c.type === g.conditionType)?.status === 'True');
  const cReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const cMessage = terminal ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
  const conditions: PodCondition[] = [
    condition('Initialized', initDone || terminal, now, prev?.conditions, terminal ? 'PodCompleted' : 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`),
    condition('Ready', containersReady && gates, now, prev?.conditions, cReason, gates ? cMessage : 'the status of pod readiness gates is not "True"'),
    condition('ContainersReady', containersReady, now, prev?.conditions, cReason, cMessage),
  ];
  // Conditions the agent does not own (PodScheduled, readiness gates) stay as the control plane wrote them.
  const own = new Set(conditions.map((c) => c.type));
  for (const c of prev?.conditions ?? []) if (!own.has(c.type)) conditions.push(c);
  if (!conditions.some((c) => c.type === 'PodScheduled')) conditions.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: rfc3339(now) });
  const status: PodStatus = {
    ...(prev?.qosClass ? { qosClass: prev.qosClass } : {}),
    phase,
    conditions,
    hostIP: x.hostIP,
    hostIPs: [{ ip: x.hostIP }],
    startTime: prev?.startTime ?? rfc3339(x.startTime),
    ...(x.podIPs.length ? { podIP: x.podIPs[0], podIPs: x.podIPs.map((ip) => ({ ip })) } : {}),
    containerStatuses: app,
  };
  if (init.length) status.initContainerStatuses = init;
  return status;
}

/** True when two statuses say the same thing (key order and absent-vs-empty ignored). */
export function sameStatus(a: PodStatus | undefined, b: PodStatus): boolean {
  return canonical(a ?? {}) === canonical(b);
}

function canonical(v: unknown): string {
  return JSON.stringify(normalize(v));
}

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined || x === null || (typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 0)) continue;
      out[k] = normalize(x);
    }
    return out;
  }
  return v;
}
