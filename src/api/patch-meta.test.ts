import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patchFieldAt, type PatchField } from './patch-meta.js';

const byName: PatchField = { type: 'Container', strategy: 'merge', mergeKey: 'name' };

const cases: { kind: string; path: string; expected: PatchField }[] = [
  { kind: 'Pod', path: 'spec.containers', expected: byName },
  { kind: 'Deployment', path: 'spec.template.spec.containers', expected: byName },
  { kind: 'ReplicaSet', path: 'spec.template.spec.initContainers', expected: byName },
  { kind: 'CronJob', path: 'spec.jobTemplate.spec.template.spec.ephemeralContainers', expected: byName },
  { kind: 'Pod', path: 'spec.containers.env', expected: { strategy: 'merge', mergeKey: 'name' } },
  { kind: 'StatefulSet', path: 'spec.template.spec.containers.ports', expected: { strategy: 'merge', mergeKey: 'containerPort' } },
  { kind: 'Pod', path: 'spec.containers.volumeMounts', expected: { strategy: 'merge', mergeKey: 'mountPath' } },
  { kind: 'Pod', path: 'spec.containers.volumeDevices', expected: { strategy: 'merge', mergeKey: 'devicePath' } },
  { kind: 'Pod', path: 'spec.volumes', expected: { strategy: 'merge', mergeKey: 'name', retainKeys: true } },
  { kind: 'Pod', path: 'spec.tolerations', expected: { strategy: 'replace' } },
  { kind: 'Service', path: 'spec.ports', expected: { strategy: 'merge', mergeKey: 'port' } },
  { kind: 'ConfigMap', path: 'metadata.ownerReferences', expected: { strategy: 'merge', mergeKey: 'uid' } },
  { kind: 'Secret', path: 'metadata.finalizers', expected: { strategy: 'merge' } },
  { kind: 'Deployment', path: 'spec.template.metadata.finalizers', expected: { strategy: 'merge' } },
  { kind: 'Deployment', path: 'status.conditions', expected: { strategy: 'merge', mergeKey: 'type' } },
  { kind: 'Deployment', path: 'spec.strategy', expected: { retainKeys: true } },
  { kind: 'Node', path: 'status.addresses', expected: { strategy: 'merge', mergeKey: 'type' } },
  { kind: 'EndpointSlice', path: 'endpoints', expected: {} },
  { kind: 'Pod', path: 'spec.containers.command', expected: {} },
  { kind: 'Pod', path: 'spec.nonexistent.deeper', expected: {} },
];

for (const c of cases) {
  test(`patch metadata for ${c.kind} ${c.path}`, () => {
    const got = { ...patchFieldAt(c.kind, c.path.split('.')) };
    for (const k of Object.keys(got) as (keyof PatchField)[]) if (got[k] === undefined) delete got[k];
    assert.deepEqual(got, c.expected);
  });
}
