/**
 * Building the Node object an agent registers: labels, capacity, addresses, system info
 * and conditions. The fake runtime and the containerd agent both describe their node
 * with a NodeDescription and let these helpers produce the API object and its status.
 */
import type { Node, NodeAddress, NodeStatus, NodeSystemInfo, Taint } from 'kubernetes-types/core/v1.js';
import { kubeletConditions, type NodeHealthReport } from './conditions.js';

export const KUBELET_VERSION = 'v1.32.0-orch';

export interface NodeDescription {
  name: string;
  /** Extra labels; the well-known hostname/os/arch labels are added by buildNode. */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  capacity: Record<string, string>;
  /** Defaults to capacity (nothing reserved for the system). */
  allocatable?: Record<string, string>;
  addresses: NodeAddress[];
  nodeInfo?: Partial<NodeSystemInfo>;
  /** Taints to register with (kubelet's --register-with-taints). */
  taints?: Taint[];
  providerID?: string;
  /** Port the agent serves logs/exec on (status.daemonEndpoints). */
  agentPort?: number;
  os?: string;
  arch?: string;
}

/** Labels every kubelet puts on its node. */
export function wellKnownLabels(d: NodeDescription): Record<string, string> {
  const os = d.os ?? 'linux';
  const arch = d.arch ?? nodeArch();
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': os,
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': d.name,
    'kubernetes.io/os': os,
    ...d.labels,
  };
}

function nodeArch(): string {
  const a = process.arch;
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

function systemInfo(d: NodeDescription): NodeSystemInfo {
  return {
    architecture: d.arch ?? nodeArch(),
    bootID: '',
    containerRuntimeVersion: '',
    kernelVersion: '',
    kubeProxyVersion: KUBELET_VERSION,
    kubeletVersion: KUBELET_VERSION,
    machineID: '',
    operatingSystem: d.os ?? 'linux',
    osImage: '',
    systemUUID: '',
    ...d.nodeInfo,
  };
}

/** The full status the agent reports, carrying transition times over from `previous`. */
export function nodeStatus(d: NodeDescription, report: NodeHealthReport, now: number, previous?: NodeStatus): NodeStatus {
  return {
    capacity: { ...d.capacity },
    allocatable: { ...(d.allocatable ?? d.capacity) },
    conditions: kubeletConditions(report, now, previous?.conditions),
    addresses: d.addresses.map((a) => ({ ...a })),
    daemonEndpoints: { kubeletEndpoint: { Port: d.agentPort ?? 10250 } },
    nodeInfo: systemInfo(d),
  };
}

/** The Node to create at registration. */
export function buildNode(d: NodeDescription, report: NodeHealthReport, now: number): Node {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: d.name, labels: wellKnownLabels(d) },
    spec: {},
    status: nodeStatus(d, report, now),
  };
  if (d.annotations) node.metadata!.annotations = { ...d.annotations };
  if (d.taints?.length) node.spec!.taints = d.taints.map((t) => ({ ...t }));
  if (d.providerID) node.spec!.providerID = d.providerID;
  return node;
}
