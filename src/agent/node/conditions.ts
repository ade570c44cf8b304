/**
 * The node conditions a kubelet reports (Ready plus the three pressure conditions), with
 * the reasons and messages kubectl users know. A condition keeps its lastTransitionTime
 * while its status stays the same; only the heartbeat moves.
 */
import type { NodeCondition } from 'kubernetes-types/core/v1.js';
import { rfc3339 } from './time.js';

/** What the agent knows about its node's health right now. */
export interface NodeHealthReport {
  ready: boolean;
  /** Why the node is not ready (shown as the Ready condition's message). */
  notReadyMessage?: string;
  memoryPressure?: boolean;
  diskPressure?: boolean;
  pidPressure?: boolean;
}

/** The condition types an agent owns; others (NetworkUnavailable) belong to the control plane. */
export const AGENT_CONDITION_TYPES = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'] as const;

type Fresh = Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>;

/** [type, reason + message when True, reason + message when False] as the kubelet words them. */
const PRESSURE: [string, [string, string], [string, string]][] = [
  ['MemoryPressure', ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'], ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available']],
  ['DiskPressure', ['KubeletHasDiskPressure', 'kubelet has disk pressure'], ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure']],
  ['PIDPressure', ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'], ['KubeletHasSufficientPID', 'kubelet has sufficient PID available']],
];

function pressure(report: NodeHealthReport): Fresh[] {
  const on: Record<string, boolean | undefined> = { MemoryPressure: report.memoryPressure, DiskPressure: report.diskPressure, PIDPressure: report.pidPressure };
  return PRESSURE.map(([type, yes, no]) => {
    const [reason, message] = on[type] ? yes : no;
    return { type, status: on[type] ? 'True' : 'False', reason, message };
  });
}

/**
 * The agent-owned conditions for `report` at `now`. Conditions in `previous` with the same
 * status keep their lastTransitionTime; conditions of other types in `previous` are kept
 * as they are, so the agent never drops what the control plane wrote.
 */
export function kubeletConditions(report: NodeHealthReport, now: number, previous: readonly NodeCondition[] = []): NodeCondition[] {
  const ts = rfc3339(now);
  const fresh: Fresh[] = [
    ...pressure(report),
    report.ready
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: report.notReadyMessage ?? 'node is not ready' },
  ];
  const out: NodeCondition[] = fresh.map((c) => {
    const old = previous.find((p) => p.type === c.type);
    const transition = old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : ts;
    return { ...c, lastHeartbeatTime: ts, lastTransitionTime: transition };
  });
  for (const p of previous) if (!(AGENT_CONDITION_TYPES as readonly string[]).includes(p.type)) out.push(p);
  return out;
}

/** True when the stored conditions disagree with what the agent would report (ignoring times). */
export function conditionsDiffer(stored: readonly NodeCondition[] | undefined, wanted: readonly NodeCondition[]): boolean {
  for (const w of wanted) {
    const s = stored?.find((c) => c.type === w.type);
    if (!s || s.status !== w.status || s.reason !== w.reason || s.message !== w.message) return true;
  }
  return false;
}

/** When the Ready condition was last posted by the agent (ms), or 0 when never. */
export function readyHeartbeat(conditions: readonly NodeCondition[] | undefined): number {
  const c = conditions?.find((x) => x.type === 'Ready');
  const t = c?.lastHeartbeatTime ? Date.parse(c.lastHeartbeatTime) : NaN;
  return Number.isNaN(t) ? 0 : t;
}
