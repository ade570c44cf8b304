import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import { ApiError } from '../errors.js';
import type { JsonObject } from './json-value.js';

// A live Deployment much as the API server stores it after `kubectl apply`.
function deployment(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'd-1',
      resourceVersion: '100',
      generation: 1,
      labels: { app: 'web' },
      annotations: { 'deployment.kubernetes.io/revision': '1', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      finalizers: ['example.com/a'],
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              imagePullPolicy: 'IfNotPresent',
            },
            { name: 'sidecar', image: 'busybox', command: ['sleep', 'infinity'] },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
          tolerations: [{ key: 'a', operator: 'Exists' }],
          restartPolicy: 'Always',
        },
      },
    },
    status: { replicas: 2, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }] },
  };
}

type Edit = (d: any) => void;
const edited = (edit: Edit, base = deployment()): JsonObject => {
  edit(base);
  return base;
};

interface Case {
  name: string;
  kind?: string;
  original?: JsonObject;
  patch: unknown;
  expected: JsonObject;
}

const cases: Case[] = [
  {
    name: 'kubectl apply with a changed image merges the container by name and keeps $setElementOrder order',
    patch: {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}\n' } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [{ image: 'nginx:1.26', name: 'web' }],
          },
        },
      },
    },
    expected: edited((d) => {
      d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] = '{"new":true}\n';
      d.spec.template.spec.containers[0].image = 'nginx:1.26';
    }),
  },
  {
    name: 'kubectl rollout restart adds a template annotation',
    patch: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z' } } } } },
    expected: edited((d) => {
      d.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z' };
    }),
  },
  {
    name: 'kubectl rollout pause sets spec.paused',
    patch: { spec: { paused: true } },
    expected: edited((d) => {
      d.spec.paused = true;
    }),
  },
  {
    name: 'kubectl rollout resume deletes spec.paused with null',
    original: edited((d) => {
      d.spec.paused = true;
    }),
    patch: { spec: { paused: null } },
    expected: deployment(),
  },
  {
    name: 'a null for an absent field is dropped, not stored',
    patch: { spec: { paused: null, template: { metadata: { annotations: { x: null, y: 'z' } } } } },
    expected: edited((d) => {
      d.spec.template.metadata.annotations = { y: 'z' };
    }),
  },
  {
    name: 'kubectl set image on the first container keeps the container order',
    patch: { spec: { template: { spec: { containers: [{ image: 'nginx:1.27', name: 'web' }] } } } },
    expected: edited((d) => {
      d.spec.template.spec.containers[0].image = 'nginx:1.27';
    }),
  },
  {
    name: 'kubectl set image on the second container keeps the container order',
    patch: { spec: { template: { spec: { containers: [{ image: 'busybox:1.36', name: 'sidecar' }] } } } },
    expected: edited((d) => {
      d.spec.template.spec.containers[1].image = 'busybox:1.36';
    }),
  },
  {
    name: 'kubectl apply removing a container sends $patch: delete for it',
    patch: {
      spec: {
        template: {
          spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ $patch: 'delete', name: 'sidecar' }] },
        },
      },
    },
    expected: edited((d) => {
      d.spec.template.spec.containers.splice(1, 1);
    }),
  },
  {
    name: 'kubectl apply removing an env var deletes it inside the merged container',
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [{ '$setElementOrder/env': [{ name: 'A' }], env: [{ $patch: 'delete', name: 'B' }], name: 'web' }],
          },
        },
      },
    },
    expected: edited((d) => {
      d.spec.template.spec.containers[0].env.splice(1, 1);
    }),
  },
  {
    name: 'kubectl apply adding a container puts it where $setElementOrder says',
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'log' }, { name: 'sidecar' }],
            containers: [{ name: 'log', image: 'fluentbit' }],
          },
        },
      },
    },
    expected: edited((d) => {
      d.spec.template.spec.containers.splice(1, 0, { name: 'log', image: 'fluentbit' });
    }),
  },
  {
    name: 'a new container without $setElementOrder goes first, as apimachinery orders it',
    patch: { spec: { template: { spec: { containers: [{ name: 'log', image: 'fluentbit' }] } } } },
    expected: edited((d) => {
      d.spec.template.spec.containers.unshift({ name: 'log', image: 'fluentbit' });
    }),
  },
  {
    name: '$setElementOrder alone reorders the list',
    patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }] } } } },
    expected: edited((d) => {
      d.spec.template.spec.containers.reverse();
    }),
  },
  {
    name: 'an env var patched by name merges into the existing item',
    patch: { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'B', value: '3' }] }] } } } },
    expected: edited((d) => {
      d.spec.template.spec.containers[0].env[1].value = '3';
    }),
  },
  {
    name: 'container ports merge by containerPort',
    patch: { spec: { template: { spec: { containers: [{ name: 'web', ports: [{ containerPort: 80, name: 'http' }] }] } } } },
    expected: edited((d) => {
      d.spec.template.spec.containers[0].ports[0].name = 'http';
    }),
  },
  {
    name: '$retainKeys switches the strategy from RollingUpdate to Recreate',
    patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } },
    expected: edited((d) => {
      d.spec.strategy = { type: 'Recreate' };
    }),
  },
  {
    name: '$retainKeys on a volume item swaps emptyDir for hostPath',
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/volumes': [{ name: 'data' }],
            volumes: [{ $retainKeys: ['hostPath', 'name'], emptyDir: null, hostPath: { path: '/srv' }, name: 'data' }],
          },
        },
      },
    },
    expected: edited((d) => {
      d.spec.template.spec.volumes = [{ name: 'data', hostPath: { path: '/srv' } }];
    }),
  },
  {
    name: 'tolerations have no merge strategy and are replaced whole',
    patch: { spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } } } },
    expected: edited((d) => {
      d.spec.template.spec.tolerations = [{ key: 'b', operator: 'Exists' }];
    }),
  },
  {
    name: 'a list without a merge strategy (command) is replaced whole',
    patch: { spec: { template: { spec: { containers: [{ name: 'sidecar', command: ['true'] }] } } } },
    expected: edited((d) => {
      d.spec.template.spec.containers[1].command = ['true'];
    }),
  },
  {
    name: 'finalizers merge as a set; a new one goes first as apimachinery orders it',
    patch: { metadata: { finalizers: ['example.com/b', 'example.com/a'] } },
    expected: edited((d) => {
      d.metadata.finalizers = ['example.com/b', 'example.com/a'];
    }),
  },
  {
    name: 'a finalizer already present is not duplicated',
    patch: { metadata: { finalizers: ['example.com/a'] } },
    expected: deployment(),
  },
  {
    name: '$deleteFromPrimitiveList removes a finalizer',
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } },
    expected: edited((d) => {
      d.metadata.finalizers = [];
    }),
  },
  {
    name: 'status conditions merge by type, keeping fields the patch leaves out',
    patch: { status: { conditions: [{ type: 'Available', status: 'False' }, { type: 'Progressing', status: 'True' }] } },
    expected: edited((d) => {
      d.status.conditions = [
        { type: 'Available', status: 'False', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True' },
      ];
    }),
  },
  {
    name: '$patch: replace on a map replaces it whole',
    patch: { metadata: { labels: { $patch: 'replace', tier: 'fe' } } },
    expected: edited((d) => {
      d.metadata.labels = { tier: 'fe' };
    }),
  },
  {
    name: '$patch: delete on a map leaves it empty, as apimachinery does',
    patch: { metadata: { labels: { $patch: 'delete' } } },
    expected: edited((d) => {
      d.metadata.labels = {};
    }),
  },
  {
    name: '$patch: merge on a map is the default merge',
    patch: { metadata: { labels: { $patch: 'merge', tier: 'fe' } } },
    expected: edited((d) => {
      d.metadata.labels = { app: 'web', tier: 'fe' };
    }),
  },
  {
    name: '$patch: replace as a list item replaces the whole list',
    patch: { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x', foo: null }] } } } },
    expected: edited((d) => {
      d.spec.template.spec.containers = [{ name: 'only', image: 'x' }];
    }),
  },
  {
    name: '$patch: merge on a list item merges it like a plain item',
    patch: { spec: { template: { spec: { containers: [{ $patch: 'merge', name: 'web', image: 'nginx:2' }] } } } },
    expected: edited((d) => {
      d.spec.template.spec.containers[0].image = 'nginx:2';
    }),
  },
  {
    name: 'a replaced list item has its nulls dropped',
    patch: { spec: { template: { spec: { tolerations: [{ key: 'b', operator: null }] } } } },
    expected: edited((d) => {
      d.spec.template.spec.tolerations = [{ key: 'b' }];
    }),
  },
  {
    name: 'fields of unknown kinds still get ObjectMeta rules',
    kind: 'ConfigMap',
    original: { metadata: { name: 'c', ownerReferences: [{ uid: 'u1', name: 'a' }] }, data: { a: '1' } },
    patch: { metadata: { ownerReferences: [{ uid: 'u2', name: 'b' }] }, data: { b: '2', a: null } },
    expected: { metadata: { name: 'c', ownerReferences: [{ uid: 'u2', name: 'b' }, { uid: 'u1', name: 'a' }] }, data: { b: '2' } },
  },
  {
    name: 'Service ports merge by port',
    kind: 'Service',
    original: { spec: { ports: [{ port: 80, targetPort: 80 }, { port: 443, targetPort: 443 }] } },
    patch: { spec: { ports: [{ port: 443, targetPort: 8443 }] } },
    expected: { spec: { ports: [{ port: 80, targetPort: 80 }, { port: 443, targetPort: 8443 }] } },
  },
  {
    name: 'Node status addresses merge by type',
    kind: 'Node',
    original: { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }] } },
    patch: { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] } },
    expected: { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n1' }] } },
  },
  {
    name: 'a Pod spec merges containers by name at the top level',
    kind: 'Pod',
    original: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } },
    patch: { spec: { containers: [{ name: 'b', image: 'z' }] } },
    expected: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'z' }] } },
  },
  {
    name: 'a CronJob merges containers by name inside jobTemplate',
    kind: 'CronJob',
    original: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } } } },
    patch: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'y' }] } } } } } },
    expected: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'y' }] } } } } } },
  },
  {
    name: 'a merge list patched in from nothing is cleaned of directives',
    kind: 'Pod',
    original: { spec: {} },
    patch: {
      spec: {
        '$setElementOrder/containers': [{ name: 'b' }, { name: 'c' }, { name: 'a' }],
        containers: [{ name: 'b', x: null }, { name: 'a', $patch: 'merge' }, { name: 'z', $patch: 'delete' }],
      },
    },
    expected: { spec: { containers: [{ name: 'b' }, { name: 'a' }] } },
  },
  {
    name: 'a primitive merge list keeps patch order for its items (apimachinery case)',
    kind: 'Node',
    original: { spec: { podCIDRs: ['1', '2', '3'] } },
    patch: { spec: { podCIDRs: ['3', '1'] } },
    expected: { spec: { podCIDRs: ['2', '3', '1'] } },
  },
  {
    name: 'a keyed merge list keeps patch order for its items (apimachinery case)',
    kind: 'Pod',
    original: { spec: { containers: [{ name: '1' }, { name: '2', value: 'b' }, { name: '3' }] } },
    patch: { spec: { containers: [{ name: '3', value: 'c' }, { name: '1', value: 'a' }] } },
    expected: { spec: { containers: [{ name: '2', value: 'b' }, { name: '3', value: 'c' }, { name: '1', value: 'a' }] } },
  },
  {
    name: '$patch: delete removes every item with the key',
    kind: 'Pod',
    original: { spec: { containers: [{ name: '1' }, { name: '1' }, { name: '2', value: 'a' }] } },
    patch: { spec: { containers: [{ name: '1', $patch: 'delete' }] } },
    expected: { spec: { containers: [{ name: '2', value: 'a' }] } },
  },
  {
    name: 'a value of another type replaces the original',
    kind: 'ConfigMap',
    original: { data: { a: '1' } },
    patch: { data: 'x' },
    expected: { data: 'x' },
  },
  {
    name: '$patch: replace at the root replaces the object',
    kind: 'ConfigMap',
    original: { data: { a: '1' }, metadata: { name: 'x' } },
    patch: { $patch: 'replace', data: { b: '2' } },
    expected: { data: { b: '2' } },
  },
];

