import { test } from 'node:test';
import { runCreateCases, runUpdateCases, service } from './test-fixtures.js';

test('service create rules', () => {
  runCreateCases('Service', service, [
    { name: 'valid', mutate: () => {}, want: [] },
    { name: 'no ports', mutate: (s) => (s.spec.ports = []), want: ['spec.ports: Required value'] },
    { name: 'headless without ports', mutate: (s) => Object.assign(s.spec, { ports: [], clusterIP: 'None' }), want: [] },
    {
      name: 'ExternalName without ports, with a name',
      mutate: (s) => (s.spec = { type: 'ExternalName', externalName: 'db.example.com.' }),
      want: [],
    },
    {
      name: 'ExternalName needs a name and no cluster IP',
      mutate: (s) => (s.spec = { type: 'ExternalName', clusterIP: '10.96.0.10' }),
      want: ['spec.clusterIP: Forbidden: may not be set for ExternalName services', 'spec.externalName: Required value'],
    },
    {
      name: 'a name that is not a DNS-1035 label',
      mutate: (s) => (s.metadata.name = '1web'),
      want: [
        "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    },
    {
      name: 'several ports need unique names',
      mutate: (s) => (s.spec.ports = [{ port: 80 }, { port: 443, name: 'https' }, { port: 8443, name: 'https' }]),
      want: ['spec.ports[0].name: Required value', 'spec.ports[2].name: Duplicate value: "https"'],
    },
    {
      name: 'port numbers and protocols',
      mutate: (s) => (s.spec.ports = [{ port: 0, targetPort: 70000, protocol: 'ICMP' }]),
      want: [
        'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
        'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
        'spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      ],
    },
    {
      name: 'named target port',
      mutate: (s) => (s.spec.ports = [{ port: 80, targetPort: 'http' }]),
      want: [],
    },
    {
      name: 'target port names follow IANA_SVC_NAME',
      mutate: (s) => (s.spec.ports = [{ port: 80, targetPort: 'HTTP_PORT' }]),
      want: [
        'spec.ports[0].targetPort: Invalid value: "HTTP_PORT": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.ports[0].targetPort: Invalid value: "HTTP_PORT": must contain at least one letter (a-z)',
      ],
    },
    {
      name: 'duplicate port/protocol',
      mutate: (s) => (s.spec.ports = [{ name: 'a', port: 80 }, { name: 'b', port: 80 }]),
      want: ['spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}'],
    },
    {
      name: 'nodePort on a ClusterIP service',
      mutate: (s) => (s.spec.ports[0].nodePort = 30080),
      want: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    },
    {
      name: 'nodePort on a NodePort service',
      mutate: (s) => Object.assign(s.spec, { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }),
      want: [],
    },
    {
      name: 'unknown type',
      mutate: (s) => (s.spec.type = 'Ingress'),
      want: ['spec.type: Unsupported value: "Ingress": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
    },
    {
      name: 'headless NodePort',
      mutate: (s) => Object.assign(s.spec, { type: 'NodePort', clusterIP: 'None' }),
      want: ["spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for NodePort services"],
    },
    {
      name: 'cluster IPs must be IPv4 addresses',
      mutate: (s) => (s.spec.clusterIP = '10.96.0'),
      want: ['spec.clusterIP: Invalid value: "10.96.0": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    },
    {
      name: 'IPv6 cluster IP on an IPv4 service',
      mutate: (s) => (s.spec.clusterIP = 'fd00::1'),
      want: ['spec.clusterIP: Invalid value: "fd00::1": expected an IPv4 value as indicated by `ipFamilies[0]`'],
    },
    {
      name: 'session affinity',
      mutate: (s) => (s.spec.sessionAffinity = 'Cookie'),
      want: ['spec.sessionAffinity: Unsupported value: "Cookie": supported values: "ClientIP", "None"'],
    },
    {
      name: 'ClientIP affinity gets a default timeout',
      mutate: (s) => (s.spec.sessionAffinity = 'ClientIP'),
      want: [],
    },
    {
      name: 'externalTrafficPolicy on an internal service',
      mutate: (s) => (s.spec.externalTrafficPolicy = 'Local'),
      want: ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
    },
    {
      name: 'bad selector',
      mutate: (s) => (s.spec.selector = { app: 'a b' }),
      want: [
        "spec.selector: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    },
  ]);
});

test('service updates keep the cluster IP', () => {
  const allocated = (s: any): void => {
    s.spec.clusterIP = '10.96.0.20';
    s.spec.clusterIPs = ['10.96.0.20'];
  };
  runUpdateCases('Service', service, [
    { name: 'port change', before: allocated, change: (s) => (s.spec.ports[0].port = 8080), want: [] },
    {
      name: 'cluster IP change',
      before: allocated,
      change: (s) => {
        s.spec.clusterIP = '10.96.0.21';
        s.spec.clusterIPs = ['10.96.0.21'];
      },
      want: ['spec.clusterIP: Invalid value: "10.96.0.21": field is immutable'],
    },
    {
      name: 'becoming an ExternalName drops the IP',
      before: allocated,
      change: (s) => (s.spec = { type: 'ExternalName', externalName: 'example.com' }),
      want: [],
    },
  ]);
});

test('load balancer status', () => {
  runUpdateCases(
    'Service',
    service,
    [
      { name: 'ip', change: (s) => (s.status = { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } }), want: [] },
      {
        name: 'hostname that is an IP',
        change: (s) => (s.status = { loadBalancer: { ingress: [{ hostname: '1.2.3.4' }] } }),
        want: ['status.loadBalancer.ingress[0].hostname: Invalid value: "1.2.3.4": must be a DNS name, not an IP address'],
      },
    ],
    true,
  );
});
