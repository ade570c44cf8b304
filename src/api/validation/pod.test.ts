import { test } from 'node:test';
import { pod, runCreateCases, runUpdateCases } from './test-fixtures.js';

const c0 = (p: any): any => p.spec.containers[0];

test('pod create rules', () => {
  runCreateCases('Pod', pod, [
    { name: 'valid', mutate: () => {}, want: [] },
    {
      name: 'no containers',
      mutate: (p) => (p.spec.containers = []),
      want: ['spec.containers: Required value'],
    },
    {
      name: 'container without image, with a bad name',
      mutate: (p) => Object.assign(c0(p), { name: 'App_1', image: '' }),
      want: [
        "spec.containers[0].name: Invalid value: \"App_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        'spec.containers[0].image: Required value',
      ],
    },
    {
      name: 'duplicate container names across init and regular containers',
      mutate: (p) => (p.spec.initContainers = [{ name: 'app', image: 'busybox' }]),
      want: ['spec.initContainers[0].name: Duplicate value: "app"'],
    },
    {
      name: 'ports out of range, duplicated, unknown protocol',
      mutate: (p) =>
        (c0(p).ports = [
          { containerPort: 0 },
          { containerPort: 70000, protocol: 'HTTP' },
          { containerPort: 80, name: 'http' },
          { containerPort: 80, name: 'http' },
        ]),
      want: [
        'spec.containers[0].ports[0].containerPort: Required value',
        'spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
        'spec.containers[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        'spec.containers[0].ports[3].name: Duplicate value: "http"',
        'spec.containers[0].ports[3].containerPort: Duplicate value: 80',
      ],
    },
    {
      name: 'the same port over two protocols is fine',
      mutate: (p) => (c0(p).ports = [{ containerPort: 53 }, { containerPort: 53, protocol: 'UDP' }]),
      want: [],
    },
    {
      name: 'host port used twice across containers',
      mutate: (p) => {
        c0(p).ports = [{ containerPort: 80, hostPort: 8080 }];
        p.spec.containers.push({ name: 'b', image: 'x', ports: [{ containerPort: 81, hostPort: 8080 }] });
      },
      want: ['spec.containers[1].ports[0].hostPort: Duplicate value: "/TCP/8080"'],
    },
    {
      name: 'env names and sources',
      mutate: (p) =>
        (c0(p).env = [
          { name: '1BAD', value: 'x' },
          { name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'B', valueFrom: {} },
          { name: 'C', valueFrom: { fieldRef: { fieldPath: 'spec.nope' } } },
          { name: 'D', valueFrom: { secretKeyRef: { name: 's' } } },
          { name: 'E', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        ]),
      want: [
        "spec.containers[0].env[0].name: Invalid value: \"1BAD\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
        'spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
        'spec.containers[0].env[2].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        'spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.nope": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
        'spec.containers[0].env[4].valueFrom.secretKeyRef.key: Required value',
      ],
    },
    {
      name: 'volume mounts must name a defined volume, once per path',
      mutate: (p) => {
        p.spec.volumes = [{ name: 'data', emptyDir: {} }];
        c0(p).volumeMounts = [
          { name: 'data', mountPath: '/a' },
          { name: 'nope', mountPath: '/b' },
          { name: 'data', mountPath: '/a' },
          { name: 'data', mountPath: '/c', subPath: '../etc' },
        ];
      },
      want: [
        'spec.containers[0].volumeMounts[1].name: Invalid value: "nope": not found',
        'spec.containers[0].volumeMounts[2].mountPath: Invalid value: "/a": must be unique',
        "spec.containers[0].volumeMounts[3].subPath: Invalid value: \"../etc\": must not contain '..'",
      ],
    },
    {
      name: 'volumes: unique names, exactly one source',
      mutate: (p) =>
        (p.spec.volumes = [
          { name: 'a', emptyDir: {} },
          { name: 'a', emptyDir: {} },
          { name: 'b', emptyDir: {}, hostPath: { path: '/x' } },
          { name: 'c', secret: {} },
          { name: 'd', configMap: { name: 'cm', defaultMode: 1000 } },
        ]),
      want: [
        'spec.volumes[1].name: Duplicate value: "a"',
        // Kubernetes checks sources in a fixed order (hostPath first) and reports the later one.
        'spec.volumes[2].emptyDir: Forbidden: may not specify more than 1 volume type',
        'spec.volumes[3].secret.secretName: Required value',
        'spec.volumes[4].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive',
      ],
    },
    {
      name: 'policies out of their enums',
      mutate: (p) => Object.assign(p.spec, { restartPolicy: 'Sometimes', dnsPolicy: 'Google' }),
      want: [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      ],
    },
    {
      name: 'dnsPolicy None needs a dnsConfig',
      mutate: (p) => (p.spec.dnsPolicy = 'None'),
      want: ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None'],
    },
    {
      name: 'requests above limits',
      mutate: (p) => (c0(p).resources = { requests: { cpu: '2', memory: '100Mi' }, limits: { cpu: '1500m', memory: '0.5Gi' } }),
      want: ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1500m'],
    },
    {
      name: 'malformed and negative quantities',
      mutate: (p) => (c0(p).resources = { limits: { cpu: 'lots', memory: '-1' } }),
      want: [
        "spec.containers[0].resources.limits[cpu]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        'spec.containers[0].resources.limits[memory]: Invalid value: "-1": must be greater than or equal to 0',
        // Defaulting copied the limits into requests; each is reported where it is.
        "spec.containers[0].resources.requests[cpu]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        'spec.containers[0].resources.requests[memory]: Invalid value: "-1": must be greater than or equal to 0',
      ],
    },
    {
      name: 'extended resources cannot be overcommitted',
      mutate: (p) => (c0(p).resources = { requests: { 'example.com/gpu': 1 } }),
      want: ['spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources'],
    },
    {
      name: 'probes need exactly one handler',
      mutate: (p) => {
        c0(p).livenessProbe = { periodSeconds: 5 };
        c0(p).readinessProbe = { exec: { command: ['true'] }, tcpSocket: { port: 80 } };
        c0(p).startupProbe = { httpGet: { port: 'http' }, successThreshold: 2 };
      },
      want: [
        'spec.containers[0].livenessProbe: Required value: must specify a handler type',
        'spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
        'spec.containers[0].startupProbe.successThreshold: Invalid value: 2: must be 1',
      ],
    },
    {
      name: 'run-to-completion init containers have no probes; sidecars may',
      mutate: (p) =>
        (p.spec.initContainers = [
          { name: 'init', image: 'busybox', readinessProbe: { exec: { command: ['true'] } } },
          { name: 'side', image: 'busybox', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } },
          { name: 'odd', image: 'busybox', restartPolicy: 'Never' },
        ]),
      want: [
        'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
        'spec.initContainers[2].restartPolicy: Unsupported value: "Never": supported values: "Always"',
      ],
    },
    {
      name: 'tolerations',
      mutate: (p) =>
        (p.spec.tolerations = [
          { operator: 'Equal', value: 'x' },
          { key: 'k', operator: 'Exists', value: 'v' },
          { key: 'k', effect: 'NoSchedule', tolerationSeconds: 5 },
        ]),
      want: [
        'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
        "spec.tolerations[1].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
        "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
      ],
    },
    {
      name: 'node affinity terms',
      mutate: (p) =>
        (p.spec.affinity = {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: [] }] }],
            },
          },
        }),
      want: [
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      ],
    },
    {
      name: 'ephemeral containers only through their subresource',
      mutate: (p) => (p.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox' }]),
      want: ['spec.ephemeralContainers: Forbidden: cannot be set on create'],
    },
  ]);
});

