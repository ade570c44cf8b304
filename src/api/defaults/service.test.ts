import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from './index.js';

test('service defaults by type', () => {
  const cases: { name: string; spec: any; want: any }[] = [
    {
      name: 'ClusterIP',
      spec: { ports: [{ port: 80 }] },
      want: {
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        type: 'ClusterIP',
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'NodePort',
      spec: { type: 'NodePort', ports: [{ port: 8080, targetPort: 'http', protocol: 'UDP' }] },
      want: {
        ports: [{ port: 8080, protocol: 'UDP', targetPort: 'http' }],
        type: 'NodePort',
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'LoadBalancer',
      spec: { type: 'LoadBalancer', ports: [{ port: 80, targetPort: 0 }] },
      want: {
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        type: 'LoadBalancer',
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        allocateLoadBalancerNodePorts: true,
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'ExternalName has no IP fields',
      spec: { type: 'ExternalName', externalName: 'example.com' },
      want: { type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' },
    },
    {
      name: 'ClientIP affinity gets a timeout',
      spec: { sessionAffinity: 'ClientIP', ports: [{ port: 80 }] },
      want: {
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        type: 'ClusterIP',
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
  ];
  for (const c of cases) {
    const svc: any = { spec: c.spec };
    applyDefaults('Service', svc);
    assert.deepEqual(svc.spec, c.want, c.name);
  }
});

test('the cluster IP is left to the allocator', () => {
  const svc: any = { spec: { ports: [{ port: 80 }] } };
  applyDefaults('Service', svc);
  assert.equal(svc.spec.clusterIP, undefined);
  assert.equal(svc.spec.ports[0].nodePort, undefined);
});
