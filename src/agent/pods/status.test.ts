import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus as CriStatus } from '../cri/cri-types.js';
import { computePodStatus, sameStatus, type ContainerView } from './status.js';

const NS = 1_000_000n;
const cri = (id: string, state: CriStatus['state'], exit = 0, extra: Partial<CriStatus> = {}): CriStatus => ({
  id,
  metadata: { name: 'c', attempt: 0 },
  state,
  created_at: String(1_700_000_000_000n * NS),
  started_at: String(1_700_000_001_000n * NS),
  finished_at: state === 'CONTAINER_EXITED' ? String(1_700_000_002_000n * NS) : '0',
  exit_code: exit,
  image: null,
  image_ref: 'sha256:abc',
  reason: '',
  message: '',
  labels: {},
  annotations: {},
  mounts: [],
  log_path: '',
  resources: null,
  image_id: '',
  ...extra,
});

const view = (v: Partial<ContainerView>): ContainerView => ({ name: 'c', image: 'img', restartCount: 0, ready: false, started: false, ...v });
const pod = (restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always', status?: Pod['status']): Pod => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { restartPolicy, containers: [{ name: 'c' }] }, status });

const compute = (p: Pod, app: ContainerView[], init: ContainerView[] = [], now = 1_700_000_010_000) =>
  computePodStatus({ pod: p, init, app, podIPs: ['10.0.0.5'], hostIP: '192.0.2.1', startTime: 1_700_000_000_000, now, initFailed: false });

test('a running, ready container: phase Running, Ready conditions True, containerd container ID', () => {
  const s = compute(pod(), [view({ current: cri('abc', 'CONTAINER_RUNNING'), ready: true, started: true })]);
  assert.equal(s.phase, 'Running');
  assert.equal(s.podIP, '10.0.0.5');
  const cs = s.containerStatuses![0];
  assert.equal(cs.containerID, 'containerd://abc');
  assert.equal(cs.state?.running?.startedAt, '2023-11-14T22:13:21Z');
  assert.deepEqual(s.conditions!.map((c) => [c.type, c.status]), [['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True']]);
});

test('CrashLoopBackOff: waiting with the last termination; the pod still counts as Running under Always', () => {
  const s = compute(pod(), [view({ current: cri('b', 'CONTAINER_EXITED', 3), previous: cri('a', 'CONTAINER_EXITED', 3), restartCount: 4, waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } })]);
  const cs = s.containerStatuses![0];
  assert.equal(cs.state?.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(cs.lastState?.terminated?.exitCode, 3);
  assert.equal(cs.lastState?.terminated?.reason, 'Error');
  assert.equal(cs.restartCount, 4);
  assert.equal(s.phase, 'Running');
  const ready = s.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.status, 'False');
  assert.equal(ready.reason, 'ContainersNotReady');
  assert.equal(ready.message, 'containers with unready status: [c]');
});

test('phase of finished containers follows restartPolicy (kubelet getPhase)', () => {
  const ok = view({ current: cri('a', 'CONTAINER_EXITED', 0) });
  const bad = view({ current: cri('a', 'CONTAINER_EXITED', 1) });
  assert.equal(compute(pod('Never'), [ok]).phase, 'Succeeded');
  assert.equal(compute(pod('Never'), [bad]).phase, 'Failed');
  assert.equal(compute(pod('OnFailure'), [ok]).phase, 'Succeeded');
  assert.equal(compute(pod('Always'), [ok]).phase, 'Running');
  assert.equal(compute(pod('Never'), [ok]).containerStatuses![0].state?.terminated?.reason, 'Completed');
  assert.equal(compute(pod('Never'), [view({ current: cri('a', 'CONTAINER_EXITED', 137, { reason: 'OOMKilled' }) })]).containerStatuses![0].state?.terminated?.reason, 'OOMKilled');
  assert.equal(compute(pod(), [view({})]).phase, 'Pending');
  assert.equal(compute(pod(), [view({})]).containerStatuses![0].state?.waiting?.reason, 'ContainerCreating');
});

test('init containers: Pending with PodInitializing until each has completed', () => {
  const s = compute(pod(), [view({})], [view({ name: 'i1', current: cri('i', 'CONTAINER_RUNNING') })]);
  assert.equal(s.phase, 'Pending');
  assert.equal(s.containerStatuses![0].state?.waiting?.reason, 'PodInitializing');
  const init = s.conditions!.find((c) => c.type === 'Initialized')!;
  assert.equal(init.status, 'False');
  assert.equal(init.message, 'containers with incomplete status: [i1]');
});

test('transition times stay while a condition keeps its status, and an unchanged status compares equal', () => {
  const first = compute(pod(), [view({ current: cri('a', 'CONTAINER_RUNNING'), ready: true, started: true })], [], 1_700_000_010_000);
  const again = compute(pod('Always', first), [view({ current: cri('a', 'CONTAINER_RUNNING'), ready: true, started: true })], [], 1_700_000_099_000);
  assert.equal(again.conditions![1].lastTransitionTime, first.conditions![1].lastTransitionTime);
  assert.ok(sameStatus(first, again));
  const flipped = compute(pod('Always', first), [view({ current: cri('a', 'CONTAINER_RUNNING'), ready: false, started: true })], [], 1_700_000_099_000);
  assert.ok(!sameStatus(first, flipped));
  assert.equal(flipped.conditions![1].lastTransitionTime, '2023-11-14T22:14:59Z');
});
