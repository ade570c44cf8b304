import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { nodePrinter } from './node.js';
import { ago, cellsOf, pick } from './testing.js';

const nodeInfo = {
  architecture: 'amd64',
  bootID: '',
  containerRuntimeVersion: 'containerd://1.6.20',
  kernelVersion: '6.1.0-18-amd64',
  kubeProxyVersion: '',
  kubeletVersion: 'v1.32.0-orch',
  machineID: '',
  operatingSystem: 'linux',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  systemUUID: '',
};

const node = (opts: { labels?: Record<string, string>; ready?: string; unschedulable?: boolean } = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'node-1', labels: opts.labels ?? {}, creationTimestamp: ago(12, 'd') },
  spec: opts.unschedulable ? { unschedulable: true } : {},
  status: {
    conditions: opts.ready ? [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: opts.ready }] : [],
    addresses: [
      { type: 'Hostname', address: 'node-1' },
      { type: 'InternalIP', address: '10.0.0.5' },
    ],
    nodeInfo,
  },
});

test('node row with wide columns', () => {
  assert.deepEqual(cellsOf(nodePrinter, node({ ready: 'True', labels: { 'node-role.kubernetes.io/control-plane': '' } })), {
    Name: 'node-1',
    Status: 'Ready',
    Roles: 'control-plane',
    Age: '12d',
    Version: 'v1.32.0-orch',
    'Internal-IP': '10.0.0.5',
    'External-IP': '<none>',
    'OS-Image': 'Debian GNU/Linux 12 (bookworm)',
    'Kernel-Version': '6.1.0-18-amd64',
    'Container-Runtime': 'containerd://1.6.20',
  });
});

test('node STATUS and ROLES', () => {
  const cases: [name: string, n: Node, want: Record<string, unknown>][] = [
    ['ready', node({ ready: 'True' }), { Status: 'Ready', Roles: '<none>' }],
    ['not ready', node({ ready: 'False' }), { Status: 'NotReady' }],
    ['stopped reporting', node({ ready: 'Unknown' }), { Status: 'NotReady' }],
    ['never reported', node(), { Status: 'Unknown' }],
    ['cordoned', node({ ready: 'True', unschedulable: true }), { Status: 'Ready,SchedulingDisabled' }],
    ['cordoned and down', node({ ready: 'False', unschedulable: true }), { Status: 'NotReady,SchedulingDisabled' }],
    [
      'several roles, sorted and de-duplicated, legacy label included',
      node({
        labels: {
          'node-role.kubernetes.io/worker': '',
          'node-role.kubernetes.io/control-plane': 'true',
          'kubernetes.io/role': 'worker',
          'node-role.kubernetes.io/': '',
          'kubernetes.io/hostname': 'node-1',
        },
      }),
      { Roles: 'control-plane,worker' },
    ],
  ];
  for (const [name, n, want] of cases) assert.deepEqual(pick(nodePrinter, n, Object.keys(want)), want, name);
});

test('node without system info shows <unknown>', () => {
  const n: Node = { metadata: { name: 'bare' } };
  assert.deepEqual(cellsOf(nodePrinter, n), {
    Name: 'bare',
    Status: 'Unknown',
    Roles: '<none>',
    Age: '<unknown>',
    Version: '',
    'Internal-IP': '<none>',
    'External-IP': '<none>',
    'OS-Image': '<unknown>',
    'Kernel-Version': '<unknown>',
    'Container-Runtime': '<unknown>',
  });
});
