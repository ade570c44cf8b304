/**
 * Whether a pod still uses a claim, as kube-controller-manager's pvc-protection judges it:
 * a pod counts once it is on a node and until it has finished. An unscheduled pod does not
 * hold the claim: the scheduler will not place a pod whose claim is being deleted, and the
 * agent will not start one.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodTerminal, podClaims } from '../../machinery/persistent-volumes.js';

export function podUsesClaim(pod: Pod, namespace: string, claimName: string): boolean {
  if (pod.metadata?.namespace !== namespace || !pod.spec?.nodeName || isPodTerminal(pod)) return false;
  return podClaims(pod).some((c) => c.name === claimName);
}

/** `ns/claim` keys of the claims a pod mounts (the index the controller keeps). */
export const claimKeysOf = (pod: Pod): string[] => podClaims(pod).map((c) => `${pod.metadata?.namespace ?? ''}/${c.name}`);
