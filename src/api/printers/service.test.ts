import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import { servicePrinter } from './service.js';
import { ago, cellsOf } from './testing.js';

const svc = (spec: Service['spec'], status: Service['status'] = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(3, 'd') },
  spec,
  status,
});

const row = (name: string, type: string, clusterIP: string, externalIP: string, ports: string, selector: string) => ({
  Name: name,
  Type: type,
  'Cluster-IP': clusterIP,
  'External-IP': externalIP,
  'Port(s)': ports,
  Age: '3d',
  Selector: selector,
});

test('service rows', () => {
  const cases: [name: string, s: Service, want: ReturnType<typeof row>][] = [
    [
      'ClusterIP',
      svc({
        type: 'ClusterIP',
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10'],
        ports: [{ port: 80, protocol: 'TCP' }],
        selector: { app: 'web' },
      }),
      row('web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', 'app=web'),
    ],
    [
      'ClusterIP with external IPs and two ports',
      svc({
        type: 'ClusterIP',
        clusterIP: '10.96.0.11',
        externalIPs: ['192.0.2.10', '192.0.2.11'],
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
        selector: { k8s: 'dns', app: 'coredns' },
      }),
      row('web', 'ClusterIP', '10.96.0.11', '192.0.2.10,192.0.2.11', '53/UDP,53/TCP', 'app=coredns,k8s=dns'),
    ],
    [
      'NodePort',
      svc({
        type: 'NodePort',
        clusterIPs: ['10.96.12.1'],
        ports: [
          { port: 80, nodePort: 30007, protocol: 'TCP' },
          { port: 443, protocol: 'TCP' },
        ],
        selector: { app: 'web' },
      }),
      row('web', 'NodePort', '10.96.12.1', '<none>', '80:30007/TCP,443/TCP', 'app=web'),
    ],
    [
      'LoadBalancer still pending',
      svc({
        type: 'LoadBalancer',
        clusterIPs: ['10.96.4.4'],
        ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }],
        selector: { app: 'web' },
      }),
      row('web', 'LoadBalancer', '10.96.4.4', '<pending>', '80:31000/TCP', 'app=web'),
    ],
    [
      'LoadBalancer with ingress, sorted and de-duplicated, then external IPs',
      svc(
        {
          type: 'LoadBalancer',
          clusterIPs: ['10.96.4.4'],
          externalIPs: ['192.0.2.50'],
          ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }],
        },
        {
          loadBalancer: {
            ingress: [{ ip: '172.18.0.3' }, { ip: '172.18.0.2' }, { ip: '172.18.0.3' }, { hostname: 'lb.example.com' }],
          },
        },
      ),
      row('web', 'LoadBalancer', '10.96.4.4', '172.18.0.2,172.18.0.3,lb.example.com,192.0.2.50', '80:31000/TCP', '<none>'),
    ],
    [
      'ExternalName',
      svc({ type: 'ExternalName', externalName: 'db.example.com' }),
      row('web', 'ExternalName', '<none>', 'db.example.com', '<none>', '<none>'),
    ],
    [
      'headless',
      svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 5432 }], selector: { app: 'db' } }),
      row('web', 'ClusterIP', 'None', '<none>', '5432/TCP', 'app=db'),
    ],
  ];
  for (const [name, s, want] of cases) assert.deepEqual(cellsOf(servicePrinter, s), want, name);
});
