import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim, Volume } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, LOCAL_PATH_PROVISIONER } from '../../../machinery/persistent-volumes.js';
import { pv, pvc, storageClass } from '../../../machinery/persistent-volumes-testing.js';
import { CycleState, type Lister } from '../../framework/types.js';
import { nodeInfo, podInfo } from '../../testing.js';
import { BIND_CONFLICT, NODE_CONFLICT, UNBOUND_IMMEDIATE } from './pod-volumes.js';
import { create } from './volume-binding.js';

function lister<T extends { metadata?: { name?: string; namespace?: string } }>(items: T[]): Lister<T> {
  const key = (o: T) => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? ''));
  return { get: (k) => items.find((o) => key(o) === k), list: () => items };
}

const wffc = storageClass('local-path', LOCAL_PATH_PROVISIONER, 'WaitForFirstConsumer');
const wffcStatic = storageClass('manual', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer');
const immediate = storageClass('default', LOCAL_PATH_PROVISIONER);
const bound = { [ANN_BIND_COMPLETED]: 'yes' };
const claimVolume = (claimName: string): Volume => ({ name: 'data', persistentVolumeClaim: { claimName } });

function setup(claims: PersistentVolumeClaim[], volumes: PersistentVolume[] = [], classes: StorageClass[] = [wffc, wffcStatic, immediate]) {
  const writes: string[] = [];
  const plugin = create(
    { claims: lister(claims), volumes: lister(volumes), classes: lister(classes) },
    {
      updateVolume: async (v) => writes.push(`pv ${v.metadata?.name} -> ${v.spec?.claimRef?.name} ${v.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]}`),
      updateClaim: async (c) => writes.push(`pvc ${c.metadata?.name} -> ${c.metadata?.annotations?.[ANN_SELECTED_NODE]}`),
    },
    { bindTimeoutMs: 300 },
  );
  return { plugin, writes };
}

/** PreFilter then Filter on each node: the verdict per node, or the PreFilter rejection. */
function run(claims: PersistentVolumeClaim[], volumes: PersistentVolume[], nodes: string[], podVolumes: Volume[] = [claimVolume('c')]) {
  const { plugin, writes } = setup(claims, volumes);
  const pod = podInfo({ name: 'p', spec: { volumes: podVolumes } });
  const state = new CycleState();
  const pre = plugin.preFilter(pod, state);
  if (pre.code !== 'Success') return { pre: `${pre.code}: ${pre.reasons.join(', ')}`, plugin, pod, state, writes };
  const perNode = nodes.map((n) => {
    const s = plugin.filter(pod, nodeInfo({ name: n, labels: { 'kubernetes.io/hostname': n } }), state);
    return s.code === 'Success' ? `${n} ok` : `${n} ${s.reasons.join(', ')}`;
  });
  return { pre: 'Success', perNode, plugin, pod, state, writes };
}

describe('VolumeBinding PreFilter', () => {
  it('passes pods with no claims without reading anything', () => {
    const { plugin } = setup([]);
    assert.equal(plugin.preFilter(podInfo({ spec: { volumes: [{ name: 'e', emptyDir: {} }] } }), new CycleState()).code, 'Success');
  });
  const cases: { name: string; claims: PersistentVolumeClaim[]; volumes?: PersistentVolume[]; want: string }[] = [
    { name: 'missing claim', claims: [], want: 'UnschedulableAndUnresolvable: persistentvolumeclaim "c" not found' },
    { name: 'claim being deleted', claims: [pvc({ name: 'c', deleting: true })], want: 'UnschedulableAndUnresolvable: persistentvolumeclaim "c" is being deleted' },
    { name: 'unbound Immediate claim', claims: [pvc({ name: 'c', className: 'default' })], want: `UnschedulableAndUnresolvable: ${UNBOUND_IMMEDIATE}` },
    { name: 'unbound claim of no class', claims: [pvc({ name: 'c', className: '' })], want: `UnschedulableAndUnresolvable: ${UNBOUND_IMMEDIATE}` },
    { name: 'claim bound to a missing volume', claims: [pvc({ name: 'c', volumeName: 'gone', annotations: bound })], want: 'UnschedulableAndUnresolvable: persistentvolume "gone" not found' },
    { name: 'unbound WaitForFirstConsumer claim', claims: [pvc({ name: 'c', className: 'local-path' })], want: 'Success' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(run(c.claims, c.volumes ?? [], []).pre, c.want));
});

describe('VolumeBinding Filter', () => {
  it("a bound volume's node affinity decides", () => {
    const r = run([pvc({ name: 'c', volumeName: 'v', annotations: bound })], [pv({ name: 'v', node: 'n2', claimRef: 'default/c/uid-c' })], ['n1', 'n2']);
    assert.deepEqual(r.perNode, [`n1 ${NODE_CONFLICT}`, 'n2 ok']);
  });

  it('a WaitForFirstConsumer claim of local-path fits any node (orch provisions there)', () => {
    const r = run([pvc({ name: 'c', className: 'local-path' })], [], ['n1', 'n2']);
    assert.deepEqual(r.perNode, ['n1 ok', 'n2 ok']);
  });

  it('a claim whose node is already chosen fits only that node', () => {
    const r = run([pvc({ name: 'c', className: 'local-path', annotations: { [ANN_SELECTED_NODE]: 'n2' } })], [], ['n1', 'n2']);
    assert.deepEqual(r.perNode, [`n1 ${BIND_CONFLICT}`, 'n2 ok']);
  });

  it('a class without provisioner fits only where a free static volume is', () => {
    const r = run([pvc({ name: 'c', className: 'manual' })], [pv({ name: 'local-n1', className: 'manual', node: 'n1' })], ['n1', 'n2']);
    assert.deepEqual(r.perNode, ['n1 ok', `n2 ${BIND_CONFLICT}`]);
  });

  it('two claims of one pod cannot take the same static volume', () => {
    const claims = [pvc({ name: 'a', className: 'manual' }), pvc({ name: 'b', className: 'manual' })];
    const one = run(claims, [pv({ name: 'only', className: 'manual', node: 'n1' })], ['n1'], [claimVolume('a'), { name: 'd2', persistentVolumeClaim: { claimName: 'b' } }]);
    assert.deepEqual(one.perNode, [`n1 ${BIND_CONFLICT}`]);
    const two = run(claims, [pv({ name: 'v1', className: 'manual', node: 'n1' }), pv({ name: 'v2', className: 'manual', node: 'n1' })], ['n1'], [claimVolume('a'), { name: 'd2', persistentVolumeClaim: { claimName: 'b' } }]);
    assert.deepEqual(two.perNode, ['n1 ok']);
  });
});

describe('VolumeBinding PreBind', () => {
  it('asks for provisioning on the chosen node, then times out while nothing binds', async () => {
    const r = run([pvc({ name: 'c', className: 'local-path' })], [], ['n1', 'n2']);
    const s = await r.plugin.preBind(r.pod, 'n2', r.state, new AbortController().signal);
    assert.deepEqual(r.writes, ['pvc c -> n2']);
    assert.equal(s.code, 'Error');
    assert.deepEqual(s.reasons, ['binding volumes: timed out waiting for the condition']);
  });

  it('reserves the chosen static volume for the claim', async () => {
    const r = run([pvc({ name: 'c', className: 'manual' })], [pv({ name: 'v1', className: 'manual', node: 'n1' })], ['n1']);
    await r.plugin.preBind(r.pod, 'n1', r.state, new AbortController().signal);
    assert.deepEqual(r.writes, ['pv v1 -> c yes']);
  });

  it('succeeds at once when every claim is bound, writing nothing', async () => {
    const r = run([pvc({ name: 'c', volumeName: 'v', annotations: bound })], [pv({ name: 'v', claimRef: 'default/c/uid-c' })], ['n1']);
    const s = await r.plugin.preBind(r.pod, 'n1', r.state, new AbortController().signal);
    assert.equal(s.code, 'Success');
    assert.deepEqual(r.writes, []);
  });
});
