/**
 * The scheduler's view of the cluster: a NodeInfo per node with the pods on it, fed by the
 * node and pod informers — plus "assumed" pods: a pod the scheduler has chosen a node for
 * is counted on that node at once, before its binding reaches the API server, so the next
 * pod (scheduled while the first binding is still in flight) cannot take the same last
 * slot. The informer's update confirms an assumed pod; a failed binding forgets it.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { NodeInfo } from '../framework/node-info.js';
import { newPodInfo, podKey, type PodInfo } from '../framework/pod-info.js';

interface PodState {
  info: PodInfo;
  node: string;
  /** Chosen by this scheduler but not yet seen bound through the informer. */
  assumed: boolean;
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  /** Nodes with a Node object, in the order the framework scans them. */
  private readonly list: NodeInfo[] = [];
  private readonly pods = new Map<string, PodState>();

  /** Every known node, for the framework's round-robin scan. Do not modify. */
  get nodeList(): readonly NodeInfo[] {
    return this.list;
  }

  get nodeCount(): number {
    return this.list.length;
  }

  getNode(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  /** Adds or replaces a node (informer add and update alike). */
  setNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const ni = this.nodeInfo(name);
    if (!ni.node) {
      ni.index = this.list.length;
      this.list.push(ni);
    }
    ni.setNode(node);
  }

  removeNode(name: string): void {
    const ni = this.nodes.get(name);
    if (!ni?.node) return;
    // Swap-remove: order only decides where scans start, so O(1) beats keeping it.
    const last = this.list.pop()!;
    if (last !== ni) {
      this.list[ni.index] = last;
      last.index = ni.index;
    }
    ni.index = -1;
    ni.setNode(undefined);
    // Pods still bound to a deleted node keep their NodeInfo until they go too.
    if (ni.podCount === 0) this.nodes.delete(name);
  }

  /** An assigned pod as the informer sees it (add or update); confirms an assumed pod. */
  addOrUpdatePod(pod: Pod): void {
    const key = podKey(pod);
    const nodeName = pod.spec?.nodeName ?? '';
    const prev = this.pods.get(key);
    if (prev) this.nodes.get(prev.node)?.removePod(key);
    const info = newPodInfo(pod);
    this.nodeInfo(nodeName).addPod(info);
    this.pods.set(key, { info, node: nodeName, assumed: false });
    if (prev && prev.node !== nodeName) this.dropIfGhost(prev.node);
  }

  removePod(key: string): void {
    const st = this.pods.get(key);
    if (!st) return;
    this.pods.delete(key);
    this.nodes.get(st.node)?.removePod(key);
    this.dropIfGhost(st.node);
  }

  /** Counts the pod on the node before binding; false if the cache already holds it. */
  assumePod(info: PodInfo, nodeName: string): boolean {
    if (this.pods.has(info.key)) return false;
    this.nodeInfo(nodeName).addPod(info);
    this.pods.set(info.key, { info, node: nodeName, assumed: true });
    return true;
  }

  /**
   * Undoes assumePod after a failed binding. A pod the informer has meanwhile confirmed
   * stays, as does another pod (another UID) that has since taken the same name.
   */
  forgetPod(key: string, uid: string): void {
    const st = this.pods.get(key);
    if (st?.assumed && st.info.uid === uid) this.removePod(key);
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed ?? false;
  }

  /** Where the cache counts the pod (assumed or bound), if anywhere. */
  nodeOf(key: string): string | undefined {
    return this.pods.get(key)?.node;
  }

  private nodeInfo(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) this.nodes.set(name, (ni = new NodeInfo(name)));
    return ni;
  }

  private dropIfGhost(name: string): void {
    const ni = this.nodes.get(name);
    if (ni && !ni.node && ni.podCount === 0) this.nodes.delete(name);
  }
}
