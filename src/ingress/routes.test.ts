import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { HTTPIngressPath, Ingress, IngressBackend, IngressClass, IngressSpec } from 'kubernetes-types/networking/v1.js';
import { classFilterFor, DEFAULT_CLASS_ANNOTATION, LEGACY_CLASS_ANNOTATION } from './ingress-class.js';
import { buildRoutes, lookupRoute, lookupTls, type RouteTable } from './routes.js';

const NS = 'web';
const CONTROLLER = 'orch.io/ingress';

function svc(name: string, ports: ServicePort[] = [{ name: 'http', port: 80, targetPort: 8080 }], extra: Service['spec'] = {}, ns = NS): Service {
  return { metadata: { name, namespace: ns }, spec: { ports, ...extra } };
}

/** A slice for a service: endpoints as "ip" (ready) or "ip!" (not ready) or "ip?" (no ready condition). */
function slice(service: string, ports: { name?: string; port: number }[], eps: string[], name = `${service}-abc`, ns = NS): EndpointSlice {
  return {
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: 'TCP' })),
    endpoints: eps.map((e) => {
      const ip = e.replace(/[!?]$/, '');
      return { addresses: [ip], conditions: e.endsWith('?') ? {} : { ready: !e.endsWith('!') } };
    }),
  };
}

const backend = (service: string, port: string | number = 80): IngressBackend => ({
  service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } },
});
const path = (p: string | undefined, service: string, pathType = 'Prefix', port: string | number = 80): HTTPIngressPath => ({ path: p, pathType, backend: backend(service, port) });

function ingress(name: string, spec: IngressSpec, o: { className?: string | null; created?: string; annotations?: Record<string, string>; ns?: string } = {}): Ingress {
  const className = o.className === null ? undefined : (o.className ?? 'orch');
  return {
    metadata: { name, namespace: o.ns ?? NS, uid: `uid-${name}`, creationTimestamp: o.created ?? '2024-01-01T00:00:00Z', annotations: o.annotations },
    spec: { ingressClassName: className, ...spec },
  };
}

const orchClass = (isDefault = false, name = 'orch'): IngressClass => ({
  metadata: { name, annotations: isDefault ? { [DEFAULT_CLASS_ANNOTATION]: 'true' } : {} },
  spec: { controller: CONTROLLER },
});
const otherClass: IngressClass = { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } };

const filter = (isDefault = false) => classFilterFor([orchClass(isDefault), otherClass], CONTROLLER);

/** Every service "a".."g" with port 80 (named http) and one ready endpoint 10.0.0.<n>. */
const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
const services = names.map((n) => svc(n));
const slices = names.map((n, i) => slice(n, [{ name: 'http', port: 8080 }], [`10.0.0.${i + 1}`]));

const build = (ings: Ingress[], o: { secrets?: Secret[]; isDefault?: boolean; services?: Service[]; slices?: EndpointSlice[] } = {}): RouteTable =>
  buildRoutes(ings, o.services ?? services, o.slices ?? slices, o.secrets ?? [], filter(o.isDefault));

/** The service a request goes to, or '404'. */
const target = (t: RouteTable, host: string, p: string) => lookupRoute(t, host, p)?.service ?? '404';

