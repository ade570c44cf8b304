import { test } from 'node:test';
import { meta, runCreateCases, runUpdateCases } from './test-fixtures.js';

const ingress = (): any => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: meta('web'),
  spec: {
    rules: [
      {
        host: 'web.example.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] },
      },
    ],
  },
});
const path0 = (i: any): any => i.spec.rules[0].http.paths[0];

test('ingress rules', () => {
  runCreateCases('Ingress', ingress, [
    { name: 'valid', mutate: () => {}, want: [] },
    { name: 'wildcard host', mutate: (i) => (i.spec.rules[0].host = '*.example.com'), want: [] },
    {
      name: 'IP as host',
      mutate: (i) => (i.spec.rules[0].host = '10.0.0.1'),
      want: ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address'],
    },
    {
      name: 'no rules and no default backend',
      mutate: (i) => (i.spec = {}),
      want: ['spec.rules: Invalid value: []: either `defaultBackend` or `rules` must be specified'],
    },
    { name: 'no pathType', mutate: (i) => delete path0(i).pathType, want: ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified'] },
    {
      name: 'unknown pathType',
      mutate: (i) => (path0(i).pathType = 'Regex'),
      want: ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"'],
    },
    {
      name: 'relative and odd paths',
      mutate: (i) => {
        path0(i).path = 'api';
        i.spec.rules[0].http.paths.push({ path: '/a//b', pathType: 'Exact', backend: path0(i).backend });
      },
      want: [
        'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path',
        "spec.rules[0].http.paths[1].path: Invalid value: \"/a//b\": must not contain '//'",
      ],
    },
    {
      name: 'backend needs a port',
      mutate: (i) => (path0(i).backend = { service: { name: 'web' } }),
      want: ['spec.rules[0].http.paths[0].backend.service.port: Required value: port name or number is required'],
    },
    {
      name: 'backend with both port name and number',
      mutate: (i) => (path0(i).backend.service.port = { name: 'http', number: 80 }),
      want: ['spec.rules[0].http.paths[0].backend.service.port: Invalid value: "": cannot set both port name & port number'],
    },
    {
      name: 'backend with a named port',
      mutate: (i) => (path0(i).backend.service.port = { name: 'http' }),
      want: [],
    },
    {
      name: 'resource backend',
      mutate: (i) => (path0(i).backend = { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } }),
      want: [],
    },
    {
      name: 'class annotation and field together',
      mutate: (i) => {
        i.spec.ingressClassName = 'nginx';
        i.metadata.annotations = { 'kubernetes.io/ingress.class': 'nginx' };
      },
      want: ['metadata.annotations[kubernetes.io/ingress.class]: Invalid value: "nginx": can not be set when the class field is also set'],
    },
  ]);
});

const ingressClass = (): any => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: meta('orch', false),
  spec: { controller: 'orch.dev/ingress' },
});

test('ingress class rules', () => {
  runCreateCases('IngressClass', ingressClass, [
    { name: 'valid', mutate: () => {}, want: [] },
    { name: 'no controller', mutate: (c) => (c.spec = {}), want: ['spec.controller: Required value'] },
    {
      name: 'controller without a domain',
      mutate: (c) => (c.spec.controller = 'nginx'),
      want: ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")'],
    },
    {
      name: 'namespaced parameters need a namespace',
      mutate: (c) => (c.spec.parameters = { kind: 'Params', name: 'p', scope: 'Namespace' }),
      want: ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"],
    },
  ]);
  runUpdateCases('IngressClass', ingressClass, [
    {
      name: 'controller change',
      change: (c) => (c.spec.controller = 'other.dev/ingress'),
      want: ['spec.controller: Invalid value: "other.dev/ingress": field is immutable'],
    },
  ]);
});

const slice = (): any => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: meta('web-abc12'),
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true } }],
  ports: [{ name: 'http', port: 80 }],
});

test('endpoint slice rules', () => {
  runCreateCases('EndpointSlice', slice, [
    { name: 'valid', mutate: () => {}, want: [] },
    {
      name: 'unknown address type',
      mutate: (s) => (s.addressType = 'IPX'),
      want: ['addressType: Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"'],
    },
    {
      name: 'endpoint addresses',
      mutate: (s) => (s.endpoints = [{ addresses: [] }, { addresses: ['fd00::1'] }]),
      want: ['endpoints[0].addresses: Required value: must contain at least 1 address', 'endpoints[1].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address'],
    },
    {
      name: 'duplicate port names',
      mutate: (s) => s.ports.push({ name: 'http', port: 8080 }),
      want: ['ports[1].name: Duplicate value: "http"'],
    },
  ]);
  runUpdateCases('EndpointSlice', slice, [
    { name: 'new endpoints', change: (s) => s.endpoints.push({ addresses: ['10.244.0.6'] }), want: [] },
    {
      name: 'address type change',
      change: (s) => Object.assign(s, { addressType: 'IPv6', endpoints: [{ addresses: ['fd00::5'] }] }),
      want: ['addressType: Invalid value: "IPv6": field is immutable'],
    },
  ]);
});

const endpoints = (): any => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: meta('web'),
  subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ port: 80 }] }],
});

test('endpoints rules', () => {
  runCreateCases('Endpoints', endpoints, [
    { name: 'valid', mutate: () => {}, want: [] },
    {
      name: 'empty subset and a bad IP',
      mutate: (e) => e.subsets.push({ addresses: [] }, { addresses: [{ ip: 'x' }], ports: [{ port: 80 }] }),
      want: [
        'subsets[1]: Required value: must specify `addresses` or `notReadyAddresses`',
        'subsets[2].addresses[0].ip: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      ],
    },
  ]);
});
