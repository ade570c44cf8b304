import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../../machinery/errors.js';
import { decodeKubernetesProtobuf, goDuration, kubernetesProtobufRoot, supportsKind } from './decode.js';

// The tests run from src/ (tsx) and from dist/ (tsc output): find the repository root, where
// the fixtures and the .proto sources live, by walking up to package.json.
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test file');
    dir = up;
  }
  return dir;
}

const root = repoRoot();
const fixtures = join(root, 'test/fixtures/protobuf');

function expectApiError(fn: () => unknown, code: number, pattern: RegExp): ApiError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ApiError, `expected an ApiError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, pattern);
  return caught;
}

/** Wraps an object encoded with orch's schema in the envelope kubectl sends. */
function body(apiVersion: string, kind: string, typeName: string, object: Record<string, unknown>, extra: Record<string, unknown> = {}): Uint8Array {
  const pb = kubernetesProtobufRoot();
  const type = pb.lookupType(typeName);
  const raw = type.encode(type.fromObject(object)).finish();
  const unknown = pb.lookupType('orch.runtime.Unknown');
  const env = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '', ...extra })).finish();
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), env]);
}

// ------------------------------------------------------------------ real kubectl bodies

// Every fixture was captured from kubectl 1.32 by capture-fixtures.ts: <name>.bin is the POST
// body and <name>.json what `kubectl … -o json --dry-run=client` printed for the same command.
// They compare equal with no normalisation: the dry-run printer writes the very Go object that
// kubectl encodes, including `creationTimestamp: null`, `strategy: {}`, `resources: {}` and
// `status: {}` for the empty non-pointer structs (which Go clients also write in protobuf).
const cases = readdirSync(fixtures)
  .filter((f) => f.endsWith('.bin') && !f.startsWith('unsupported-'))
  .map((f) => f.slice(0, -'.bin'.length))
  .sort();

test('fixtures exist', () => {
  assert.ok(cases.length >= 12, `only ${cases.length} fixtures in ${fixtures}`);
});

for (const name of cases) {
  test(`kubectl body ${name} decodes to what kubectl would send as JSON`, () => {
    const got = decodeKubernetesProtobuf(readFileSync(join(fixtures, `${name}.bin`)));
    const want = JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8')) as unknown;
    assert.deepStrictEqual(got, want);
    // Go writes kind and apiVersion first; keep that order too.
    assert.deepEqual(Object.keys(got).slice(0, 2), ['kind', 'apiVersion']);
  });
}

test('a kind without a message is 415 UnsupportedMediaType naming the kind', () => {
  // Captured from `kubectl create priorityclass`.
  const err = expectApiError(
    () => decodeKubernetesProtobuf(readFileSync(join(fixtures, 'unsupported-priorityclass.bin'))),
    415,
    /scheduling\.k8s\.io\/v1, Kind=PriorityClass/,
  );
  assert.equal(err.reason, 'UnsupportedMediaType');
  assert.deepEqual(err.details, { group: 'scheduling.k8s.io', kind: 'PriorityClass' });
  assert.equal(err.toStatus().code, 415);
  assert.equal(supportsKind('scheduling.k8s.io/v1', 'PriorityClass'), false);
  assert.equal(supportsKind('apps/v1', 'Deployment'), true);
  assert.equal(supportsKind('batch/v1', 'CronJob'), true);
  // A core kind with no message, from an envelope built here.
  expectApiError(() => decodeKubernetesProtobuf(body('v1', 'Node', 'orch.core.v1.Namespace', {})), 415, /v1, Kind=Node/);
});

// ------------------------------------------------------------------ malformed bodies

test('a body without the k8s\\0 prefix is 400 BadRequest', () => {
  expectApiError(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Namespace","apiVersion":"v1"}')), 400, /k8s/);
  expectApiError(() => decodeKubernetesProtobuf(new Uint8Array()), 400, /k8s/);
  expectApiError(() => decodeKubernetesProtobuf(Buffer.from('k8s')), 400, /k8s/);
  const err = expectApiError(() => decodeKubernetesProtobuf(Buffer.from('k9s\0\x0a\x00', 'latin1')), 400, /k8s/);
  assert.equal(err.reason, 'BadRequest');
});

test('a truncated body is 400 BadRequest', () => {
  const full = readFileSync(join(fixtures, 'deployment-web.bin'));
  for (const len of [5, 12, 40, Math.floor(full.length / 2), full.length - 30]) {
    expectApiError(() => decodeKubernetesProtobuf(full.subarray(0, len)), 400, /could not be decoded|apiVersion and kind/);
  }
});

test('a truncated object inside a whole envelope is 400 naming the kind', () => {
  const pb = kubernetesProtobufRoot();
  const unknown = pb.lookupType('orch.runtime.Unknown');
  const full = readFileSync(join(fixtures, 'deployment-web.bin')).subarray(4);
  const env = unknown.toObject(unknown.decode(full)) as { raw: Uint8Array };
  const cut = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion: 'apps/v1', kind: 'Deployment' }, raw: env.raw.subarray(0, 50) })).finish();
  expectApiError(() => decodeKubernetesProtobuf(Buffer.concat([Buffer.from('k8s\0', 'latin1'), cut])), 400, /as Deployment/);
});

test('garbage after the prefix is 400 BadRequest', () => {
  expectApiError(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), 400, /could not be decoded/);
  expectApiError(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0f, 0x01])), 400, /could not be decoded/);
});

test('an envelope without apiVersion or kind is 400 BadRequest', () => {
  expectApiError(() => decodeKubernetesProtobuf(Buffer.from('k8s\0', 'latin1')), 400, /apiVersion and kind/);
  expectApiError(() => decodeKubernetesProtobuf(body('', 'Namespace', 'orch.core.v1.Namespace', {})), 400, /apiVersion and kind/);
  expectApiError(() => decodeKubernetesProtobuf(body('v1', '', 'orch.core.v1.Namespace', {})), 400, /apiVersion and kind/);
});

test('a content encoding is 415', () => {
  expectApiError(() => decodeKubernetesProtobuf(body('v1', 'Namespace', 'orch.core.v1.Namespace', {}, { contentEncoding: 'gzip' })), 415, /gzip/);
});

// ------------------------------------------------------------------ Go JSON rules, field by field

test('a Deployment with a full pod template decodes as Go would write it', () => {
  const pod = {
    metadata: { labels: { app: 'api' }, annotations: { 'example.com/a': 'b' }, creationTimestamp: {} },
    spec: {
      volumes: [
        { name: 'scratch', volumeSource: { emptyDir: { medium: '' } } },
        { name: 'mem', volumeSource: { emptyDir: { medium: 'Memory', sizeLimit: { string: '64Mi' } } } },
        { name: 'cfg', volumeSource: { configMap: { localObjectReference: { name: 'app-config' }, items: [{ key: 'a', path: 'a.txt' }], defaultMode: 420 } } },
        { name: 'sec', volumeSource: { secret: { secretName: 'creds', defaultMode: 256, optional: false } } },
        { name: 'data', volumeSource: { persistentVolumeClaim: { claimName: 'data', readOnly: false } } },
        { name: 'host', volumeSource: { hostPath: { path: '/var/log', type: 'Directory' } } },
        { name: 'info', volumeSource: { downwardAPI: { items: [{ path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } }] } } },
        {
          name: 'token',
          volumeSource: {
            projected: {
              sources: [
                { serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } },
                { configMap: { localObjectReference: { name: 'kube-root-ca.crt' }, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                { downwardAPI: { items: [{ path: 'cpu', resourceFieldRef: { containerName: 'api', resource: 'limits.cpu', divisor: { string: '1m' } } }] } },
              ],
            },
          },
        },
      ],
      initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'] }],
      containers: [
        {
          name: 'api',
          image: 'example/api:1',
          args: ['--port=8080'],
          workingDir: '',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP', hostPort: 0, hostIP: '' }],
          envFrom: [{ prefix: 'CFG_', configMapRef: { localObjectReference: { name: 'app-config' } } }, { secretRef: { localObjectReference: { name: 'creds' }, optional: true } }],
          env: [
            { name: 'PLAIN', value: 'x' },
            { name: 'EMPTY', value: '' },
            { name: 'FROM_CM', valueFrom: { configMapKeyRef: { localObjectReference: { name: 'app-config' }, key: 'k' } } },
            { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { localObjectReference: { name: 'creds' }, key: 'password', optional: false } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
          ],
          resources: { limits: { cpu: { string: '500m' }, memory: { string: '128Mi' } }, requests: { cpu: { string: '100m' } } },
          volumeMounts: [
            { name: 'cfg', mountPath: '/etc/app', readOnly: true },
            { name: 'data', mountPath: '/data', subPath: 'api', readOnly: false },
          ],
          livenessProbe: { handler: { httpGet: { path: '/healthz', port: { type: 0, intVal: 8080 }, scheme: 'HTTP' } }, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3 },
          readinessProbe: { handler: { tcpSocket: { port: { type: 1, strVal: 'http' } } }, timeoutSeconds: 0 },
          startupProbe: { handler: { exec: { command: ['cat', '/tmp/ready'] } } },
          lifecycle: { preStop: { sleep: { seconds: 5 } }, postStart: { exec: { command: ['true'] } } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
          securityContext: {
            runAsNonRoot: false,
            runAsUser: 1000,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          stdin: false,
          tty: false,
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 0,
      dnsPolicy: 'ClusterFirst',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      serviceAccountName: 'api',
      automountServiceAccountToken: false,
      hostNetwork: false,
      securityContext: { fsGroup: 2000, supplementalGroups: [3000, 4000], sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
      imagePullSecrets: [{ name: 'regcred' }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] },
        },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'api' } }, topologyKey: 'kubernetes.io/hostname' } }] },
      },
      schedulerName: 'default-scheduler',
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'api', effect: 'NoExecute', tolerationSeconds: 0 }],
      hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local'] }],
      priority: 0,
      dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
      enableServiceLinks: true,
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'api' } } }],
    },
  };
  const object = {
    metadata: {
      name: 'api',
      namespace: 'prod',
      generateName: '',
      uid: '',
      generation: 0,
      labels: { app: 'api' },
      creationTimestamp: { seconds: 1700000000, nanos: 123456789 },
      deletionTimestamp: { seconds: 1700000060, nanos: 0 },
      deletionGracePeriodSeconds: 0,
      ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'App', name: 'api', uid: 'u-1', controller: true }],
      finalizers: ['example.com/cleanup'],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
      template: pod,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 0, intVal: 0 }, maxSurge: { type: 1, strVal: '25%' } } },
      minReadySeconds: 0,
      revisionHistoryLimit: 10,
      paused: false,
      progressDeadlineSeconds: 600,
    },
  };

  const got = decodeKubernetesProtobuf(body('apps/v1', 'Deployment', 'orch.apps.v1.Deployment', object));

  const want = {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: {
      name: 'api',
      namespace: 'prod',
      creationTimestamp: '2023-11-14T22:13:20Z', // Go keeps whole seconds of a protobuf Time
      deletionTimestamp: '2023-11-14T22:14:20Z',
      deletionGracePeriodSeconds: 0, // a pointer: present means written, even 0
      labels: { app: 'api' },
      ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'App', name: 'api', uid: 'u-1', controller: true }],
      finalizers: ['example.com/cleanup'],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'api' }, annotations: { 'example.com/a': 'b' } },
        spec: {
          volumes: [
            { name: 'scratch', emptyDir: {} },
            { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
            { name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'a', path: 'a.txt' }], defaultMode: 420 } },
            { name: 'sec', secret: { secretName: 'creds', defaultMode: 256, optional: false } },
            { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
            { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
            { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } }] } },
            {
              name: 'token',
              projected: {
                sources: [
                  { serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } },
                  { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                  { downwardAPI: { items: [{ path: 'cpu', resourceFieldRef: { containerName: 'api', resource: 'limits.cpu', divisor: '1m' } }] } },
                ],
              },
            },
          ],
          initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'], resources: {} }],
          containers: [
            {
              name: 'api',
              image: 'example/api:1',
              args: ['--port=8080'],
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'app-config' } }, { secretRef: { name: 'creds', optional: true } }],
              env: [
                { name: 'PLAIN', value: 'x' },
                { name: 'EMPTY' },
                { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'k' } } },
                { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'creds', key: 'password', optional: false } } },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '0' } } },
              ],
              resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
              volumeMounts: [
                { name: 'cfg', readOnly: true, mountPath: '/etc/app' },
                { name: 'data', mountPath: '/data', subPath: 'api' },
              ],
              livenessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3 },
              readinessProbe: { tcpSocket: { port: 'http' } },
              startupProbe: { exec: { command: ['cat', '/tmp/ready'] } },
              lifecycle: { postStart: { exec: { command: ['true'] } }, preStop: { sleep: { seconds: 5 } } },
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              imagePullPolicy: 'IfNotPresent',
              securityContext: {
                capabilities: { drop: ['ALL'] },
                runAsUser: 1000,
                runAsNonRoot: false,
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
                seccompProfile: { type: 'RuntimeDefault' },
              },
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 0,
          dnsPolicy: 'ClusterFirst',
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          serviceAccountName: 'api',
          automountServiceAccountToken: false,
          securityContext: { supplementalGroups: [3000, 4000], fsGroup: 2000, sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
          imagePullSecrets: [{ name: 'regcred' }],
          affinity: {
            nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } },
            podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'api' } }, topologyKey: 'kubernetes.io/hostname' } }] },
          },
          schedulerName: 'default-scheduler',
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'api', effect: 'NoExecute', tolerationSeconds: 0 }],
          hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local'] }],
          priority: 0,
          dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
          enableServiceLinks: true,
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'api' } } }],
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {},
  };
  assert.deepStrictEqual(got, want);
});

test('a Pod, its status and the remaining core kinds follow the same rules', () => {
  const pod = decodeKubernetesProtobuf(
    body('v1', 'Pod', 'orch.core.v1.Pod', {
      metadata: { name: 'p' },
      spec: { containers: [], ephemeralContainers: [{ ephemeralContainerCommon: { name: 'debug', image: 'busybox', stdin: true, tty: true }, targetContainerName: 'app' }] },
      status: {
        phase: 'Running',
        podIP: '10.244.0.5',
        podIPs: [{ ip: '10.244.0.5' }],
        startTime: { seconds: 0, nanos: 0 },
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: { seconds: 86400, nanos: 0 } }],
        containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { running: { startedAt: { seconds: 86400, nanos: 0 } } } }],
      },
    }),
  );
  assert.deepStrictEqual(pod, {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'p', creationTimestamp: null },
    spec: {
      containers: null, // []Container without omitempty: a nil slice is null
      ephemeralContainers: [{ name: 'debug', image: 'busybox', resources: {}, stdin: true, tty: true, targetContainerName: 'app' }],
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '1970-01-02T00:00:00Z' }],
      podIP: '10.244.0.5',
      podIPs: [{ ip: '10.244.0.5' }],
      startTime: '1970-01-01T00:00:00Z',
      containerStatuses: [{ name: 'app', state: { running: { startedAt: '1970-01-02T00:00:00Z' } }, lastState: {}, ready: false, restartCount: 0, image: '', imageID: '' }],
    },
  });

  const pvc = decodeKubernetesProtobuf(
    body('v1', 'PersistentVolumeClaim', 'orch.core.v1.PersistentVolumeClaim', {
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: { string: '1Gi' } } }, storageClassName: '' },
    }),
  );
  assert.deepStrictEqual(pvc, {
    kind: 'PersistentVolumeClaim',
    apiVersion: 'v1',
    metadata: { name: 'data', creationTimestamp: null },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' },
    status: {},
  });

  const rs = decodeKubernetesProtobuf(body('apps/v1', 'ReplicaSet', 'orch.apps.v1.ReplicaSet', { metadata: { name: 'r' }, spec: { replicas: 2 } }));
  assert.deepStrictEqual(rs, {
    kind: 'ReplicaSet',
    apiVersion: 'apps/v1',
    metadata: { name: 'r', creationTimestamp: null },
    spec: { replicas: 2, template: { metadata: { creationTimestamp: null }, spec: { containers: null } } },
    status: { replicas: 0 },
  });

  const ds = decodeKubernetesProtobuf(body('apps/v1', 'DaemonSet', 'orch.apps.v1.DaemonSet', { metadata: { name: 'd' } }));
  assert.deepStrictEqual(ds.status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  assert.deepStrictEqual((ds.spec as Record<string, unknown>).updateStrategy, {});

  const sts = decodeKubernetesProtobuf(body('apps/v1', 'StatefulSet', 'orch.apps.v1.StatefulSet', { metadata: { name: 's' }, spec: { serviceName: 'db', ordinals: { start: 0 } } }));
  assert.deepStrictEqual(sts.spec, { template: { metadata: { creationTimestamp: null }, spec: { containers: null } }, serviceName: 'db', updateStrategy: {}, ordinals: { start: 0 } });
  assert.deepStrictEqual(sts.status, { replicas: 0, availableReplicas: 0 });

  const svc = decodeKubernetesProtobuf(
    body('v1', 'Service', 'orch.core.v1.Service', {
      metadata: { name: 'web' },
      spec: { ports: [{ port: 80 }], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } }, allocateLoadBalancerNodePorts: false },
    }),
  );
  assert.deepStrictEqual(svc.spec, {
    ports: [{ port: 80, targetPort: 0 }],
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
    ipFamilyPolicy: 'SingleStack',
    allocateLoadBalancerNodePorts: false,
  });

  const cm = decodeKubernetesProtobuf(body('v1', 'ConfigMap', 'orch.core.v1.ConfigMap', { metadata: { name: 'c' }, immutable: false }));
  assert.deepStrictEqual(cm, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c', creationTimestamp: null }, immutable: false });
});

test('managed fields carry their FieldsV1 JSON and times', () => {
  const got = decodeKubernetesProtobuf(
    body('v1', 'Namespace', 'orch.core.v1.Namespace', {
      metadata: {
        name: 'n',
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: { seconds: 1700000000 }, fieldsType: 'FieldsV1', fieldsV1: { Raw: Buffer.from('{"f:metadata":{"f:labels":{}}}') } }],
      },
    }),
  );
  assert.deepStrictEqual((got.metadata as Record<string, unknown>).managedFields, [
    { manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2023-11-14T22:13:20Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} } } },
  ]);
});

test('goDuration writes Go time.Duration strings', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [1500n, '1.5µs'],
    [100_000_000n, '100ms'],
    [1_500_000_000n, '1.5s'],
    [90_000_000_000n, '1m30s'],
    [3_600_000_000_000n, '1h0m0s'],
    [-2_000_000_000n, '-2s'],
    [3_723_000_000_001n, '1h2m3.000000001s'],
  ];
  for (const [ns, s] of cases) assert.equal(goDuration(ns), s, `${ns}ns`);
});


