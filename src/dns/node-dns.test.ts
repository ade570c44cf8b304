import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dnsEndpointSlice, dnsService, gatewayFor, hasLocalAddress } from './node-dns.js';

describe('node DNS objects', () => {
  it('puts the server on the first address of the node pod CIDR (the bridge gateway)', () => {
    assert.equal(gatewayFor('10.244.3.0/24'), '10.244.3.1');
    assert.equal(gatewayFor('10.252.17.0/24'), '10.252.17.1');
  });

  it('publishes kube-dns as Kubernetes does: fixed ClusterIP, dns and dns-tcp on 53, no selector', () => {
    const svc = dnsService('10.43.0.10');
    assert.equal(svc.metadata?.namespace, 'kube-system');
    assert.equal(svc.metadata?.name, 'kube-dns');
    assert.equal(svc.metadata?.labels?.['k8s-app'], 'kube-dns');
    assert.equal(svc.spec?.clusterIP, '10.43.0.10');
    assert.equal(svc.spec?.selector, undefined);
    assert.deepEqual(svc.spec?.ports?.map((p) => [p.name, p.port, p.protocol, p.targetPort]), [
      ['dns', 53, 'UDP', 53],
      ['dns-tcp', 53, 'TCP', 53],
    ]);
  });

  it('lists the server as the one endpoint, owned by the Service, ready only once it answers', () => {
    const svc = { ...dnsService('10.43.0.10'), metadata: { ...dnsService('10.43.0.10').metadata, uid: 'u1' } };
    const pending = dnsEndpointSlice(svc, '10.244.0.1', 53, false, 'node1');
    assert.equal(pending.metadata?.labels?.['kubernetes.io/service-name'], 'kube-dns');
    assert.equal(pending.metadata?.ownerReferences?.[0].uid, 'u1');
    assert.deepEqual(pending.endpoints, [{ addresses: ['10.244.0.1'], conditions: { ready: false, serving: false, terminating: false }, nodeName: 'node1' }]);
    assert.equal(dnsEndpointSlice(svc, '10.244.0.1', 53, true, 'node1').endpoints[0].conditions?.ready, true);
    assert.deepEqual(pending.ports?.map((p) => `${p.name}:${p.port}/${p.protocol}`), ['dns:53/UDP', 'dns-tcp:53/TCP']);
  });

  it('sees the loopback address as local and a TEST-NET address as not', () => {
    assert.equal(hasLocalAddress('127.0.0.1'), true);
    assert.equal(hasLocalAddress('192.0.2.77'), false);
  });
});
