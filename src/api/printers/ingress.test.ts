import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, IngressClass, IngressRule } from 'kubernetes-types/networking/v1.js';
import { ingressClassPrinter, ingressHosts, ingressPrinter } from './ingress.js';
import { ago, cellsOf } from './testing.js';

const backend = { service: { name: 'web', port: { number: 80 } } };
const rule = (host?: string): IngressRule => ({
  ...(host ? { host } : {}),
  http: { paths: [{ path: '/', pathType: 'Prefix', backend }] },
});

const ingress = (spec: Ingress['spec'], status: Ingress['status'] = {}): Ingress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(6, 'm') },
  spec,
  status,
});

test('ingress rows', () => {
  const cases: [name: string, ing: Ingress, want: Record<string, unknown>][] = [
    [
      'with TLS, class and an address',
      ingress(
        {
          ingressClassName: 'orch',
          rules: [rule('shop.example.com')],
          tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
        },
        { loadBalancer: { ingress: [{ ip: '10.0.0.5' }] } },
      ),
      { Name: 'web', Class: 'orch', Hosts: 'shop.example.com', Address: '10.0.0.5', Ports: '80, 443', Age: '6m' },
    ],
    [
      'catch-all without class, not yet served',
      ingress({ defaultBackend: backend }),
      { Name: 'web', Class: '<none>', Hosts: '*', Address: '', Ports: '80', Age: '6m' },
    ],
    [
      'long address list is not clipped (the server always prints wide)',
      ingress(
        { rules: [rule()] },
        { loadBalancer: { ingress: [{ ip: '10.0.0.12' }, { ip: '10.0.0.11' }, { hostname: 'lb.example.com' }] } },
      ),
      { Name: 'web', Class: '<none>', Hosts: '*', Address: '10.0.0.11,10.0.0.12,lb.example.com', Ports: '80', Age: '6m' },
    ],
  ];
  for (const [name, ing, want] of cases) assert.deepEqual(cellsOf(ingressPrinter, ing), want, name);
});

test('ingress HOSTS', () => {
  const cases: [name: string, rules: IngressRule[], want: string][] = [
    ['none', [], '*'],
    ['only host-less rules', [rule(), rule()], '*'],
    ['three', [rule('a.io'), rule('b.io'), rule('c.io')], 'a.io,b.io,c.io'],
    ['host-less rules take no slot', [rule('a.io'), rule(), rule('b.io')], 'a.io,b.io'],
    ['five', [rule('a.io'), rule('b.io'), rule('c.io'), rule('d.io'), rule('e.io')], 'a.io,b.io,c.io + 2 more...'],
    // upstream counts rules, not hosts, in "more"
    [
      'a host-less rule among the rest',
      [rule('a.io'), rule(), rule('b.io'), rule('c.io'), rule('d.io')],
      'a.io,b.io,c.io + 2 more...',
    ],
  ];
  for (const [name, rules, want] of cases) assert.equal(ingressHosts(rules), want, name);
});

test('ingress class rows', () => {
  const ic = (spec: IngressClass['spec']): IngressClass => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'orch', creationTimestamp: ago(1, 'd') },
    spec,
  });
  const cases: [name: string, obj: IngressClass, parameters: string][] = [
    ['no parameters', ic({ controller: 'orch.io/ingress' }), '<none>'],
    [
      'core-group parameters',
      ic({ controller: 'orch.io/ingress', parameters: { kind: 'ConfigMap', name: 'ingress-config' } }),
      'ConfigMap/ingress-config',
    ],
    [
      'grouped parameters',
      ic({
        controller: 'orch.io/ingress',
        parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb', scope: 'Cluster' },
      }),
      'IngressParameters.k8s.example.com/external-lb',
    ],
  ];
  for (const [name, obj, parameters] of cases) {
    const want = { Name: 'orch', Controller: 'orch.io/ingress', Parameters: parameters, Age: '24h' };
    assert.deepEqual(cellsOf(ingressClassPrinter, obj), want, name);
  }
});