for (const c of cases) {
  test(`strategic merge patch: ${c.name}`, () => {
    const original = c.original ?? deployment();
    const before = structuredClone(original);
    const got = applyStrategicMergePatch(original, JSON.parse(JSON.stringify(c.patch)), c.kind ?? 'Deployment');
    assert.deepEqual(got, c.expected);
    assert.deepEqual(original, before, 'the original object must not be changed');
  });
}

const badCases: { name: string; kind?: string; original?: JsonObject; patch: unknown; message: RegExp }[] = [
  { name: 'a patch that is not an object', patch: [1], message: /must be a JSON object, got array/ },
  {
    name: 'a list item without its merge key',
    patch: { spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
    message: /^spec\.template\.spec\.containers\[0\]: .*does not contain declared merge key: name/,
  },
  {
    name: 'a primitive in a list merged by key',
    patch: { spec: { template: { spec: { containers: ['web'] } } } },
    message: /containers\[0\]: a list merged by "name" holds objects, got string/,
  },
  {
    name: 'an object in a list merged as a set',
    patch: { metadata: { finalizers: [{ a: 1 }] } },
    message: /^metadata\.finalizers: a list merged as a set holds only primitive values/,
  },
  {
    name: 'an unknown $patch directive',
    patch: { metadata: { labels: { $patch: 'explode' } } },
    message: /^metadata\.labels: unknown \$patch directive "explode"/,
  },
  {
    name: 'a field missing from $retainKeys',
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    message: /^spec\.strategy: field "rollingUpdate" is set by the patch but not listed in \$retainKeys/,
  },
  {
    name: 'a patch list out of $setElementOrder order',
    patch: {
      spec: {
        template: {
          spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }], containers: [{ name: 'sidecar' }, { name: 'web' }] },
        },
      },
    },
    message: /containers: the order of the patch list doesn't match \$setElementOrder\/containers/,
  },
  {
    name: 'a $deleteFromPrimitiveList that is not a list',
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } },
    message: /^metadata\.finalizers: \$deleteFromPrimitiveList\/finalizers must be a list/,
  },
];

for (const c of badCases) {
  test(`strategic merge patch rejects ${c.name} with 400`, () => {
    assert.throws(
      () => applyStrategicMergePatch(c.original ?? deployment(), c.patch, c.kind ?? 'Deployment'),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.reason === 'BadRequest' && c.message.test(e.message),
    );
  });
}
