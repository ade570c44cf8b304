import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import { mirrorSlices, sameMirror, shouldMirror, SKIP_MIRROR_LABEL } from './desired.js';

const svc = (spec: Service['spec'] = { ports: [{ port: 5432 }] }): Service => ({ metadata: { namespace: 'ns', name: 'db' }, spec });
const ep = (o: Partial<Endpoints> = {}): Endpoints => ({
  metadata: { namespace: 'ns', name: 'db', uid: 'ep-uid', ...o.metadata },
  subsets: o.subsets ?? [{ addresses: [{ ip: '192.0.2.10', hostname: 'db-0' }], notReadyAddresses: [{ ip: '192.0.2.11' }], ports: [{ name: 'pg', port: 5432 }] }],
});

describe('EndpointSlice mirroring', () => {
  it('mirrors only hand-made Endpoints: Service without a selector, not ExternalName, not opted out', () => {
    assert.equal(shouldMirror(svc(), ep()), true);
    assert.equal(shouldMirror(svc({ selector: { app: 'db' }, ports: [{ port: 5432 }] }), ep()), false);
    assert.equal(shouldMirror(svc({ type: 'ExternalName', externalName: 'db.example' }), ep()), false);
    assert.equal(shouldMirror(undefined, ep()), false);
    assert.equal(shouldMirror(svc(), undefined), false);
    assert.equal(shouldMirror(svc(), ep({ metadata: { labels: { [SKIP_MIRROR_LABEL]: 'true' } } })), false);
  });

  it('makes one slice per subset with ready and not-ready endpoints, owned by the Endpoints', () => {
    const [s, ...rest] = mirrorSlices(ep());
    assert.equal(rest.length, 0);
    assert.equal(s.metadata?.name, 'db-mirror-0');
    assert.equal(s.metadata?.labels?.['kubernetes.io/service-name'], 'db');
    assert.equal(s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.equal(s.metadata?.ownerReferences?.[0].uid, 'ep-uid');
    assert.deepEqual(s.endpoints, [
      { addresses: ['192.0.2.10'], conditions: { ready: true, serving: true, terminating: false }, hostname: 'db-0' },
      { addresses: ['192.0.2.11'], conditions: { ready: false, serving: false, terminating: false } },
    ]);
    assert.deepEqual(s.ports, [{ name: 'pg', port: 5432, protocol: 'TCP' }]);
  });

  it('skips IPv6 addresses and subsets left empty', () => {
    const slices = mirrorSlices(ep({ subsets: [{ addresses: [{ ip: '2001:db8::1' }], ports: [{ port: 1 }] }, { addresses: [{ ip: '192.0.2.20' }], ports: [{ port: 2 }] }] }));
    assert.deepEqual(slices.map((s) => s.metadata?.name), ['db-mirror-1']);
  });

  it('compares mirrors by content, not by server-set fields', () => {
    const [want] = mirrorSlices(ep());
    assert.equal(sameMirror({ ...want, metadata: { ...want.metadata, resourceVersion: '7', uid: 'x' } }, want), true);
    assert.equal(sameMirror({ ...want, endpoints: [] }, want), false);
  });
});