describe('buildRoutes: routing', () => {
  const cases: { name: string; ingresses: Ingress[]; requests: [host: string, path: string, want: string][] }[] = [
    {
      name: 'two hosts, two paths each',
      ingresses: [
        ingress('one', {
          rules: [
            { host: 'foo.example.com', http: { paths: [path('/api', 'a'), path('/web', 'b')] } },
            { host: 'bar.example.com', http: { paths: [path('/api', 'c'), path('/web', 'd')] } },
          ],
        }),
      ],
      requests: [
        ['foo.example.com', '/api/x', 'a'],
        ['foo.example.com:8080', '/web', 'b'],
        ['BAR.example.com', '/api', 'c'],
        ['bar.example.com', '/web/', 'd'],
        ['bar.example.com', '/other', '404'],
        ['baz.example.com', '/api', '404'],
      ],
    },
    {
      name: 'longest path wins; Exact over Prefix on a tie',
      ingresses: [
        ingress('p', {
          rules: [{ host: 'x.io', http: { paths: [path('/', 'a'), path('/foo', 'b'), path('/foo', 'c', 'Exact'), path('/foo/bar', 'd'), path('/foo/', 'e', 'Exact')] } }],
        }),
      ],
      requests: [
        ['x.io', '/foo', 'c'],
        ['x.io', '/foo/', 'e'],
        ['x.io', '/foo/baz', 'b'],
        ['x.io', '/foo/bar/1', 'd'],
        ['x.io', '/foobar', 'a'],
        ['x.io', '/', 'a'],
      ],
    },
    {
      name: 'wildcard hosts cover one label; exact hosts come first',
      ingresses: [
        ingress('w', {
          rules: [
            { host: '*.example.com', http: { paths: [path('/', 'a')] } },
            { host: 'special.example.com', http: { paths: [path('/', 'b')] } },
          ],
        }),
      ],
      requests: [
        ['one.example.com', '/', 'a'],
        ['special.example.com', '/', 'b'],
        ['a.b.example.com', '/', '404'],
        ['example.com', '/', '404'],
      ],
    },
    {
      name: 'host rules over catch-all rules; unmatched host paths fall through to them',
      ingresses: [
        ingress('hosts', { rules: [{ host: 'h.io', http: { paths: [path('/', 'a'), path('/only-here', 'b')] } }] }),
        ingress('all', { rules: [{ http: { paths: [path('/only-here/deeper', 'c'), path('/x', 'd')] } }] }),
        ingress('narrow', { rules: [{ host: 'n.io', http: { paths: [path('/n', 'e')] } }] }),
      ],
      requests: [
        ['h.io', '/only-here/deeper', 'b'],
        ['other.io', '/only-here/deeper', 'c'],
        ['other.io', '/x', 'd'],
        ['n.io', '/x', 'd'],
        ['n.io', '/n', 'e'],
        ['', '/x', 'd'],
      ],
    },
    {
      name: 'default backends: the host\'s Ingress first, then the oldest',
      ingresses: [
        ingress('newer', { defaultBackend: backend('b'), rules: [{ host: 'b.io', http: { paths: [path('/b', 'c')] } }] }, { created: '2024-02-01T00:00:00Z' }),
        ingress('older', { defaultBackend: backend('a') }, { created: '2024-01-01T00:00:00Z' }),
        ingress('hostonly', { defaultBackend: backend('d'), rules: [{ host: 'd.io' }] }, { created: '2024-03-01T00:00:00Z' }),
      ],
      requests: [
        ['b.io', '/b', 'c'],
        ['b.io', '/elsewhere', 'b'],
        ['nowhere.io', '/', 'a'],
        ['d.io', '/anything', 'd'],
      ],
    },
    {
      name: 'the same rule in two Ingresses: the older one wins',
      ingresses: [
        ingress('young', { rules: [{ host: 's.io', http: { paths: [path('/p', 'b')] } }] }, { created: '2024-05-01T00:00:00Z' }),
        ingress('old', { rules: [{ host: 's.io', http: { paths: [path('/p', 'a')] } }] }, { created: '2024-01-01T00:00:00Z' }),
      ],
      requests: [['s.io', '/p', 'a']],
    },
    {
      name: 'ImplementationSpecific is served as Prefix, an empty path as /',
      ingresses: [ingress('is', { rules: [{ host: 'i.io', http: { paths: [path('/app', 'a', 'ImplementationSpecific'), path(undefined, 'b', 'ImplementationSpecific')] } }] })],
      requests: [
        ['i.io', '/app/1', 'a'],
        ['i.io', '/application', 'b'],
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const t = build(c.ingresses);
      assert.deepEqual(t.problems, []);
      for (const [host, p, want] of c.requests) assert.equal(target(t, host, p), want, `${host}${p}`);
    });
  }
});

