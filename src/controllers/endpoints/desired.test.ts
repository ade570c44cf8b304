import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { HEADLESS_LABEL, MANAGED_BY, MANAGED_BY_LABEL, desiredLabels, desiredSubsets, endpointsUpToDate } from './desired.js';
import { endpointFingerprint, findPort, servicesSelecting, shouldPodBeInEndpoints } from './pod-helpers.js';

function svc(spec: Service['spec'] = {}, labels?: Record<string, string>): Service {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels },
    spec: { selector: { app: 'web' }, clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
  };
}

interface PodOpts {
  ip?: string;
  ready?: boolean;
  terminating?: boolean;
  phase?: string;
  node?: string;
  ports?: { name: string; containerPort: number; protocol?: string }[];
  hostname?: string;
  subdomain?: string;
}

function pod(name: string, o: PodOpts = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, ...(o.terminating ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: {
      nodeName: o.node,
      hostname: o.hostname,
      subdomain: o.subdomain,
      containers: [{ name: 'c', image: 'x', ports: o.ports }],
    },
    status: {
      phase: o.phase ?? 'Running',
      podIP: o.ip,
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

const ref = (name: string) => ({ kind: 'Pod', namespace: 'ns', name, uid: `uid-${name}` });

describe('desiredSubsets', () => {
  const cases: { name: string; svc: Service; pods: Pod[]; want: unknown }[] = [
    {
      name: 'ready and not-ready pods share a subset, sorted by IP',
      svc: svc(),
      pods: [pod('b', { ip: '10.0.0.2', node: 'n1' }), pod('a', { ip: '10.0.0.1', ready: false }), pod('c', { ip: '10.0.0.3' })],
      want: [
        {
          addresses: [
            { ip: '10.0.0.2', nodeName: 'n1', targetRef: ref('b') },
            { ip: '10.0.0.3', targetRef: ref('c') },
          ],
          notReadyAddresses: [{ ip: '10.0.0.1', targetRef: ref('a') }],
          ports: [{ port: 8080, protocol: 'TCP', name: 'http' }],
        },
      ],
    },
    {
      name: 'pods without an IP, finished or terminating are left out',
      svc: svc(),
      pods: [pod('noip'), pod('done', { ip: '10.0.0.4', phase: 'Succeeded' }), pod('bye', { ip: '10.0.0.5', terminating: true }), pod('ok', { ip: '10.0.0.6' })],
      want: [{ addresses: [{ ip: '10.0.0.6', targetRef: ref('ok') }], ports: [{ port: 8080, protocol: 'TCP', name: 'http' }] }],
    },
    {
      name: 'publishNotReadyAddresses publishes every pod as ready, terminating ones too',
      svc: svc({ publishNotReadyAddresses: true }),
      pods: [pod('a', { ip: '10.0.0.1', ready: false }), pod('b', { ip: '10.0.0.2', terminating: true })],
      want: [
        {
          addresses: [
            { ip: '10.0.0.1', targetRef: ref('a') },
            { ip: '10.0.0.2', targetRef: ref('b') },
          ],
          ports: [{ port: 8080, protocol: 'TCP', name: 'http' }],
        },
      ],
    },
    {
      name: 'a named targetPort resolves per pod; pods lacking it are left out',
      svc: svc({ ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }] }),
      pods: [
        pod('a', { ip: '10.0.0.1', ports: [{ name: 'web', containerPort: 8080 }] }),
        pod('b', { ip: '10.0.0.2', ports: [{ name: 'web', containerPort: 9090 }] }),
        pod('c', { ip: '10.0.0.3', ports: [{ name: 'other', containerPort: 8080 }] }),
        pod('d', { ip: '10.0.0.4', ports: [{ name: 'web', containerPort: 8080, protocol: 'UDP' }] }),
      ],
      want: [
        { addresses: [{ ip: '10.0.0.1', targetRef: ref('a') }], ports: [{ port: 8080, protocol: 'TCP', name: 'http' }] },
        { addresses: [{ ip: '10.0.0.2', targetRef: ref('b') }], ports: [{ port: 9090, protocol: 'TCP', name: 'http' }] },
      ],
    },
    {
      name: 'pods serving only some of the ports get a subset of their own',
      svc: svc({
        ports: [
          { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
          { name: 'metrics', port: 9100, targetPort: 9100, protocol: 'TCP' },
        ],
      }),
      pods: [pod('a', { ip: '10.0.0.1', ports: [{ name: 'http', containerPort: 8080 }] }), pod('b', { ip: '10.0.0.2' })],
      want: [
        {
          addresses: [{ ip: '10.0.0.1', targetRef: ref('a') }],
          ports: [
            { port: 8080, protocol: 'TCP', name: 'http' },
            { port: 9100, protocol: 'TCP', name: 'metrics' },
          ],
        },
        { addresses: [{ ip: '10.0.0.2', targetRef: ref('b') }], ports: [{ port: 9100, protocol: 'TCP', name: 'metrics' }] },
      ],
    },
    {
      name: 'a headless Service without ports still lists its pods, with hostnames',
      svc: svc({ clusterIP: 'None', ports: [] }),
      pods: [pod('a', { ip: '10.0.0.1', hostname: 'a', subdomain: 'web' }), pod('b', { ip: '10.0.0.2', hostname: 'b', subdomain: 'other' })],
      want: [
        {
          addresses: [
            { ip: '10.0.0.1', hostname: 'a', targetRef: ref('a') },
            { ip: '10.0.0.2', targetRef: ref('b') },
          ],
        },
      ],
    },
    {
      name: 'a Service with ports none of which a pod serves lists nothing',
      svc: svc({ ports: [{ name: 'x', port: 80, targetPort: 'missing', protocol: 'TCP' }] }),
      pods: [pod('a', { ip: '10.0.0.1' })],
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(desiredSubsets(c.svc, c.pods), c.want));
  }
});

describe('endpointsUpToDate', () => {
  const s = svc({}, { team: 'a' });
  const subsets = desiredSubsets(s, [pod('a', { ip: '10.0.0.1' }), pod('b', { ip: '10.0.0.2', ready: false })]);
  const labels = desiredLabels(s);
  const stored: Endpoints = {
    metadata: { name: 'web', namespace: 'ns', labels: { [MANAGED_BY_LABEL]: MANAGED_BY, team: 'a' } },
    subsets: [
      {
        // As the server returns it: other order, empty lists, a targetRef resourceVersion.
        notReadyAddresses: [{ ip: '10.0.0.2', targetRef: { ...ref('b'), resourceVersion: '7' } }],
        addresses: [{ ip: '10.0.0.1', targetRef: ref('a') }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
      { addresses: [], notReadyAddresses: [], ports: [] },
    ],
  };
  it('ignores order, empty lists and pod resourceVersions', () => assert.equal(endpointsUpToDate(stored, subsets, labels), true));
  it('sees a changed address', () => {
    const changed = structuredClone(stored);
    changed.subsets![0].addresses![0].ip = '10.0.0.9';
    assert.equal(endpointsUpToDate(changed, subsets, labels), false);
  });
  it('sees changed labels', () => assert.equal(endpointsUpToDate(stored, subsets, { ...labels, team: 'b' }), false));
});

describe('desiredLabels', () => {
  it('copies the Service labels and marks headless Services and the manager', () => {
    assert.deepEqual(desiredLabels(svc({ clusterIP: 'None' }, { app: 'x' })), { app: 'x', [HEADLESS_LABEL]: '', [MANAGED_BY_LABEL]: MANAGED_BY });
    assert.deepEqual(desiredLabels(svc({}, { [HEADLESS_LABEL]: '' })), { [MANAGED_BY_LABEL]: MANAGED_BY });
  });
});

describe('pod helpers', () => {
  it('findPort: numbers as is, names by container port and protocol, missing target means the port', () => {
    const p = pod('a', { ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 5353 }] });
    assert.equal(findPort(p, { port: 80, targetPort: 8080 }), 8080);
    assert.equal(findPort(p, { port: 80 }), 80);
    assert.equal(findPort(p, { port: 53, targetPort: 'dns', protocol: 'UDP' }), 53);
    assert.equal(findPort(p, { port: 53, targetPort: 'dns' }), undefined);
    assert.equal(findPort(p, { port: 53, targetPort: 'dns-tcp' }), 5353);
  });
  it('shouldPodBeInEndpoints keeps terminating pods only when asked', () => {
    const t = pod('a', { ip: '10.0.0.1', terminating: true });
    assert.equal(shouldPodBeInEndpoints(t, false), false);
    assert.equal(shouldPodBeInEndpoints(t, true), true);
    assert.equal(shouldPodBeInEndpoints(pod('b', { ip: '10.0.0.1', phase: 'Failed' }), true), false);
  });
  it('servicesSelecting matches selectors in the pod namespace only, never selector-less Services', () => {
    const other = { ...svc(), metadata: { name: 'other', namespace: 'elsewhere' } };
    const none = { ...svc({ selector: undefined }), metadata: { name: 'manual', namespace: 'ns' } };
    const empty = { ...svc({ selector: {} }), metadata: { name: 'empty', namespace: 'ns' } };
    assert.deepEqual(servicesSelecting([svc(), other, none, empty], pod('a')), ['ns/web']);
  });
  it('endpointFingerprint ignores what endpoints do not show', () => {
    const a = pod('a', { ip: '10.0.0.1' });
    const b = structuredClone(a);
    b.metadata!.annotations = { x: 'y' };
    b.status!.conditions!.push({ type: 'ContainersReady', status: 'True' });
    assert.equal(endpointFingerprint(a), endpointFingerprint(b));
    b.status!.conditions![0].status = 'False';
    assert.notEqual(endpointFingerprint(a), endpointFingerprint(b));
  });
});
