import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES, type ResourceInfo } from '../resources.js';
import { hasPrinter, printerFor } from './registry.js';
import { toTable } from './table.js';
import { NOW, ago } from './testing.js';

const resource = (kind: string): ResourceInfo => {
  const info = RESOURCES.find((r) => r.kind === kind);
  if (!info) throw new Error(`no resource ${kind}`);
  return info;
};

const pod = (name: string, extra: object = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'web' }, resourceVersion: '41', creationTimestamp: ago(5, 'm') },
  spec: { containers: [{ name: 'web', image: 'nginx' }] },
  status: { phase: 'Running', containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: { running: {} } }] },
  ...extra,
});

test('the kinds kubectl users know have printers of their own', () => {
  // Resources added later may rely on the NAME/AGE default, so this names the kinds rather than
  // walking RESOURCES.
  const kinds = [
    'Pod', 'Service', 'Node', 'Namespace', 'ConfigMap', 'Secret', 'ServiceAccount', 'Endpoints', 'Event',
    'PersistentVolume', 'PersistentVolumeClaim', 'Deployment', 'ReplicaSet', 'EndpointSlice', 'Ingress',
    'IngressClass', 'StorageClass', 'Lease',
  ];
  assert.deepEqual(kinds.filter((k) => !hasPrinter(resource(k))), []);
});

test('every printer fills one cell per column, even for an empty object', () => {
  for (const r of RESOURCES) {
    const printer = printerFor(r);
    for (const obj of [{}, { metadata: {} }, { metadata: { name: 'x' }, spec: {}, status: {} }]) {
      assert.equal(printer.row(obj, NOW).length, printer.columns.length, `${r.kind} ${JSON.stringify(obj)}`);
    }
    const names = printer.columns.filter((c) => c.format === 'name').map((c) => c.name);
    assert.deepEqual(names, ['Name'], `${r.kind} has exactly one name column`);
    for (const c of printer.columns) assert.equal(typeof c.description, 'string', `${r.kind}.${c.name}`);
  }
});

test('a list becomes a Table with columns, cells and partial object metadata', () => {
  const table = toTable(resource('Pod'), [pod('web-1'), pod('web-2')], {
    includeObject: 'Metadata',
    now: NOW,
    listMeta: { resourceVersion: '42', continue: 'tok', remainingItemCount: 0 },
  });
  assert.equal(table.kind, 'Table');
  assert.equal(table.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(table.metadata, { resourceVersion: '42', continue: 'tok', remainingItemCount: 0 });
  assert.deepEqual(table.columnDefinitions?.[0], {
    name: 'Name',
    type: 'string',
    format: 'name',
    description: table.columnDefinitions?.[0]?.description,
    priority: 0,
  });
  assert.deepEqual(
    table.columnDefinitions?.slice(1, 5).map((c) => ({ name: c.name, format: c.format, priority: c.priority })),
    [
      { name: 'Ready', format: '', priority: 0 },
      { name: 'Status', format: '', priority: 0 },
      { name: 'Restarts', format: '', priority: 0 },
      { name: 'Age', format: '', priority: 0 },
    ],
  );
  assert.deepEqual(table.rows[0]?.cells, ['web-1', '1/1', 'Running', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
  assert.deepEqual(table.rows[1]?.object, {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: pod('web-2').metadata,
  });
  assert.equal('conditions' in table.rows[0]!, false);
});

test('includeObject decides what each row carries', () => {
  const full = pod('web-1');
  const cases: [include: 'None' | 'Metadata' | 'Object' | undefined, want: unknown][] = [
    [undefined, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: full.metadata }],
    ['Metadata', { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: full.metadata }],
    ['Object', full],
    ['None', undefined],
  ];
  for (const [include, want] of cases) {
    const row = toTable(resource('Pod'), [full], { includeObject: include, now: NOW }).rows[0]!;
    assert.deepEqual(row.object, want, String(include));
    if (include === 'None') assert.equal('object' in row, false, 'None leaves object out of the JSON');
  }
});

test('a full object without kind and apiVersion gets them from the resource', () => {
  const bare = { metadata: { name: 'web' }, spec: { replicas: 1 } };
  const row = toTable(resource('Deployment'), [bare], { includeObject: 'Object', now: NOW }).rows[0]!;
  assert.deepEqual(row.object, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1 } });
});

test('noHeaders leaves out columnDefinitions; empty list metadata stays empty', () => {
  const table = toTable(resource('Pod'), [pod('web-1')], { includeObject: 'Metadata', noHeaders: true, now: NOW });
  assert.equal('columnDefinitions' in table, false);
  assert.deepEqual(table.metadata, {});
  assert.equal(table.rows.length, 1);
  assert.deepEqual(toTable(resource('Pod'), [], { includeObject: 'Metadata' }).rows, []);
});

test('finished pods carry row conditions', () => {
  const done = pod('job-1', {
    status: {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'web', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    },
  });
  const row = toTable(resource('Pod'), [done], { includeObject: 'None', now: NOW }).rows[0]!;
  assert.equal(row.cells[2], 'Completed');
  assert.deepEqual(row.conditions?.map((c) => [c.type, c.status, c.reason]), [['Completed', 'True', 'Succeeded']]);
});

test('ages default to the current time; unknown kinds get NAME and AGE', () => {
  const info: ResourceInfo = { ...resource('Lease'), group: 'example.com', kind: 'Widget', plural: 'widgets' };
  const widget = { metadata: { name: 'w', creationTimestamp: new Date().toISOString() } };
  const table = toTable(info, [widget], { includeObject: 'None' });
  assert.deepEqual(table.columnDefinitions?.map((c) => c.name), ['Name', 'Age']);
  assert.deepEqual(table.rows[0]?.cells, ['w', '0s']);
});

test('a Table serialises to the JSON shape kubectl reads', () => {
  const metadata = { name: 'default', creationTimestamp: ago(3, 'd') };
  const table = toTable(resource('Namespace'), [{ metadata, status: { phase: 'Active' } }], {
    includeObject: 'Metadata',
    now: NOW,
    listMeta: { resourceVersion: '7' },
  });
  const json = JSON.parse(JSON.stringify(table));
  assert.deepEqual(Object.keys(json), ['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
  assert.deepEqual(json.rows, [
    {
      cells: ['default', 'Active', '3d'],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata },
    },
  ]);
});
