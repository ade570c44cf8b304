import { test } from 'node:test';
import { meta, runCreateCases, runUpdateCases } from './test-fixtures.js';

const pv = (): any => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: meta('pv1', false),
  spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/mnt/data' } },
});
const pvc = (): any => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: meta('claim'),
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
});
const sc = (): any => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: meta('local-path', false),
  provisioner: 'rancher.io/local-path',
});

test('persistent volume rules', () => {
  runCreateCases('PersistentVolume', pv, [
    { name: 'valid', mutate: () => {}, want: [] },
    {
      name: 'no capacity, no access modes',
      mutate: (v) => Object.assign(v.spec, { capacity: undefined, accessModes: [] }),
      want: ['spec.accessModes: Required value', 'spec.capacity: Required value', 'spec.capacity: Unsupported value: {}: supported values: "storage"'],
    },
    {
      name: 'unknown access mode, zero capacity',
      mutate: (v) => Object.assign(v.spec, { accessModes: ['ReadWriteSome'], capacity: { storage: '0' } }),
      want: [
        'spec.accessModes: Unsupported value: "ReadWriteSome": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
      ],
    },
    { name: 'no source', mutate: (v) => delete v.spec.hostPath, want: ['spec: Required value: must specify a volume type'] },
    {
      name: 'two sources',
      mutate: (v) => (v.spec.nfs = { server: 'nfs', path: '/x' }),
      want: ['spec.nfs: Forbidden: may not specify more than 1 volume type'],
    },
    {
      name: 'local volumes need node affinity',
      mutate: (v) => {
        delete v.spec.hostPath;
        v.spec.local = { path: '/mnt/disk' };
      },
      want: ['metadata.annotations: Required value: Local volume requires node affinity'],
    },
    {
      name: 'a namespace on a cluster-scoped kind',
      mutate: (v) => (v.metadata.namespace = 'default'),
      want: ['metadata.namespace: Forbidden: not allowed on this type'],
    },
  ]);
});

test('a persistent volume keeps its source', () => {
  runUpdateCases('PersistentVolume', pv, [
    { name: 'capacity change', change: (v) => (v.spec.capacity.storage = '20Gi'), want: [] },
    {
      name: 'source change',
      change: (v) => (v.spec.hostPath.path = '/elsewhere'),
      want: ['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation'],
    },
  ]);
});

test('claim rules', () => {
  runCreateCases('PersistentVolumeClaim', pvc, [
    { name: 'valid', mutate: () => {}, want: [] },
    {
      name: 'nothing requested',
      mutate: (c) => (c.spec = {}),
      want: ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value'],
    },
    {
      name: 'bad storage class name',
      mutate: (c) => (c.spec.storageClassName = 'Fast_SSD'),
      want: [
        "spec.storageClassName: Invalid value: \"Fast_SSD\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    },
  ]);
});

test('a claim may grow its request and be bound, nothing else', () => {
  runUpdateCases('PersistentVolumeClaim', pvc, [
    { name: 'grow', change: (c) => (c.spec.resources.requests.storage = '2Gi'), want: [] },
    { name: 'bind', change: (c) => (c.spec.volumeName = 'pv1'), want: [] },
    {
      name: 'shrink',
      change: (c) => (c.spec.resources.requests.storage = '500Mi'),
      want: ['spec.resources.requests.storage: Forbidden: field can not be less than previous value'],
    },
    {
      name: 'access modes change',
      change: (c) => (c.spec.accessModes = ['ReadWriteMany']),
      want: ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'],
    },
    {
      name: 'rebinding to another volume',
      before: (c) => (c.spec.volumeName = 'pv1'),
      change: (c) => (c.spec.volumeName = 'pv2'),
      want: ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'],
    },
  ]);
  runUpdateCases(
    'PersistentVolumeClaim',
    pvc,
    [
      { name: 'bound', change: (c) => (c.status.phase = 'Bound'), want: [] },
      {
        name: 'unknown phase',
        change: (c) => (c.status.phase = 'Happy'),
        want: ['status.phase: Unsupported value: "Happy": supported values: "Pending", "Bound", "Lost"'],
      },
    ],
    true,
  );
});

test('storage class rules', () => {
  runCreateCases('StorageClass', sc, [
    { name: 'valid', mutate: () => {}, want: [] },
    { name: 'no provisioner', mutate: (s) => delete s.provisioner, want: ['provisioner: Required value'] },
    {
      name: 'bad enums',
      mutate: (s) => Object.assign(s, { reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' }),
      want: [
        'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
        'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
      ],
    },
  ]);
  runUpdateCases('StorageClass', sc, [
    { name: 'labels change', change: (s) => (s.metadata.labels = { a: 'b' }), want: [] },
    {
      name: 'everything that shapes volumes is fixed',
      change: (s) => Object.assign(s, { provisioner: 'x.io/y', parameters: { a: 'b' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' }),
      want: [
        'parameters: Forbidden: updates to parameters are forbidden.',
        'provisioner: Forbidden: updates to provisioner are forbidden.',
        'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
        'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
      ],
    },
  ]);
});
