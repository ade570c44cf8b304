/**
 * Is a node alive? The agent proves it by renewing its Lease and, rarely, by posting its
 * Ready condition. Like Kubernetes, the controller does not compare those timestamps with
 * its own clock (the clocks may differ): it records *when it saw them change*, and a node
 * whose evidence has not changed for the grace period is declared Unknown.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import { condition } from './taints.js';

export interface NodeHealth {
  /** When (controller clock, ms) the node last showed a sign of life. */
  probeAt: number;
  readyHeartbeat?: string;
  leaseRenew?: string;
}

/** Updates what we know of a node from its current Node and Lease. */
export function observeHealth(prev: NodeHealth | undefined, node: Node, lease: Lease | undefined, now: number): NodeHealth {
  const beat = condition(node, 'Ready')?.lastHeartbeatTime;
  const renew = lease?.spec?.renewTime ?? undefined;
  let probeAt: number;
  if (!prev) {
    // First sight (or a controller restart): a node that never posted status is judged
    // from its creation, any other gets a full grace period from now.
    const created = Date.parse(node.metadata?.creationTimestamp ?? '');
    probeAt = beat || renew || Number.isNaN(created) ? now : Math.min(created, now);
  } else {
    probeAt = prev.probeAt;
    if (beat !== prev.readyHeartbeat) probeAt = now;
  }
  if (renew && renew !== prev?.leaseRenew && (!prev?.leaseRenew || Date.parse(renew) > Date.parse(prev.leaseRenew))) probeAt = now;
  return { probeAt, readyHeartbeat: beat, leaseRenew: renew };
}

const STALE_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/**
 * The node's conditions once it has been silent past the grace period: Ready and the
 * pressure conditions become Unknown (NetworkUnavailable is the control plane's and is
 * left alone). Undefined when the node is not stale or its conditions already say so.
 */
export function staleConditions(node: Node, health: NodeHealth, graceMs: number, now: number, rfcNow: string): NodeCondition[] | undefined {
  if (now <= health.probeAt + graceMs) return undefined;
  const conds = (node.status?.conditions ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const type of STALE_TYPES) {
    const c = conds.find((x) => x.type === type);
    if (!c) {
      conds.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp,
        lastTransitionTime: rfcNow,
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: rfcNow });
      changed = true;
    }
  }
  return changed ? conds : undefined;
}
