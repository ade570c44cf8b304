/**
 * What the scheduler knows about one node: the Node object, its allocatable resources, and
 * the running totals of the pods on it (bound or assumed), kept current incrementally so a
 * filter is a handful of comparisons rather than a walk over the node's pods.
 */
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { addInto, emptyResources, nodeAllocatable, type Allocatable, type Resources } from './resources.js';
import { HostPortSet } from './host-ports.js';
import type { PodInfo } from './pod-info.js';

export class NodeInfo {
  /** Undefined while pods are known on a node the cache has not seen (or has seen deleted). */
  node: Node | undefined;
  allocatable: Allocatable = { ...emptyResources(), pods: 0 };
  labels: Readonly<Record<string, string>> = {};
  taints: readonly Taint[] = [];
  readonly requested: Resources = emptyResources();
  readonly nonZeroRequested: Resources = emptyResources();
  readonly pods = new Map<string, PodInfo>();
  readonly usedPorts = new HostPortSet();
  /** Non-terminating pods per controller owner UID (SelectorSpread). */
  readonly ownerCounts = new Map<string, number>();
  /** Position in the cache's node list, for O(1) removal. */
  index = -1;

  constructor(readonly name: string) {}

  setNode(node: Node | undefined): void {
    this.node = node;
    this.allocatable = node ? nodeAllocatable(node) : { ...emptyResources(), pods: 0 };
    this.labels = node?.metadata?.labels ?? {};
    this.taints = node?.spec?.taints ?? [];
  }

  get podCount(): number {
    return this.pods.size;
  }

  addPod(pi: PodInfo): void {
    this.removePod(pi.key);
    this.pods.set(pi.key, pi);
    addInto(this.requested, pi.requests);
    addInto(this.nonZeroRequested, pi.nonZeroRequests);
    for (const p of pi.hostPorts) this.usedPorts.add(p);
    if (pi.controllerUid && !pi.terminating) this.ownerCounts.set(pi.controllerUid, (this.ownerCounts.get(pi.controllerUid) ?? 0) + 1);
  }

  /** Removes the pod with this key; false if it was not here. */
  removePod(key: string): boolean {
    const pi = this.pods.get(key);
    if (!pi) return false;
    this.pods.delete(key);
    addInto(this.requested, pi.requests, -1);
    addInto(this.nonZeroRequested, pi.nonZeroRequests, -1);
    for (const p of pi.hostPorts) this.usedPorts.remove(p);
    if (pi.controllerUid && !pi.terminating) {
      const n = (this.ownerCounts.get(pi.controllerUid) ?? 1) - 1;
      if (n <= 0) this.ownerCounts.delete(pi.controllerUid);
      else this.ownerCounts.set(pi.controllerUid, n);
    }
    return true;
  }
}
