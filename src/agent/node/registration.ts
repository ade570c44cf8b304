/**
 * Registering a node with the API server, as the kubelet does: create it, or when a node
 * of that name exists (the agent restarted), adopt it — our labels win, the spec the
 * control plane wrote (podCIDR, taints, unschedulable) is kept, and status is replaced by
 * what the agent reports now.
 */
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/client.js';
import { ApiError } from '../../machinery/errors.js';

const MAX_CONFLICTS = 5;

/** Creates or adopts `node`; returns the stored object (with uid and resourceVersion). */
export async function registerNode(client: Client, node: Node): Promise<Node> {
  const nodes = client.resource<Node>('nodes');
  try {
    return await nodes.create(undefined, node);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  }
  const name = node.metadata!.name!;
  for (let attempt = 0; ; attempt++) {
    try {
      let existing = await nodes.get(undefined, name);
      const labels = { ...existing.metadata?.labels, ...node.metadata?.labels };
      if (!sameMap(labels, existing.metadata?.labels)) {
        existing = await nodes.update({ ...existing, metadata: { ...existing.metadata, labels } });
      }
      // Always posted: re-registration is also the agent's first heartbeat.
      const status = { ...node.status, conditions: carryTransitions(node.status?.conditions ?? [], existing.status?.conditions ?? []) };
      return await nodes.updateStatus({ ...existing, status });
    } catch (err) {
      if (err instanceof ApiError && err.code === 409 && attempt < MAX_CONFLICTS) continue;
      throw err;
    }
  }
}

/** Conditions whose status did not change keep the transition time already stored. */
function carryTransitions(wanted: NodeCondition[], stored: NodeCondition[]): NodeCondition[] {
  return wanted.map((c) => {
    const old = stored.find((s) => s.type === c.type);
    return old && old.status === c.status && old.lastTransitionTime ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
  });
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a![k] === b?.[k]);
}
