/**
 * The FailedScheduling message, worded as kube-scheduler's FitError so people (and tools
 * grepping events) read the same text: reasons are counted over nodes, printed as
 * "<count> <reason>" and sorted as strings (Go's sort.Strings, so "10 ..." sorts before
 * "2 ..."). orch has no preemption, so the preemption clause says it cannot help on any node.
 */
import type { Status } from './status.js';

export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

export function fitErrorMessage(numAllNodes: number, statuses: Iterable<Status>, preFilterMessage?: string): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (preFilterMessage) {
    // A PreFilter rejection applies to every node; counting it per node would repeat it.
    msg += ` ${preFilterMessage}.`;
  } else {
    const counts = new Map<string, number>();
    for (const s of statuses) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const parts = [...counts].map(([reason, n]) => `${n} ${reason}`).sort(byteOrder);
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  return `${msg} preemption: 0/${numAllNodes} nodes are available: ${numAllNodes} Preemption is not helpful for scheduling.`;
}

const byteOrder = (a: string, b: string): number => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
};
