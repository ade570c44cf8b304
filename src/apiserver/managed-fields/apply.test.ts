import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../machinery/patch/strategic-merge-patch.js';
import { ApiError } from '../../machinery/errors.js';
import { applyWithOwnership, ownershipOfCreated } from './apply.js';
import { trackUpdate } from './track-update.js';
import { decodeEntries } from './entries.js';

const scope = { kind: 'Deployment', part: 'main' } as const;
const merge = (o: any, c: any) => applyStrategicMergePatch(o, c, 'Deployment');

const config = (replicas: number, env: Record<string, string>, labels: Record<string, string> = { app: 'web' }) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels },
  spec: {
    replicas,
    template: { spec: { containers: [{ name: 'web', image: 'nginx', env: Object.entries(env).map(([name, value]) => ({ name, value })) }] } },
  },
});

/** What the API server stores after a create by apply. */
function created(c: any): any {
  return { ...structuredClone(c), metadata: { ...c.metadata, namespace: 'default', uid: 'u1', managedFields: ownershipOfCreated({ config: c, manager: 'kubectl', scope, subresource: '' }) } };
}

const apply = (current: any, c: any, manager = 'kubectl', force = false) => applyWithOwnership({ current, config: c, manager, force, scope, subresource: '', merge });
const owners = (o: any) => decodeEntries(o.metadata.managedFields).map((e) => `${e.manager}/${e.operation}:${e.fields.size}`);

test('a field left out of the next apply is removed; one still applied stays', () => {
  let o = created(config(2, { A: '1', B: '2' }, { app: 'web', tier: 'front' }));
  o = apply(o, config(2, { A: '1' }));
  assert.deepEqual(o.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
  assert.deepEqual(o.metadata.labels, { app: 'web' });
  assert.deepEqual(owners(o), ['kubectl/Apply:8']);
});

test('a field another manager changed conflicts, naming the manager and the field; force takes it', () => {
  let o = created(config(2, { A: '1' }));
  // `kubectl scale` as an ordinary update.
  const scaled = structuredClone(o);
  scaled.spec.replicas = 5;
  trackUpdate({ old: o, next: scaled, manager: 'kubectl-scale', scope, subresource: '' });
  o = scaled;
  assert.deepEqual(owners(o).sort(), ['kubectl-scale/Update:1', 'kubectl/Apply:7']);
  assert.throws(
    () => apply(o, config(3, { A: '1' })),
    (err: ApiError) =>
      err.code === 409 &&
      err.message === 'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas' &&
      JSON.stringify(err.details?.causes) === JSON.stringify([{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-scale" using apps/v1', field: '.spec.replicas' }]),
  );
  // The same value is no conflict: both own it.
  const same = apply(o, config(5, { A: '1' }));
  assert.deepEqual(owners(same).sort(), ['kubectl-scale/Update:1', 'kubectl/Apply:8']);
  const forced = apply(o, config(3, { A: '1' }), 'kubectl', true);
  assert.equal(forced.spec.replicas, 3);
  assert.deepEqual(owners(forced), ['kubectl/Apply:8']);
});

test('a field another manager also owns is not removed when the applier drops it', () => {
  let o = created(config(2, { A: '1' }));
  o = apply(o, config(2, { A: '1' }), 'other');
  o = apply(o, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } });
  assert.deepEqual(o.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
  o = apply(o, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } }, 'other');
  assert.equal(o.spec.template, undefined, 'the container list and the maps it left empty are gone');
  assert.equal(o.spec.replicas, 2);
});

test('an ordinary update takes the fields it changes from the applier', () => {
  const o = created(config(2, { A: '1' }));
  const edited = structuredClone(o);
  edited.spec.template.spec.containers[0].image = 'nginx:2';
  edited.metadata.labels.extra = 'x';
  trackUpdate({ old: o, next: edited, manager: 'kubectl-edit', scope, subresource: '' });
  const e = decodeEntries(edited.metadata.managedFields);
  const edit = e.find((x) => x.manager === 'kubectl-edit')!;
  assert.deepEqual([...edit.fields.keys()].sort(), ['f:metadata\nf:labels\nf:extra', 'f:spec\nf:template\nf:spec\nf:containers\nk:{"name":"web"}\nf:image']);
  // The applier no longer owns the image, so leaving it out does not remove it.
  const next = apply(edited, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 2, template: { spec: { containers: [{ name: 'web' }] } } } });
  assert.equal(next.spec.template.spec.containers[0].image, 'nginx:2');
  assert.equal(next.spec.template.spec.containers[0].env, undefined);
});

test('objects never applied are not tracked; a client may clear managedFields with [{}]', () => {
  const plain = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
  const next = { ...structuredClone(plain), data: { a: '2' } } as any;
  trackUpdate({ old: plain, next, manager: 'm', scope: { kind: 'ConfigMap', part: 'all' }, subresource: '' });
  assert.equal(next.metadata.managedFields, undefined);
  const o = created(config(2, {}));
  const cleared = { ...structuredClone(o), metadata: { ...o.metadata, managedFields: [{}] } };
  trackUpdate({ old: o, next: cleared, manager: 'm', scope, subresource: '' });
  assert.equal(cleared.metadata.managedFields, undefined);
});