const FORBIDDEN =
  'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

test('pod updates may change only images, the deadline and add tolerations', () => {
  runUpdateCases('Pod', pod, [
    { name: 'image change', change: (p) => (c0(p).image = 'nginx:1.26'), want: [] },
    { name: 'labels change', change: (p) => (p.metadata.labels = { a: 'b' }), want: [] },
    { name: 'port change', change: (p) => (c0(p).ports[0].containerPort = 81), want: [FORBIDDEN] },
    { name: 'restart policy change', change: (p) => (p.spec.restartPolicy = 'Never'), want: [FORBIDDEN] },
    {
      name: 'adding a container',
      change: (p) => p.spec.containers.push({ name: 'b', image: 'x' }),
      want: ['spec.containers: Forbidden: pod updates may not add or remove containers'],
    },
    { name: 'emptying an image', change: (p) => (c0(p).image = ''), want: ['spec.containers[0].image: Required value'] },
    {
      name: 'adding a toleration',
      change: (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists' }]),
      want: [],
    },
    {
      name: 'removing a toleration',
      before: (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists' }]),
      change: (p) => (p.spec.tolerations = []),
      want: ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds'],
    },
    {
      name: 'deadline may shrink, not grow',
      before: (p) => (p.spec.activeDeadlineSeconds = 100),
      change: (p) => (p.spec.activeDeadlineSeconds = 200),
      want: ['spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value'],
    },
    {
      name: 'deadline may be set',
      change: (p) => (p.spec.activeDeadlineSeconds = 50),
      want: [],
    },
  ]);
});

test('pod status writes', () => {
  runUpdateCases(
    'Pod',
    pod,
    [
      { name: 'phase and IP', change: (p) => (p.status = { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }] }), want: [] },
      {
        name: 'bad IP',
        change: (p) => (p.status = { podIP: '10.244.0' }),
        want: ['status.podIP: Invalid value: "10.244.0": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
      },
      { name: 'nodeName through status', change: (p) => (p.spec.nodeName = 'n1'), want: ['status.nodeName: Forbidden: may not be changed directly'] },
    ],
    true,
  );
});
