import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, desiredGroups, podToEndpoint } from './desired.js';
import { planSlices, type SlicePlan } from './reconcile.js';

const svc: Service = {
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { team: 'a' } },
  spec: { selector: { app: 'web' }, clusterIP: '10.96.0.10', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};

function pod(i: number, o: { ready?: boolean; terminating?: boolean; named?: number } = {}): Pod {
  return {
    metadata: { name: `p${i}`, namespace: 'ns', uid: `uid-${String(i).padStart(3, '0')}`, labels: { app: 'web' }, ...(o.terminating ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Running', podIP: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}
const pods = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => pod(from + k));

/** Applies a plan the way the API server would, giving created slices names. */
function apply(existing: EndpointSlice[], plan: SlicePlan): EndpointSlice[] {
  let n = existing.length;
  const byName = new Map(existing.map((s) => [s.metadata!.name!, s]));
  for (const s of plan.delete) byName.delete(s.metadata!.name!);
  for (const s of plan.update) byName.set(s.metadata!.name!, s);
  for (const s of plan.create) {
    const name = `web-${++n}`;
    byName.set(name, { ...structuredClone(s), metadata: { ...s.metadata, name, uid: `slice-${name}` } });
  }
  return [...byName.values()];
}

const plan = (ps: Pod[], existing: EndpointSlice[], max = 3, s = svc) => planSlices(s, desiredGroups(s, ps), existing, max);
const counts = (p: SlicePlan) => [p.create.length, p.update.length, p.delete.length];
const sizes = (slices: EndpointSlice[]) => slices.map((s) => s.endpoints.length).sort();

describe('planSlices', () => {
  it('creates slices of at most max endpoints, owned and labelled', () => {
    const p = plan(pods(0, 7), []);
    assert.deepEqual(counts(p), [3, 0, 0]);
    assert.deepEqual(sizes(p.create), [1, 3, 3]);
    const s = p.create[0];
    assert.equal(s.metadata!.generateName, 'web-');
    assert.deepEqual(s.metadata!.labels, { team: 'a', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: CONTROLLER_NAME });
    assert.deepEqual(s.metadata!.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(s.addressType, 'IPv4');
    assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });

  it('writes nothing when the slices already match', () => {
    const slices = apply([], plan(pods(0, 7), []));
    assert.deepEqual(counts(plan(pods(0, 7), slices)), [0, 0, 0]);
  });

  it('updates only the slice whose endpoint changed', () => {
    const slices = apply([], plan(pods(0, 7), []));
    const ps = pods(0, 7);
    ps[4] = pod(4, { ready: false });
    const p = plan(ps, slices);
    assert.deepEqual(counts(p), [0, 1, 0]);
    const ep = p.update[0].endpoints.find((e) => e.targetRef?.name === 'p4')!;
    assert.deepEqual(ep.conditions, { ready: false, serving: false, terminating: false });
  });

  it('puts new endpoints into a slice being written before creating one', () => {
    const slices = apply([], plan(pods(0, 5), [])); // sizes 3 and 2
    const ps = [...pods(0, 5).filter((p) => p.metadata!.name !== 'p0'), pod(5), pod(6)];
    const p = plan(ps, slices);
    // p0's slice loses one and takes the new ones; the other (2) slice fills up.
    assert.deepEqual(counts(p), [0, 2, 0]);
    assert.deepEqual(sizes(apply(slices, p)), [3, 3]);
  });

  it('adds new endpoints to one untouched slice only if all of them fit', () => {
    const slices = apply([], plan(pods(0, 4), [])); // 3 + 1
    assert.deepEqual(counts(plan(pods(0, 6), slices)), [0, 1, 0]);
    assert.deepEqual(counts(plan(pods(0, 7), slices)), [1, 0, 0]);
  });

  it('deletes emptied slices, and keeps one empty placeholder when no endpoints are left', () => {
    const slices = apply([], plan(pods(0, 5), []));
    const p = plan([], slices);
    // One slice is rewritten as the placeholder rather than deleting both and creating one.
    assert.deepEqual(counts(p), [0, 1, 1]);
    const after = apply(slices, p);
    assert.deepEqual(after.map((s) => [s.endpoints.length, s.ports?.length ?? 0]), [[0, 0]]);
    assert.deepEqual(counts(plan([], after)), [0, 0, 0], 'the placeholder stays');
    assert.deepEqual(counts(plan(pods(0, 2), after)), [0, 1, 0], 'the placeholder is reused');
  });

  it('creates a placeholder for a Service with no pods', () => {
    const p = plan([], []);
    assert.deepEqual(counts(p), [1, 0, 0]);
    assert.deepEqual([p.create[0].endpoints, p.create[0].ports], [[], []]);
  });

  it('replaces slices of an earlier Service of the same name', () => {
    const old = apply([], plan(pods(0, 2), [], 3, { ...svc, metadata: { ...svc.metadata, uid: 'old-uid' } }));
    const p = plan(pods(0, 2), old);
    assert.deepEqual(counts(p), [1, 0, 1]);
    assert.equal(p.delete[0].metadata!.ownerReferences![0].uid, 'old-uid');
  });

  it('groups pods by the ports they serve', () => {
    const named: Service = { ...svc, spec: { ...svc.spec, ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }] } };
    const a = pod(1);
    a.spec!.containers[0].ports = [{ name: 'web', containerPort: 8080 }];
    const b = pod(2);
    b.spec!.containers[0].ports = [{ name: 'web', containerPort: 9090 }];
    const p = plan([a, b, pod(3)], [], 3, named);
    assert.deepEqual(p.create.map((s) => s.ports?.map((x) => x.port)).sort(), [[], [8080], [9090]]);
  });

  it('fixes labels and owner of a slice without touching its endpoints', () => {
    const slices = apply([], plan(pods(0, 2), []));
    slices[0].metadata!.labels = { ...slices[0].metadata!.labels, team: 'stale' };
    const p = plan(pods(0, 2), slices);
    assert.deepEqual(counts(p), [0, 1, 0]);
    assert.equal(p.update[0].metadata!.labels!.team, 'a');
  });
});

describe('podToEndpoint conditions', () => {
  const cases: { name: string; pod: Pod; publish?: boolean; want: object }[] = [
    { name: 'ready pod', pod: pod(1), want: { ready: true, serving: true, terminating: false } },
    { name: 'unready pod', pod: pod(1, { ready: false }), want: { ready: false, serving: false, terminating: false } },
    { name: 'terminating ready pod still serves', pod: pod(1, { terminating: true }), want: { ready: false, serving: true, terminating: true } },
    { name: 'publishNotReadyAddresses', pod: pod(1, { ready: false, terminating: true }), publish: true, want: { ready: true, serving: false, terminating: true } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = { ...svc, spec: { ...svc.spec, publishNotReadyAddresses: c.publish } };
      const ep = podToEndpoint(c.pod, s, '10.0.0.1');
      assert.deepEqual(ep.conditions, c.want);
      assert.deepEqual(ep.targetRef, { kind: 'Pod', namespace: 'ns', name: 'p1', uid: 'uid-001' });
      assert.equal(ep.nodeName, 'n1');
    });
  }
});
