/** Nodes: readiness, roles, kubelet version and, wide, addresses and system info. */
import type { Node } from 'kubernetes-types/core/v1.js';
import { age } from './age.js';
import { ageColumn, column, nameColumn, wide, type Printer } from './types.js';

const ROLE_PREFIX = 'node-role.kubernetes.io/';
// The older way to name a role: the label's value, not its key.
const LEGACY_ROLE_LABEL = 'kubernetes.io/role';

/** `Ready`, `NotReady` (Ready is False or Unknown), `Unknown` (never reported); `,SchedulingDisabled` when cordoned. */
export function nodeStatus(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** Roles from `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role=<role>`, sorted. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith(ROLE_PREFIX)) {
      const role = key.slice(ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === LEGACY_ROLE_LABEL && value) {
      roles.add(value);
    }
  }
  return [...roles].sort();
}

const address = (node: Node, type: string): string =>
  (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';

export const nodePrinter = {
  columns: [
    nameColumn,
    column('Status', 'Whether the node is Ready, and SchedulingDisabled when cordoned.'),
    column('Roles', 'Roles from node-role.kubernetes.io/<role> labels.'),
    ageColumn,
    column('Version', 'The kubelet (agent) version the node reports.'),
    wide('Internal-IP', 'The first InternalIP address of the node.'),
    wide('External-IP', 'The first ExternalIP address of the node.'),
    wide('OS-Image', 'The operating system image the node reports.'),
    wide('Kernel-Version', 'The kernel version the node reports.'),
    wide('Container-Runtime', 'The container runtime and its version.'),
  ],
  row(node, now) {
    const info = node.status?.nodeInfo;
    const roles = nodeRoles(node);
    return [
      node.metadata?.name ?? '',
      nodeStatus(node),
      roles.length > 0 ? roles.join(',') : '<none>',
      age(node, now),
      info?.kubeletVersion ?? '',
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
} satisfies Printer<Node>;
