import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { buildContainerConfig, containerEnv, ContainerConfigError, expand, linuxResources, serviceEnv, type EnvSources } from './container-config.js';

const svc = (ns: string, name: string, clusterIP: string, ports: ServicePort[]): Service => ({ metadata: { namespace: ns, name }, spec: { clusterIP, ports } });

const pod = (extra: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'app', uid: 'u-1', labels: { b: '2', a: '1' } },
  spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: '500m', memory: '64Mi' } } }], ...extra },
});

test('service links in the kubelet format: HOST, PORT, named ports and the docker-link family', () => {
  const vars = Object.fromEntries(serviceEnv(pod(), [svc('app', 'my-web', '10.96.1.2', [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }])]).map((v) => [v.key, v.value]));
  assert.deepEqual(vars, {
    MY_WEB_SERVICE_HOST: '10.96.1.2',
    MY_WEB_SERVICE_PORT: '80',
    MY_WEB_SERVICE_PORT_HTTP: '80',
    MY_WEB_SERVICE_PORT_DNS: '53',
    MY_WEB_PORT: 'tcp://10.96.1.2:80',
    MY_WEB_PORT_80_TCP: 'tcp://10.96.1.2:80',
    MY_WEB_PORT_80_TCP_PROTO: 'tcp',
    MY_WEB_PORT_80_TCP_PORT: '80',
    MY_WEB_PORT_80_TCP_ADDR: '10.96.1.2',
    MY_WEB_PORT_53_UDP: 'udp://10.96.1.2:53',
    MY_WEB_PORT_53_UDP_PROTO: 'udp',
    MY_WEB_PORT_53_UDP_PORT: '53',
    MY_WEB_PORT_53_UDP_ADDR: '10.96.1.2',
  });
});

test('service links: other namespaces and headless services are left out; kubernetes from default always comes in', () => {
  const services = [svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443 }]), svc('other', 'x', '10.96.3.3', [{ port: 1 }]), svc('app', 'headless', 'None', [{ port: 2 }])];
  const keys = serviceEnv(pod(), services).map((v) => v.key);
  assert.ok(keys.includes('KUBERNETES_SERVICE_HOST'));
  assert.ok(!keys.some((k) => k.startsWith('X_') || k.startsWith('HEADLESS_')));
  const off = serviceEnv(pod({ enableServiceLinks: false }), [...services, svc('app', 'mine', '10.96.4.4', [{ port: 3 }])]).map((v) => v.key);
  assert.ok(off.includes('KUBERNETES_SERVICE_HOST') && !off.some((k) => k.startsWith('MINE_')));
});

test('$(VAR) expansion: known names replaced, $$ escapes, unknown references kept', () => {
  const vars = new Map([['A', 'x']]);
  assert.equal(expand('$(A)-$(B)-$$(A)', vars), 'x-$(B)-$(A)');
});

test('resources: cpu request → shares, cpu limit → quota, memory limit → bytes', () => {
  assert.deepEqual(linuxResources({ name: 'c', resources: { requests: { cpu: '250m' }, limits: { cpu: '1', memory: '128Mi' } } }), {
    cpu_shares: 256,
    cpu_period: 100_000,
    cpu_quota: 100_000,
    memory_limit_in_bytes: String(128 * 2 ** 20),
  });
  assert.equal(linuxResources({ name: 'c' }).cpu_shares, 2, 'best-effort gets the minimum');
});

const sources = (over: Partial<EnvSources> = {}): EnvSources => ({
  configMap: async (_ns, name) => (name === 'cfg' ? { metadata: { name }, data: { k: 'v', other: 'o' } } : undefined),
  secret: async (_ns, name) => (name === 'sec' ? { metadata: { name }, data: { pw: Buffer.from('s3').toString('base64') } } : undefined),
  services: () => [],
  podIPs: ['10.244.0.7'],
  hostIP: '192.0.2.1',
  nodeName: 'n1',
  ...over,
});

test('env: envFrom with prefix, then env (which wins), refs to ConfigMaps, Secrets, fields and resources', async () => {
  const p = pod();
  const c = {
    ...p.spec!.containers[0],
    envFrom: [{ prefix: 'CM_', configMapRef: { name: 'cfg' } }, { secretRef: { name: 'sec' } }],
    env: [
      { name: 'CM_k', value: 'overridden' },
      { name: 'S', valueFrom: { secretKeyRef: { name: 'sec', key: 'pw' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
      { name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
      { name: 'LA', valueFrom: { fieldRef: { fieldPath: "metadata.labels['a']" } } },
      { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'missing', key: 'x', optional: true } } },
      { name: 'REF', value: '$(S)!' },
    ],
  };
  const env = Object.fromEntries((await containerEnv(p, c, sources(), { cpu: 2, memory: 2 ** 30 })).map((v) => [v.key, v.value]));
  assert.deepEqual(env, { CM_k: 'overridden', CM_other: 'o', pw: 's3', S: 's3', IP: '10.244.0.7', NODE: 'n1', SA: 'sa', LABELS: 'a="1"\nb="2"', LA: '1', MEM: '64', CPU: '500', REF: 's3!' });
});

test('env: a missing required ConfigMap or key is a ContainerConfigError naming it', async () => {
  const p = pod();
  const missing = { ...p.spec!.containers[0], env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] };
  await assert.rejects(containerEnv(p, missing, sources(), { cpu: 1, memory: 1 }), (e: unknown) => e instanceof ContainerConfigError && /configmap "nope" not found/.test(e.message));
  const badKey = { ...p.spec!.containers[0], env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'sec', key: 'nokey' } } }] };
  await assert.rejects(containerEnv(p, badKey, sources(), { cpu: 1, memory: 1 }), /couldn't find key nokey in Secret app\/sec/);
});

test('container config: command/args expanded, labels to find it again, restart count, security context', () => {
  const p = pod({ securityContext: { runAsUser: 1000 } });
  const c = { name: 'c', image: 'x', command: ['sh', '-c'], args: ['echo $(A)'], workingDir: '/w', securityContext: { readOnlyRootFilesystem: true, runAsGroup: 7 } };
  const cfg = buildContainerConfig({ pod: p, container: c, kind: 'app', restartCount: 3, image: 'x', envs: [{ key: 'A', value: 'hi' }], mounts: [] });
  assert.deepEqual(cfg.args, ['echo hi']);
  assert.equal(cfg.metadata.attempt, 3);
  assert.equal(cfg.labels?.['io.kubernetes.pod.uid'], 'u-1');
  assert.equal(cfg.annotations?.['io.kubernetes.container.restartCount'], '3');
  assert.equal(cfg.log_path, 'c/3.log');
  assert.deepEqual(cfg.linux?.security_context?.run_as_user, { value: 1000 });
  assert.deepEqual(cfg.linux?.security_context?.run_as_group, { value: 7 });
  assert.equal(cfg.linux?.security_context?.readonly_rootfs, true);
  assert.equal(cfg.working_dir, '/w');
});
