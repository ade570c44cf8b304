import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from './index.js';

const TEMPLATE_SPEC_DEFAULTS = {
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  schedulerName: 'default-scheduler',
  securityContext: {},
};

const CONTAINER_DEFAULTS = {
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  resources: {},
};

test('a minimal pod gets what Kubernetes stores', () => {
  const pod: any = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  applyDefaults('Pod', pod);
  assert.deepEqual(pod.spec, {
    ...TEMPLATE_SPEC_DEFAULTS,
    containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'Always', ...CONTAINER_DEFAULTS }],
    enableServiceLinks: true,
    serviceAccountName: 'default',
    serviceAccount: 'default',
  });
});

test('what the user set is kept', () => {
  const spec = {
    containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'Never', terminationMessagePolicy: 'FallbackToLogsOnError', resources: { limits: { cpu: '1' } } }],
    restartPolicy: 'Never',
    dnsPolicy: 'Default',
    terminationGracePeriodSeconds: 0,
    serviceAccountName: 'builder',
    enableServiceLinks: false,
  };
  const pod: any = { metadata: { name: 'p' }, spec: structuredClone(spec) };
  applyDefaults('Pod', pod);
  assert.equal(pod.spec.restartPolicy, 'Never');
  assert.equal(pod.spec.dnsPolicy, 'Default');
  assert.equal(pod.spec.terminationGracePeriodSeconds, 0);
  assert.equal(pod.spec.enableServiceLinks, false);
  assert.equal(pod.spec.serviceAccountName, 'builder');
  assert.equal(pod.spec.serviceAccount, 'builder');
  assert.equal(pod.spec.containers[0].imagePullPolicy, 'Never');
  assert.equal(pod.spec.containers[0].terminationMessagePolicy, 'FallbackToLogsOnError');
  assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '1' }, requests: { cpu: '1' } }, 'requests default to limits on pods');
});

test('container parts: ports, probes, hooks, env', () => {
  const pod: any = {
    spec: {
      containers: [
        {
          name: 'c',
          image: 'app:1',
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
          livenessProbe: { httpGet: { port: 8080 } },
          readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
          lifecycle: { preStop: { httpGet: { port: 80, path: '/quit' } } },
          env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        },
      ],
    },
  };
  applyDefaults('Pod', pod);
  const c = pod.spec.containers[0];
  assert.deepEqual(c.ports, [
    { containerPort: 80, protocol: 'TCP' },
    { containerPort: 53, protocol: 'UDP' },
  ]);
  assert.deepEqual(c.livenessProbe, {
    httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(c.readinessProbe.periodSeconds, 5);
  assert.deepEqual(c.lifecycle.preStop.httpGet, { port: 80, path: '/quit', scheme: 'HTTP' });
  assert.deepEqual(c.env[0].valueFrom.fieldRef, { fieldPath: 'spec.nodeName', apiVersion: 'v1' });
});

test('volumes get their modes, and a volume without a source is an emptyDir', () => {
  const pod: any = {
    spec: {
      containers: [{ name: 'c', image: 'x:1' }],
      volumes: [
        { name: 'a' },
        { name: 's', secret: { secretName: 's' } },
        { name: 'c', configMap: { name: 'c', defaultMode: 0o400 } },
        { name: 'h', hostPath: { path: '/var/log' } },
        { name: 'd', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'p', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
      ],
    },
  };
  applyDefaults('Pod', pod);
  assert.deepEqual(pod.spec.volumes, [
    { name: 'a', emptyDir: {} },
    { name: 's', secret: { secretName: 's', defaultMode: 420 } },
    { name: 'c', configMap: { name: 'c', defaultMode: 0o400 } },
    { name: 'h', hostPath: { path: '/var/log', type: '' } },
    { name: 'd', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels', apiVersion: 'v1' } }], defaultMode: 420 } },
    { name: 'p', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }], defaultMode: 420 } },
  ]);
});

test('host networking makes container ports host ports', () => {
  const pod: any = { spec: { hostNetwork: true, containers: [{ name: 'c', image: 'x:1', ports: [{ containerPort: 9100 }] }] } };
  applyDefaults('Pod', pod);
  assert.equal(pod.spec.containers[0].ports[0].hostPort, 9100);
});

test('malformed objects are left for validation to report', () => {
  for (const spec of [undefined, null, 'x', { containers: 'nope' }, { containers: [null, 3] }]) {
    const pod: any = { spec };
    assert.doesNotThrow(() => applyDefaults('Pod', pod));
  }
  assert.doesNotThrow(() => applyDefaults('Pod', null));
});
