/** Which endpoints a service port gets, table-driven. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { resolveRulesConfig } from './config.js';
import { collectServicePorts } from './service-ports.js';

const cfg = resolveRulesConfig({ chainPrefix: 'ORCH-t1-', serviceCidr: '10.97.0.0/24', nodePortRange: [31000, 31009], nodeIPs: [] });
const service = (spec: Partial<NonNullable<Service['spec']>> = {}, labels?: Record<string, string>): Service => ({
  metadata: { namespace: 'ns', name: 'svc', labels },
  spec: { type: 'ClusterIP', clusterIP: '10.97.0.5', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' }], ...spec },
});
const slice = (endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'] = [{ name: 'http', port: 8080, protocol: 'TCP' }], extra: Partial<EndpointSlice> = {}): EndpointSlice => ({
  metadata: { namespace: 'ns', name: `svc-${Math.random()}`, labels: { 'kubernetes.io/service-name': 'svc' } },
  addressType: 'IPv4',
  endpoints,
  ports,
  ...extra,
});

const CASES: { name: string; svc: Service; slices: EndpointSlice[]; want: string[] | 'skipped' }[] = [
  { name: 'unset ready counts as ready', svc: service(), slices: [slice([{ addresses: ['10.0.0.1'] }])], want: ['10.0.0.1:8080'] },
  { name: 'not-ready endpoints are left out', svc: service(), slices: [slice([{ addresses: ['10.0.0.1'], conditions: { ready: false } }, { addresses: ['10.0.0.2'] }])], want: ['10.0.0.2:8080'] },
  {
    name: 'serving terminating endpoints only when none is ready',
    svc: service(),
    slices: [slice([{ addresses: ['10.0.0.1'], conditions: { ready: false, serving: true, terminating: true } }, { addresses: ['10.0.0.2'], conditions: { ready: false, serving: false, terminating: true } }])],
    want: ['10.0.0.1:8080'],
  },
  {
    name: 'terminating endpoints are dropped while a ready one exists',
    svc: service(),
    slices: [slice([{ addresses: ['10.0.0.1'], conditions: { ready: false, serving: true, terminating: true } }, { addresses: ['10.0.0.3'], conditions: { ready: true } }])],
    want: ['10.0.0.3:8080'],
  },
  { name: 'endpoints from several slices, deduplicated and sorted by address', svc: service(), slices: [slice([{ addresses: ['10.0.0.10'] }, { addresses: ['10.0.0.9'] }]), slice([{ addresses: ['10.0.0.9'] }])], want: ['10.0.0.9:8080', '10.0.0.10:8080'] },
  { name: 'a slice port named after the targetPort (hand-written slices) is accepted', svc: service(), slices: [slice([{ addresses: ['10.0.0.1'] }], [{ name: 'web', port: 9090 }])], want: ['10.0.0.1:9090'] },
  { name: 'a slice port of another protocol does not match', svc: service(), slices: [slice([{ addresses: ['10.0.0.1'] }], [{ name: 'http', port: 8080, protocol: 'UDP' }])], want: [] },
  { name: 'unnamed service port matches the unnamed slice port', svc: service({ ports: [{ port: 80, targetPort: 8080 }] }), slices: [slice([{ addresses: ['10.0.0.1'] }], [{ port: 8080 }])], want: ['10.0.0.1:8080'] },
  { name: 'IPv6 and FQDN slices are ignored', svc: service(), slices: [slice([{ addresses: ['fd00::1'] }], undefined, { addressType: 'IPv6' }), slice([{ addresses: ['a.example'] }], undefined, { addressType: 'FQDN' })], want: [] },
  { name: 'loopback endpoint addresses are ignored', svc: service(), slices: [slice([{ addresses: ['127.0.0.1'] }])], want: [] },
  { name: 'a Service handed to another proxy is skipped', svc: service({}, { 'service.kubernetes.io/service-proxy-name': 'other' }), slices: [], want: 'skipped' },
  { name: 'a ClusterIP outside the service CIDR is skipped', svc: service({ clusterIP: '10.98.0.1' }), slices: [], want: 'skipped' },
];

describe('collectServicePorts', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { ports, skipped } = collectServicePorts({ services: [c.svc], endpointSlices: c.slices }, cfg);
      if (c.want === 'skipped') {
        assert.equal(ports.length, 0);
        assert.equal(skipped.length, 1);
        return;
      }
      assert.deepEqual(ports[0].endpoints.map((e) => e.addr), c.want);
    });
  }

  it('keeps only usable LoadBalancer ingress IPs and node ports inside the range', () => {
    const svc: Service = {
      ...service({ type: 'LoadBalancer', ports: [{ name: 'http', port: 80, nodePort: 31005 }, { name: 'other', port: 81, nodePort: 32000 }] }),
      status: { loadBalancer: { ingress: [{ ip: '192.168.1.5' }, { hostname: 'lb.example' }, { ip: '0.0.0.0' }] } },
    };
    const { ports } = collectServicePorts({ services: [svc], endpointSlices: [] }, cfg);
    assert.deepEqual(ports.map((p) => [p.key, p.nodePort, p.loadBalancerIPs]), [
      ['ns/svc:http', 31005, ['192.168.1.5']],
      ['ns/svc:other', undefined, ['192.168.1.5']],
    ]);
  });

  it('takes a loopback LoadBalancer IP only when it is one of the node addresses', () => {
    const svc: Service = { ...service({ type: 'LoadBalancer', ports: [{ port: 80 }] }), status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }, { ip: '127.0.0.2' }] } } };
    const local = resolveRulesConfig({ chainPrefix: 'ORCH-t1-', serviceCidr: '10.97.0.0/24', nodePortRange: [31000, 31009], nodeIPs: ['127.0.0.1'] });
    assert.deepEqual(collectServicePorts({ services: [svc], endpointSlices: [] }, local).ports[0].loadBalancerIPs, ['127.0.0.1']);
    assert.deepEqual(collectServicePorts({ services: [svc], endpointSlices: [] }, cfg).ports[0].loadBalancerIPs, []);
  });

  it('ClientIP affinity defaults to three hours', () => {
    const { ports } = collectServicePorts({ services: [service({ sessionAffinity: 'ClientIP' })], endpointSlices: [] }, cfg);
    assert.equal(ports[0].affinitySeconds, 10800);
  });
});
