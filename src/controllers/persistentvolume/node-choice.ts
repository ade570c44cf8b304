/**
 * Where an Immediate claim of orch's local-path classes gets its volume: nobody waits for
 * a pod to say, so the controller picks a Ready node that takes new pods, the one holding
 * the fewest local-path volumes (ties by name, so the choice is stable).
 */
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { ANN_PROVISIONED_BY, ANN_SELECTED_NODE, LOCAL_PATH_PROVISIONER, volumeHostnames } from '../../machinery/persistent-volumes.js';

/** Ready, not cordoned, and not tainted against new pods (a volume there could not be used). */
export function canHostVolumes(node: Node): boolean {
  if (node.spec?.unschedulable) return false;
  if ((node.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) return false;
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * `claims` are counted when a node was chosen for them and their volume is not made yet,
 * so a burst of claims spreads out before any volume exists.
 */
export function pickNode(nodes: readonly Node[], volumes: readonly PersistentVolume[], claims: readonly PersistentVolumeClaim[]): string | undefined {
  const load = new Map<string, number>();
  for (const n of nodes) if (canHostVolumes(n)) load.set(n.metadata?.name ?? '', 0);
  if (load.size === 0) return undefined;
  const count = (name: string | undefined) => {
    if (name !== undefined && load.has(name)) load.set(name, load.get(name)! + 1);
  };
  for (const pv of volumes) if (pv.metadata?.annotations?.[ANN_PROVISIONED_BY] === LOCAL_PATH_PROVISIONER) for (const h of volumeHostnames(pv) ?? []) count(h);
  for (const c of claims) if (!c.spec?.volumeName) count(c.metadata?.annotations?.[ANN_SELECTED_NODE]);
  let best: string | undefined;
  for (const [name, n] of load) if (best === undefined || n < load.get(best)! || (n === load.get(best)! && name < best)) best = name;
  return best;
}
