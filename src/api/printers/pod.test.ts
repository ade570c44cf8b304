import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { podPrinter } from './pod.js';
import { ago, cellsOf, pick } from './testing.js';

function pod(status: Pod['status'], extra: { spec?: Partial<NonNullable<Pod['spec']>>; deleting?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      namespace: 'default',
      creationTimestamp: ago(2, 'h'),
      ...(extra.deleting ? { deletionTimestamp: ago(10) } : {}),
    },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], ...extra.spec },
    status,
  };
}

const running = (name = 'web', restartCount = 0): ContainerStatus => ({
  name,
  image: 'nginx:1.27',
  imageID: '',
  ready: true,
  restartCount,
  started: true,
  state: { running: { startedAt: ago(1, 'h') } },
});

const waiting = (reason: string, name = 'web'): ContainerStatus => ({
  name,
  image: 'nginx:1.27',
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { waiting: { reason } },
});

const terminated = (exitCode: number, reason?: string, name = 'web', signal?: number): ContainerStatus => ({
  name,
  image: 'nginx:1.27',
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode, ...(reason ? { reason } : {}), ...(signal ? { signal } : {}) } },
});

const ready = { type: 'Ready', status: 'True' };
const notReady = { type: 'Ready', status: 'False' };

const cases: [name: string, p: Pod, want: Record<string, unknown>][] = [
  ['pending, not yet scheduled', pod({ phase: 'Pending' }), { Ready: '0/1', Status: 'Pending', Restarts: '0' }],
  [
    'container image being pulled',
    pod({ phase: 'Pending', containerStatuses: [waiting('ContainerCreating')] }),
    { Ready: '0/1', Status: 'ContainerCreating', Restarts: '0' },
  ],
  [
    'running and ready',
    pod({ phase: 'Running', conditions: [ready], containerStatuses: [running()] }),
    { Ready: '1/1', Status: 'Running', Restarts: '0' },
  ],
  [
    'CrashLoopBackOff after 3 restarts, last one 5 minutes ago',
    pod({
      phase: 'Running',
      conditions: [notReady],
      containerStatuses: [
        {
          ...waiting('CrashLoopBackOff'),
          restartCount: 3,
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5, 'm') } },
        },
      ],
    }),
    { Ready: '0/1', Status: 'CrashLoopBackOff', Restarts: '3 (5m ago)' },
  ],
  [
    'restarts without a recorded termination time',
    pod({ phase: 'Running', containerStatuses: [running('web', 2)] }),
    { Restarts: '2' },
  ],
  [
    'two containers, the first one waiting wins',
    pod(
      { phase: 'Running', containerStatuses: [waiting('ImagePullBackOff', 'web'), running('sidecar')] },
      { spec: { containers: [{ name: 'web' }, { name: 'sidecar' }] } },
    ),
    { Ready: '1/2', Status: 'ImagePullBackOff' },
  ],
  [
    'succeeded',
    pod({ phase: 'Succeeded', containerStatuses: [terminated(0, 'Completed')] }),
    { Ready: '0/1', Status: 'Completed' },
  ],
  ['failed', pod({ phase: 'Failed', containerStatuses: [terminated(1, 'Error')] }), { Status: 'Error' }],
  ['exit code without a reason', pod({ phase: 'Failed', containerStatuses: [terminated(2)] }), { Status: 'ExitCode:2' }],
  [
    'killed by a signal',
    pod({ phase: 'Failed', containerStatuses: [terminated(137, undefined, 'web', 9)] }),
    { Status: 'Signal:9' },
  ],
  [
    'one container completed while another still runs and the pod is not ready',
    pod(
      { phase: 'Running', conditions: [notReady], containerStatuses: [terminated(0, 'Completed', 'job'), running('web')] },
      { spec: { containers: [{ name: 'job' }, { name: 'web' }] } },
    ),
    { Ready: '1/2', Status: 'NotReady' },
  ],
  [
    'one container completed while another still runs and the pod is ready',
    pod(
      { phase: 'Running', conditions: [ready], containerStatuses: [terminated(0, 'Completed', 'job'), running('web')] },
      { spec: { containers: [{ name: 'job' }, { name: 'web' }] } },
    ),
    { Status: 'Running' },
  ],
  [
    'evicted: the pod reason replaces the phase',
    pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }),
    { Status: 'Evicted' },
  ],
  [
    'scheduling gated',
    pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
    { Status: 'SchedulingGated' },
  ],
  [
    'first init container still running',
    pod(
      {
        phase: 'Pending',
        initContainerStatuses: [{ ...running('init'), ready: false }],
        containerStatuses: [waiting('PodInitializing')],
      },
      { spec: { initContainers: [{ name: 'init' }] } },
    ),
    { Ready: '0/1', Status: 'Init:0/1' },
  ],
  [
    'second init container waiting on PodInitializing counts as in progress',
    pod(
      { phase: 'Pending', initContainerStatuses: [terminated(0, 'Completed', 'a'), waiting('PodInitializing', 'b')] },
      { spec: { initContainers: [{ name: 'a' }, { name: 'b' }] } },
    ),
    { Status: 'Init:1/2' },
  ],
  [
    'init container crash-looping',
    pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          {
            ...waiting('CrashLoopBackOff', 'init'),
            restartCount: 4,
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(30) } },
          },
        ],
      },
      { spec: { initContainers: [{ name: 'init' }] } },
    ),
    { Status: 'Init:CrashLoopBackOff', Restarts: '4 (30s ago)' },
  ],
  [
    'init container failed',
    pod(
      { phase: 'Pending', initContainerStatuses: [terminated(1, 'Error', 'init')] },
      { spec: { initContainers: [{ name: 'init' }] } },
    ),
    { Status: 'Init:Error' },
  ],
  [
    'init container failed without a reason',
    pod(
      { phase: 'Pending', initContainerStatuses: [terminated(3, undefined, 'init')] },
      { spec: { initContainers: [{ name: 'init' }] } },
    ),
    { Status: 'Init:ExitCode:3' },
  ],
  [
    'sidecar init container counts towards READY',
    pod(
      {
        phase: 'Running',
        conditions: [ready, { type: 'Initialized', status: 'True' }],
        initContainerStatuses: [running('proxy', 1)],
        containerStatuses: [running('web')],
      },
      { spec: { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] } },
    ),
    { Ready: '2/2', Status: 'Running', Restarts: '1' },
  ],
  [
    'finished init containers do not count restarts once initialised',
    pod(
      {
        phase: 'Running',
        conditions: [ready, { type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ ...terminated(0, 'Completed', 'init'), restartCount: 2 }],
        containerStatuses: [running('web')],
      },
      { spec: { initContainers: [{ name: 'init' }] } },
    ),
    { Ready: '1/1', Status: 'Running', Restarts: '0' },
  ],
  [
    'terminating while running',
    pod({ phase: 'Running', conditions: [ready], containerStatuses: [running()] }, { deleting: true }),
    { Ready: '1/1', Status: 'Terminating' },
  ],
  [
    'deleting a finished pod keeps its final status',
    pod({ phase: 'Succeeded', containerStatuses: [terminated(0, 'Completed')] }, { deleting: true }),
    { Status: 'Completed' },
  ],
  [
    'deleting a pod on a lost node',
    pod({ phase: 'Running', reason: 'NodeLost', containerStatuses: [running()] }, { deleting: true }),
    { Status: 'Unknown' },
  ],
];

