import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from './index.js';

test('namespaces get their name label, the kubernetes finalizer and Active', () => {
  const ns: any = { metadata: { name: 'team-a' } };
  applyDefaults('Namespace', ns);
  assert.deepEqual(ns, {
    metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
  // The controller empties the list while deleting; defaults on that update must not refill it.
  ns.spec.finalizers = [];
  ns.status.phase = 'Terminating';
  applyDefaults('Namespace', ns);
  assert.deepEqual(ns.spec.finalizers, []);
  assert.equal(ns.status.phase, 'Terminating');
});

test('secrets are Opaque and stringData folds into data', () => {
  const s: any = { data: { a: 'b2xk', b: 'b2xk' }, stringData: { b: 'new', c: 'ç' } };
  applyDefaults('Secret', s);
  assert.deepEqual(s, { type: 'Opaque', data: { a: 'b2xk', b: 'bmV3', c: 'w6c=' } });
  const typed: any = { type: 'kubernetes.io/tls' };
  applyDefaults('Secret', typed);
  assert.equal(typed.type, 'kubernetes.io/tls');
});

test('storage defaults', () => {
  const pv: any = { spec: { hostPath: { path: '/mnt' }, capacity: { storage: '1Gi' } } };
  applyDefaults('PersistentVolume', pv);
  assert.deepEqual(pv, {
    spec: { hostPath: { path: '/mnt', type: '' }, capacity: { storage: '1Gi' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' },
    status: { phase: 'Pending' },
  });
  const pvc: any = { spec: { accessModes: ['ReadWriteOnce'] } };
  applyDefaults('PersistentVolumeClaim', pvc);
  assert.deepEqual(pvc, { spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
  const sc: any = { provisioner: 'rancher.io/local-path' };
  applyDefaults('StorageClass', sc);
  assert.deepEqual(sc, { provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
});

test('endpoint ports are TCP unless said otherwise', () => {
  const ep: any = { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }] };
  applyDefaults('Endpoints', ep);
  assert.deepEqual(ep.subsets[0].ports, [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }]);
  const es: any = { addressType: 'IPv4', ports: [{ port: 80 }] };
  applyDefaults('EndpointSlice', es);
  assert.deepEqual(es.ports, [{ port: 80, protocol: 'TCP', name: '' }]);
});

test('ingress class parameters are cluster-scoped by default', () => {
  const ic: any = { spec: { controller: 'x.io/y', parameters: { kind: 'P', name: 'p' } } };
  applyDefaults('IngressClass', ic);
  assert.equal(ic.spec.parameters.scope, 'Cluster');
});

test('node allocatable defaults to capacity', () => {
  const node: any = { status: { capacity: { cpu: '2', memory: '4Gi' } } };
  applyDefaults('Node', node);
  assert.deepEqual(node.status.allocatable, { cpu: '2', memory: '4Gi' });
  node.status.capacity.cpu = '4';
  assert.equal(node.status.allocatable.cpu, '2', 'allocatable is a copy, not an alias');
});

test('kinds without defaults are untouched', () => {
  for (const kind of ['ConfigMap', 'ServiceAccount', 'Event', 'Ingress', 'Lease', 'Unknown']) {
    const obj = { metadata: { name: 'x' }, data: {} };
    const before = structuredClone(obj);
    applyDefaults(kind, obj);
    assert.deepEqual(obj, before, kind);
  }
});
