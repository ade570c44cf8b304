/** Builders for unit tests: terse pods and nodes, and NodeInfos with pods on them. */
import type { Container, Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { NodeInfo } from './framework/node-info.js';
import { newPodInfo, type PodInfo } from './framework/pod-info.js';

export interface PodSpecShort {
  name?: string;
  namespace?: string;
  uid?: string;
  cpu?: string;
  memory?: string;
  /** Extra fields merged into spec. */
  spec?: Partial<Pod['spec']>;
  labels?: Record<string, string>;
  owner?: string;
  priority?: number;
  hostPorts?: (number | { port: number; ip?: string; protocol?: string })[];
  nodeName?: string;
}

let seq = 0;

export function makePod(p: PodSpecShort = {}): Pod {
  const name = p.name ?? `pod-${++seq}`;
  const requests: Record<string, string> = {};
  if (p.cpu) requests.cpu = p.cpu;
  if (p.memory) requests.memory = p.memory;
  const container: Container = { name: 'c', image: 'img' };
  if (p.cpu || p.memory) container.resources = { requests };
  if (p.hostPorts)
    container.ports = p.hostPorts.map((h) => (typeof h === 'number' ? { containerPort: h, hostPort: h } : { containerPort: h.port, hostPort: h.port, hostIP: h.ip, protocol: h.protocol }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: p.namespace ?? 'default',
      uid: p.uid ?? `uid-${name}`,
      labels: p.labels,
      ownerReferences: p.owner ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: p.owner, controller: true }] : undefined,
    },
    spec: { containers: [container], priority: p.priority, nodeName: p.nodeName, ...p.spec },
  };
}

export const podInfo = (p: PodSpecShort = {}): PodInfo => newPodInfo(makePod(p));

export interface NodeShort {
  name?: string;
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  /** Put in capacity only (no allocatable), to test the fallback. */
  capacityOnly?: boolean;
}

export function makeNode(n: NodeShort = {}): Node {
  const resources = { cpu: n.cpu ?? '4', memory: n.memory ?? '32Gi', pods: n.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name ?? `node-${++seq}`, labels: n.labels },
    spec: { taints: n.taints, unschedulable: n.unschedulable },
    status: { capacity: resources, allocatable: n.capacityOnly ? undefined : resources, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** A NodeInfo for `node` holding `pods`. */
export function nodeInfo(node: NodeShort | Node = {}, pods: (PodSpecShort | PodInfo)[] = []): NodeInfo {
  const n = 'metadata' in node ? (node as Node) : makeNode(node as NodeShort);
  const ni = new NodeInfo(n.metadata!.name!);
  ni.setNode(n);
  for (const p of pods) ni.addPod('key' in p ? (p as PodInfo) : podInfo(p as PodSpecShort));
  return ni;
}
