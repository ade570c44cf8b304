/**
 * NodeResourcesFit: the pod's requests must fit in what the node has left — allocatable
 * minus the requests of the pods already there (bound or assumed) — for cpu, memory,
 * ephemeral-storage and extended resources, and the node must have a pod slot left.
 * Every shortfall is reported, so the message can say "Insufficient cpu" and
 * "Insufficient memory" for the same node, as kube-scheduler does.
 */
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { SUCCESS, unschedulable, type Status } from '../../framework/status.js';
import type { FilterPlugin, PluginFactory } from '../../framework/types.js';

export const NAME = 'NodeResourcesFit';
export const TOO_MANY_PODS = 'Too many pods';
export const insufficient = (resource: string): string => `Insufficient ${resource}`;

// Reused so a full node does not allocate a Status per pod examined.
const common = new Map<string, Status>();
function rejected(reasons: readonly string[]): Status {
  const k = reasons.join('\n');
  let s = common.get(k);
  if (!s) common.set(k, (s = unschedulable(...reasons)));
  return s;
}

const NONE: readonly string[] = Object.freeze([]);

/** The shortfalls, in kube-scheduler's order; empty when the pod fits. */
export function fitReasons(pod: PodInfo, node: NodeInfo): readonly string[] {
  const a = node.allocatable;
  const used = node.requested;
  const req = pod.requests;
  // This runs for every node examined: decide with plain comparisons, build strings only on a shortfall.
  const pods = node.podCount + 1 > a.pods;
  const cpu = req.milliCpu > 0 && req.milliCpu > a.milliCpu - used.milliCpu;
  const memory = req.memory > 0 && req.memory > a.memory - used.memory;
  const storage = req.ephemeralStorage > 0 && req.ephemeralStorage > a.ephemeralStorage - used.ephemeralStorage;
  const scalar = req.scalar ? scalarShortfalls(req.scalar, a.scalar, used.scalar) : NONE;
  if (!pods && !cpu && !memory && !storage && scalar.length === 0) return NONE;
  const reasons: string[] = [];
  if (pods) reasons.push(TOO_MANY_PODS);
  if (cpu) reasons.push(insufficient('cpu'));
  if (memory) reasons.push(insufficient('memory'));
  if (storage) reasons.push(insufficient('ephemeral-storage'));
  for (const name of scalar) reasons.push(insufficient(name));
  return reasons;
}

function scalarShortfalls(want: Record<string, number>, have: Record<string, number> | undefined, used: Record<string, number> | undefined): readonly string[] {
  let short: string[] | undefined;
  for (const name of Object.keys(want)) {
    if (want[name] > 0 && want[name] > (have?.[name] ?? 0) - (used?.[name] ?? 0)) (short ??= []).push(name);
  }
  return short ?? NONE;
}

export const plugin = {
  name: NAME,
  filter(pod, node) {
    const reasons = fitReasons(pod, node);
    return reasons.length === 0 ? SUCCESS : rejected(reasons);
  },
} satisfies FilterPlugin;

export const factory: PluginFactory = () => plugin;
