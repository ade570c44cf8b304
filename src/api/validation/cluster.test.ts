import { test } from 'node:test';
import { meta, runCreateCases, runUpdateCases } from './test-fixtures.js';

const namespace = (): any => ({ apiVersion: 'v1', kind: 'Namespace', metadata: meta('team-a', false) });
const node = (): any => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: meta('node-1', false),
  spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] },
  status: { capacity: { cpu: '2', memory: '4Gi', pods: '110' } },
});
const event = (): any => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: meta('web.17a1b2c3'),
  involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
  reason: 'Scheduled',
  message: 'Successfully assigned default/web to node-1',
  type: 'Normal',
});
const lease = (): any => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: meta('node-1'),
  spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 },
});

test('namespace rules', () => {
  runCreateCases('Namespace', namespace, [
    { name: 'valid', mutate: () => {}, want: [] },
    { name: 'dots are not allowed', mutate: (n) => (n.metadata.name = 'team.a'), want: ['metadata.name: Invalid value: "team.a": must not contain dots'] },
    {
      name: 'spec finalizers',
      mutate: (n) => (n.spec = { finalizers: ['kubernetes', 'custom'] }),
      want: ['spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified'],
    },
  ]);
  runUpdateCases(
    'Namespace',
    namespace,
    [
      { name: 'active', change: () => {}, want: [] },
      {
        name: 'terminating without deletion',
        change: (n) => (n.status.phase = 'Terminating'),
        want: ["status.phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty"],
      },
    ],
    true,
  );
});

test('node rules', () => {
  runCreateCases('Node', node, [
    { name: 'valid', mutate: () => {}, want: [] },
    {
      name: 'taints',
      mutate: (n) =>
        (n.spec.taints = [
          { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
          { key: 'dedicated', value: 'cpu', effect: 'NoSchedule' },
          { key: 'x', effect: 'Sometimes' },
        ]),
      want: [
        'spec.taints[1]: Duplicate value: {"key":"dedicated","value":"cpu","effect":"NoSchedule"}',
        'spec.taints[2].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      ],
    },
    {
      name: 'bad pod CIDR',
      mutate: (n) => (n.spec = { podCIDRs: ['10.244.1.0/33'] }),
      want: ['spec.podCIDRs[0]: Invalid value: "10.244.1.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    },
  ]);
  runUpdateCases('Node', node, [
    { name: 'cordon', change: (n) => (n.spec.unschedulable = true), want: [] },
    {
      name: 'moving the pod CIDR',
      change: (n) => {
        n.spec.podCIDR = '10.244.2.0/24';
        n.spec.podCIDRs = ['10.244.2.0/24'];
      },
      want: ['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid'],
    },
  ]);
  runUpdateCases(
    'Node',
    node,
    [
      {
        name: 'bad capacity',
        change: (n) => (n.status.capacity.cpu = 'two'),
        want: ["status.capacity[cpu]: Invalid value: \"two\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
      },
    ],
    true,
  );
});

test('event rules', () => {
  runCreateCases('Event', event, [
    { name: 'valid', mutate: () => {}, want: [] },
    {
      name: 'event in another namespace than its object',
      mutate: (e) => (e.involvedObject.namespace = 'kube-system'),
      want: ['involvedObject.namespace: Invalid value: "kube-system": does not match event.namespace'],
    },
    { name: 'node events live in default', mutate: (e) => (e.involvedObject = { kind: 'Node', name: 'node-1' }), want: [] },
    {
      name: 'new-style events need an action',
      mutate: (e) => Object.assign(e, { reportingComponent: 'orch.dev/scheduler', reportingInstance: 'orch-1' }),
      want: ['action: Required value'],
    },
  ]);
});

test('lease rules', () => {
  runCreateCases('Lease', lease, [
    { name: 'valid', mutate: () => {}, want: [] },
    { name: 'zero duration', mutate: (l) => (l.spec.leaseDurationSeconds = 0), want: ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'] },
    { name: 'negative transitions', mutate: (l) => (l.spec.leaseTransitions = -1), want: ['spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0'] },
  ]);
});
