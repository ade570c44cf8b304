import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import { envVarName, serviceEnvVars } from './service-env.js';

const svc = (ns: string, name: string, spec: Service['spec']): Service => ({ metadata: { namespace: ns, name }, spec });
const kubernetes = svc('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] });
const asMap = (vars: { name: string; value?: string }[]) => Object.fromEntries(vars.map((v) => [v.name, v.value]));

describe('serviceEnvVars (kubelet getServiceEnvVarMap + envvars.FromServices)', () => {
  it('builds the Docker-links variables of a Service', () => {
    const vars = serviceEnvVars([svc('web', 'my-nginx', { clusterIP: '10.96.12.34', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns-udp', port: 53, protocol: 'UDP' }] })], 'web');
    assert.deepEqual(vars, [
      { name: 'MY_NGINX_SERVICE_HOST', value: '10.96.12.34' },
      { name: 'MY_NGINX_SERVICE_PORT', value: '80' },
      { name: 'MY_NGINX_SERVICE_PORT_HTTP', value: '80' },
      { name: 'MY_NGINX_SERVICE_PORT_DNS_UDP', value: '53' },
      { name: 'MY_NGINX_PORT', value: 'tcp://10.96.12.34:80' },
      { name: 'MY_NGINX_PORT_80_TCP', value: 'tcp://10.96.12.34:80' },
      { name: 'MY_NGINX_PORT_80_TCP_PROTO', value: 'tcp' },
      { name: 'MY_NGINX_PORT_80_TCP_PORT', value: '80' },
      { name: 'MY_NGINX_PORT_80_TCP_ADDR', value: '10.96.12.34' },
      { name: 'MY_NGINX_PORT_53_UDP', value: 'udp://10.96.12.34:53' },
      { name: 'MY_NGINX_PORT_53_UDP_PROTO', value: 'udp' },
      { name: 'MY_NGINX_PORT_53_UDP_PORT', value: '53' },
      { name: 'MY_NGINX_PORT_53_UDP_ADDR', value: '10.96.12.34' },
    ]);
  });

  it('defaults the protocol to TCP and brackets IPv6 addresses', () => {
    const m = asMap(serviceEnvVars([svc('ns', 'v6', { clusterIP: 'fd00::10', ports: [{ port: 8080 }] })], 'ns'));
    assert.equal(m.V6_PORT, 'tcp://[fd00::10]:8080');
    assert.equal(m.V6_PORT_8080_TCP_ADDR, 'fd00::10');
    assert.equal(m.V6_SERVICE_PORT, '8080');
  });

  const cases: { name: string; services: Service[]; ns: string; links?: boolean; want: string[] }[] = [
    {
      name: 'same namespace plus kubernetes from default',
      services: [kubernetes, svc('app', 'db', { clusterIP: '10.96.0.5', ports: [{ port: 5432 }] }), svc('other', 'cache', { clusterIP: '10.96.0.6', ports: [{ port: 6379 }] })],
      ns: 'app',
      want: ['DB_SERVICE_HOST', 'KUBERNETES_SERVICE_HOST'],
    },
    {
      name: 'headless and ExternalName Services have no variables',
      services: [svc('app', 'headless', { clusterIP: 'None', ports: [{ port: 80 }] }), svc('app', 'ext', { type: 'ExternalName', externalName: 'example.com' }), svc('app', 'pending', { ports: [{ port: 80 }] })],
      ns: 'app',
      want: [],
    },
    {
      name: 'enableServiceLinks false keeps only the kubernetes Service',
      services: [kubernetes, svc('app', 'db', { clusterIP: '10.96.0.5', ports: [{ port: 5432 }] })],
      ns: 'app',
      links: false,
      want: ['KUBERNETES_SERVICE_HOST'],
    },
    {
      name: 'in default with links off, other default Services are left out',
      services: [kubernetes, svc('default', 'web', { clusterIP: '10.96.0.7', ports: [{ port: 80 }] })],
      ns: 'default',
      links: false,
      want: ['KUBERNETES_SERVICE_HOST'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const names = serviceEnvVars(c.services, c.ns, { enableServiceLinks: c.links }).map((v) => v.name);
      assert.deepEqual(names.filter((n) => n.endsWith('_SERVICE_HOST')), c.want);
    });
  }

  it("a Service named kubernetes in the pod's namespace wins over default's, whatever the order", () => {
    const mine = svc('app', 'kubernetes', { clusterIP: '10.96.9.9', ports: [{ port: 443 }] });
    for (const list of [[kubernetes, mine], [mine, kubernetes]]) assert.equal(asMap(serviceEnvVars(list, 'app')).KUBERNETES_SERVICE_HOST, '10.96.9.9');
  });

  it('names variables as the kubelet does', () => {
    assert.equal(envVarName('my-nginx'), 'MY_NGINX');
    assert.equal(envVarName('a-b-c1'), 'A_B_C1');
  });
});