describe('buildRoutes: classes', () => {
  const rule = (svcName: string) => ({ rules: [{ host: `${svcName}.io`, http: { paths: [path('/', svcName)] } }] });
  const cases: { name: string; ingress: Ingress; isDefault: boolean; served: boolean }[] = [
    { name: 'our class by field', ingress: ingress('x', rule('a')), isDefault: false, served: true },
    { name: 'another class', ingress: ingress('x', rule('a'), { className: 'nginx' }), isDefault: true, served: false },
    { name: 'an unknown class', ingress: ingress('x', rule('a'), { className: 'nope' }), isDefault: true, served: false },
    { name: 'no class, ours not default', ingress: ingress('x', rule('a'), { className: null }), isDefault: false, served: false },
    { name: 'no class, ours default', ingress: ingress('x', rule('a'), { className: null }), isDefault: true, served: true },
    { name: 'legacy annotation naming ours', ingress: ingress('x', rule('a'), { className: null, annotations: { [LEGACY_CLASS_ANNOTATION]: 'orch' } }), isDefault: false, served: true },
    { name: 'legacy annotation naming another', ingress: ingress('x', rule('a'), { className: null, annotations: { [LEGACY_CLASS_ANNOTATION]: 'nginx' } }), isDefault: true, served: false },
    { name: 'being deleted', ingress: { ...ingress('x', rule('a')), metadata: { ...ingress('x', rule('a')).metadata, deletionTimestamp: '2024-01-02T00:00:00Z' } }, isDefault: true, served: false },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.served ? 'served' : 'ignored'}`, () => {
      const t = build([c.ingress], { isDefault: c.isDefault });
      assert.equal(t.served.has(`${NS}/x`), c.served);
      assert.equal(target(t, 'a.io', '/'), c.served ? 'a' : '404');
    });
  }

  it('serves every class whose controller is ours', () => {
    const f = classFilterFor([orchClass(false, 'orch'), orchClass(false, 'orch-internal'), otherClass], CONTROLLER);
    const t = buildRoutes([ingress('x', rule('a'), { className: 'orch-internal' })], services, slices, [], f);
    assert.ok(t.served.has(`${NS}/x`));
  });
});

describe('buildRoutes: backends', () => {
  it('resolves a port by number or name to the slice port, ready endpoints only, in a stable order', () => {
    const svcs = [svc('m', [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'admin', port: 9000, targetPort: 'admin' }])];
    const sl = [
      slice('m', [{ name: 'http', port: 8080 }, { name: 'admin', port: 9090 }], ['10.0.0.9', '10.0.0.3!', '10.0.0.2?'], 'm-1'),
      slice('m', [{ name: 'http', port: 8080 }, { name: 'admin', port: 9090 }], ['10.0.0.1', '10.0.0.9'], 'm-2'),
      slice('other', [{ name: 'http', port: 1 }], ['10.9.9.9'], 'o-1'),
    ];
    const t = buildRoutes(
      [ingress('x', { rules: [{ host: 'm.io', http: { paths: [path('/num', 'm', 'Prefix', 80), path('/name', 'm', 'Prefix', 'admin')] } }] })],
      svcs,
      sl,
      [],
      filter(),
    );
    assert.deepEqual(t.problems, []);
    const byNum = lookupRoute(t, 'm.io', '/num')!;
    assert.equal(byNum.id, `${NS}/m:80`);
    assert.deepEqual(byNum.endpoints.map((e) => e.key), ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.9:8080']);
    const byName = lookupRoute(t, 'm.io', '/name')!;
    assert.deepEqual(byName.endpoints.map((e) => e.key), ['10.0.0.1:9090', '10.0.0.2:9090', '10.0.0.9:9090']);
    assert.deepEqual([...t.endpointKeys].sort(), ['10.0.0.1:8080', '10.0.0.1:9090', '10.0.0.2:8080', '10.0.0.2:9090', '10.0.0.9:8080', '10.0.0.9:9090']);
    assert.deepEqual([...t.references.services], [`${NS}/m`]);
  });

  it('matches an unnamed service port to the unnamed slice port', () => {
    const t = buildRoutes(
      [ingress('x', { defaultBackend: backend('u', 8000) })],
      [svc('u', [{ port: 8000, targetPort: 3000 }])],
      [slice('u', [{ port: 3000 }], ['10.1.1.1'])],
      [],
      filter(),
    );
    assert.deepEqual(lookupRoute(t, 'any', '/')!.endpoints.map((e) => e.key), ['10.1.1.1:3000']);
  });

  it('keeps a backend with no ready endpoints (the proxy answers 503), with no problem reported', () => {
    const t = build([ingress('x', { defaultBackend: backend('z') })], { services: [svc('z')], slices: [slice('z', [{ name: 'http', port: 8080 }], ['10.0.0.1!'])] });
    const b = lookupRoute(t, 'h', '/')!;
    assert.equal(b.unavailable, undefined);
    assert.deepEqual(b.endpoints, []);
    assert.deepEqual(t.problems, []);
  });

  const bad: { name: string; backend: IngressBackend; services?: Service[]; reason: string; message: RegExp }[] = [
    { name: 'a missing service', backend: backend('nope'), reason: 'ServiceNotFound', message: /Service web\/nope not found/ },
    { name: 'a missing port number', backend: backend('a', 81), reason: 'InvalidBackend', message: /has no port 81/ },
    { name: 'a missing port name', backend: backend('a', 'grpc'), reason: 'InvalidBackend', message: /has no port "grpc"/ },
    { name: 'a resource backend', backend: { resource: { kind: 'StorageBucket', name: 'assets', apiGroup: 'k8s.example.com' } }, reason: 'InvalidBackend', message: /not supported/ },
    {
      name: 'an ExternalName service',
      backend: backend('ext'),
      services: [svc('ext', [{ port: 80 }], { type: 'ExternalName', externalName: 'example.com' })],
      reason: 'InvalidBackend',
      message: /ExternalName/,
    },
    { name: 'a UDP port', backend: backend('udp', 53), services: [svc('udp', [{ port: 53, protocol: 'UDP' }])], reason: 'InvalidBackend', message: /UDP/ },
  ];
  for (const c of bad) {
    it(`reports ${c.name} as ${c.reason} and answers 503 for it`, () => {
      const ing = ingress('bad', { rules: [{ host: 'bad.io', http: { paths: [{ path: '/', pathType: 'Prefix', backend: c.backend }] } }] });
      const t = build([ing, ingress('good', { rules: [{ host: 'good.io', http: { paths: [path('/', 'a')] } }] })], { services: c.services ? [...services, ...c.services] : services });
      assert.equal(t.problems.length, 1, JSON.stringify(t.problems));
      assert.equal(t.problems[0].ingress, `${NS}/bad`);
      assert.equal(t.problems[0].reason, c.reason);
      assert.match(t.problems[0].message, c.message);
      assert.match(lookupRoute(t, 'bad.io', '/')!.unavailable ?? '', c.message);
      assert.equal(target(t, 'good.io', '/'), 'a', 'the rest of the table still works');
    });
  }

  it('reports a problem once per Ingress however many paths share the bad backend', () => {
    const t = build([ingress('x', { rules: [{ host: 'x.io', http: { paths: [path('/1', 'nope'), path('/2', 'nope')] } }, { host: 'y.io', http: { paths: [path('/', 'nope')] } }] })]);
    assert.equal(t.problems.length, 1);
  });

  it('looks services up in the Ingress\'s own namespace only', () => {
    const t = build([ingress('x', { defaultBackend: backend('a') }, { ns: 'elsewhere' })]);
    assert.equal(t.problems[0]?.reason, 'ServiceNotFound');
  });
});

describe('buildRoutes: TLS', () => {
  const tlsSecret = (name: string, rv = '1', data: Record<string, string> | undefined = { 'tls.crt': Buffer.from(`CERT ${name}`).toString('base64'), 'tls.key': Buffer.from(`KEY ${name}`).toString('base64') }, ns = NS): Secret => ({
    metadata: { name, namespace: ns, resourceVersion: rv },
    type: 'kubernetes.io/tls',
    data,
  });

  it('maps hosts to their secrets, wildcards included, and hosts without a list to the rule hosts', () => {
    const t = build(
      [
        ingress('x', {
          tls: [{ hosts: ['a.io', '*.w.io'], secretName: 's1' }, { secretName: 's2' }],
          rules: [{ host: 'r1.io', http: { paths: [path('/', 'a')] } }, { host: 'r2.io', http: { paths: [path('/', 'a')] } }],
        }),
      ],
      { secrets: [tlsSecret('s1', '7'), tlsSecret('s2')] },
    );
    assert.deepEqual(t.problems, []);
    assert.equal(lookupTls(t, 'a.io')?.secret, `${NS}/s1`);
    assert.equal(lookupTls(t, 'a.io')?.resourceVersion, '7');
    assert.equal(lookupTls(t, 'a.io')?.certPem, 'CERT s1');
    assert.equal(lookupTls(t, 'x.w.io')?.secret, `${NS}/s1`);
    assert.equal(lookupTls(t, 'y.x.w.io'), undefined);
    assert.equal(lookupTls(t, 'R1.io')?.secret, `${NS}/s2`);
    assert.equal(lookupTls(t, 'r2.io')?.secret, `${NS}/s2`);
    assert.equal(lookupTls(t, 'unknown.io'), undefined);
    assert.equal(lookupTls(t, undefined), undefined);
    assert.deepEqual([...t.references.secrets].sort(), [`${NS}/s1`, `${NS}/s2`]);
  });

  it('reports missing secrets, secrets of other namespaces and secrets without keys', () => {
    const t = build([ingress('x', { tls: [{ hosts: ['a.io'], secretName: 'missing' }, { hosts: ['b.io'], secretName: 'empty' }, { hosts: ['c.io'], secretName: 'far' }], defaultBackend: backend('a') })], {
      secrets: [tlsSecret('empty', '1', {}), tlsSecret('far', '1', undefined, 'other-ns')],
    });
    assert.deepEqual(
      t.problems.map((p) => p.reason),
      ['SecretNotFound', 'InvalidSecret', 'SecretNotFound'],
    );
    assert.equal(t.tls.size, 0);
  });

  it('gives a host to the older Ingress when two name different secrets for it', () => {
    const t = build(
      [
        ingress('young', { tls: [{ hosts: ['a.io'], secretName: 'young' }], defaultBackend: backend('a') }, { created: '2024-06-01T00:00:00Z' }),
        ingress('old', { tls: [{ hosts: ['a.io'], secretName: 'old' }], defaultBackend: backend('a') }, { created: '2024-01-01T00:00:00Z' }),
      ],
      { secrets: [tlsSecret('young'), tlsSecret('old')] },
    );
    assert.equal(lookupTls(t, 'a.io')?.secret, `${NS}/old`);
  });

  it('ignores TLS of Ingresses it does not serve', () => {
    const t = build([ingress('x', { tls: [{ hosts: ['a.io'], secretName: 'missing' }], defaultBackend: backend('a') }, { className: 'nginx' })]);
    assert.deepEqual(t.problems, []);
    assert.equal(t.served.size, 0);
  });
});
