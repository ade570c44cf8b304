import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { endpointSlicePrinter, endpointsPrinter } from './endpoints.js';
import { ago, cellsOf } from './testing.js';

const ips = (...list: string[]) => list.map((ip) => ({ ip }));

const endpoints = (subsets: Endpoints['subsets']): Endpoints => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(7, 'm') },
  ...(subsets ? { subsets } : {}),
});

test('endpoints cell', () => {
  const cases: [name: string, ep: Endpoints, want: string][] = [
    ['no subsets', endpoints(undefined), '<none>'],
    ['one address', endpoints([{ addresses: ips('10.244.0.5'), ports: [{ port: 80 }] }]), '10.244.0.5:80'],
    [
      'five addresses: three shown',
      endpoints([{ addresses: ips('10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'), ports: [{ port: 80 }] }]),
      '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...',
    ],
    [
      'every address with every port',
      endpoints([{ addresses: ips('10.0.0.1', '10.0.0.2'), ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }]),
      '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...',
    ],
    ['headless without ports: bare IPs', endpoints([{ addresses: ips('10.0.0.1', '10.0.0.2') }]), '10.0.0.1,10.0.0.2'],
    ['IPv6 in brackets', endpoints([{ addresses: ips('fd00::5'), ports: [{ port: 8080 }] }]), '[fd00::5]:8080'],
    ['only not-ready addresses', endpoints([{ notReadyAddresses: ips('10.0.0.9'), ports: [{ port: 80 }] }]), ''],
  ];
  for (const [name, ep, want] of cases) {
    assert.deepEqual(cellsOf(endpointsPrinter, ep), { Name: 'web', Endpoints: want, Age: '7m' }, name);
  }
});

const slice = (ports: EndpointSlice['ports'], addresses: string[][]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abc12', namespace: 'default', creationTimestamp: ago(7, 'm') },
  addressType: 'IPv4',
  ports,
  endpoints: addresses.map((a) => ({ addresses: a, conditions: { ready: true } })),
});

test('endpointslice cells', () => {
  const cases: [name: string, s: EndpointSlice, ports: string, endpoints: string][] = [
    [
      'one port, two endpoints',
      slice([{ name: 'http', port: 80, protocol: 'TCP' }], [['10.244.0.5'], ['10.244.0.6']]),
      '80',
      '10.244.0.5,10.244.0.6',
    ],
    ['empty', slice([], []), '<unset>', '<unset>'],
    ['a port with no number falls back to its name, then *', slice([{ name: 'http' }, {}], [['10.0.0.1']]), 'http,*', '10.0.0.1'],
    [
      'more than three of each',
      slice(
        [{ port: 1 }, { port: 2 }, { port: 3 }, { port: 4 }],
        [['10.0.0.1'], ['10.0.0.2', '10.0.0.3'], ['10.0.0.4'], ['10.0.0.5']],
      ),
      '1,2,3 + 1 more...',
      '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...',
    ],
  ];
  for (const [name, s, ports, eps] of cases) {
    assert.deepEqual(
      cellsOf(endpointSlicePrinter, s),
      { Name: 'web-abc12', AddressType: 'IPv4', Ports: ports, Endpoints: eps, Age: '7m' },
      name,
    );
  }
});