test('pod READY, STATUS and RESTARTS', () => {
  for (const [name, p, want] of cases) {
    assert.deepEqual(pick(podPrinter, p, Object.keys(want)), want, name);
  }
});

test('pod row has kubectl columns, wide ones included', () => {
  const p = pod(
    {
      phase: 'Running',
      podIP: '10.244.0.7',
      podIPs: [{ ip: '10.244.0.7' }],
      conditions: [ready, { type: 'example.com/lb-ready', status: 'True' }],
      containerStatuses: [running()],
    },
    {
      spec: {
        nodeName: 'node-1',
        readinessGates: [{ conditionType: 'example.com/lb-ready' }, { conditionType: 'example.com/other' }],
      },
    },
  );
  assert.deepEqual(cellsOf(podPrinter, p), {
    Name: 'web-1',
    Ready: '1/1',
    Status: 'Running',
    Restarts: '0',
    Age: '120m', // kubectl counts minutes up to three hours
    IP: '10.244.0.7',
    Node: 'node-1',
    'Nominated Node': '<none>',
    'Readiness Gates': '1/2',
  });
  assert.deepEqual(
    podPrinter.columns.map((c) => [c.name, c.priority]),
    [
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ],
  );
});

test('unscheduled pod shows <none> for IP, node and gates; podIP alone is enough', () => {
  const p = pod({ phase: 'Pending' });
  assert.deepEqual(pick(podPrinter, p, ['IP', 'Node', 'Nominated Node', 'Readiness Gates']), {
    IP: '<none>',
    Node: '<none>',
    'Nominated Node': '<none>',
    'Readiness Gates': '<none>',
  });
  assert.equal(cellsOf(podPrinter, pod({ phase: 'Running', podIP: '10.244.1.3' })).IP, '10.244.1.3');
});

test('finished pods carry a Completed row condition', () => {
  const cases: [phase: string, reason: string | undefined][] = [
    ['Succeeded', 'Succeeded'],
    ['Failed', 'Failed'],
    ['Running', undefined],
  ];
  for (const [phase, reason] of cases) {
    const conditions = podPrinter.conditions(pod({ phase }));
    assert.equal(conditions?.[0]?.reason, reason, phase);
    if (reason) assert.equal(conditions?.[0]?.type, 'Completed');
  }
});
