import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldSelectorMatcher, parseFieldSelector, selectableFields, SELECTABLE_FIELDS } from './fields.js';
import { ApiError } from './errors.js';

const runningPod = {
  metadata: { name: 'web-1', namespace: 'default' },
  spec: { nodeName: 'n1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default' },
  status: { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }] },
};
const pendingPod = { metadata: { name: 'web-2', namespace: 'kube-system' }, spec: { hostNetwork: true }, status: { phase: 'Pending' } };

const podCases: { selector: string; matches: object[]; rejects: object[] }[] = [
  { selector: '', matches: [runningPod, pendingPod], rejects: [] },
  { selector: 'status.phase=Running', matches: [runningPod], rejects: [pendingPod] },
  { selector: 'status.phase==Running', matches: [runningPod], rejects: [pendingPod] },
  { selector: 'status.phase!=Running', matches: [pendingPod], rejects: [runningPod] },
  { selector: 'spec.nodeName=', matches: [pendingPod], rejects: [runningPod] },
  { selector: 'spec.nodeName=n1,metadata.namespace=default', matches: [runningPod], rejects: [pendingPod] },
  { selector: 'spec.hostNetwork=true', matches: [pendingPod], rejects: [runningPod] },
  { selector: 'spec.hostNetwork=false', matches: [runningPod], rejects: [pendingPod] },
  { selector: 'status.podIP=10.244.0.5', matches: [runningPod], rejects: [pendingPod] },
  { selector: 'metadata.name=web-2, status.phase=Pending', matches: [pendingPod], rejects: [runningPod] },
  { selector: 'metadata.name=web-1,,', matches: [runningPod], rejects: [pendingPod] },
];

for (const c of podCases) {
  test(`pod field selector ${JSON.stringify(c.selector)} selects the right pods`, () => {
    const match = fieldSelectorMatcher('pods', c.selector);
    for (const p of c.matches) assert.equal(match(p), true, `should match ${JSON.stringify(p)}`);
    for (const p of c.rejects) assert.equal(match(p), false, `should not match ${JSON.stringify(p)}`);
  });
}

const event = {
  metadata: { name: 'e', namespace: 'default' },
  involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', uid: 'u1', apiVersion: 'v1', resourceVersion: '7', fieldPath: 'spec.containers{c}' },
  reason: 'Pulled',
  reportingComponent: 'kubelet',
  source: { component: 'kubelet', host: 'n1' },
  type: 'Normal',
};

const getterCases: { resource: string; field: string; obj: object; value: string }[] = [
  { resource: 'events', field: 'involvedObject.kind', obj: event, value: 'Pod' },
  { resource: 'events', field: 'involvedObject.name', obj: event, value: 'web-1' },
  { resource: 'events', field: 'involvedObject.namespace', obj: event, value: 'default' },
  { resource: 'events', field: 'involvedObject.uid', obj: event, value: 'u1' },
  { resource: 'events', field: 'involvedObject.apiVersion', obj: event, value: 'v1' },
  { resource: 'events', field: 'involvedObject.resourceVersion', obj: event, value: '7' },
  { resource: 'events', field: 'involvedObject.fieldPath', obj: event, value: 'spec.containers{c}' },
  { resource: 'events', field: 'reason', obj: event, value: 'Pulled' },
  { resource: 'events', field: 'reportingComponent', obj: event, value: 'kubelet' },
  { resource: 'events', field: 'source', obj: event, value: 'kubelet' },
  { resource: 'events', field: 'type', obj: event, value: 'Normal' },
  { resource: 'secrets', field: 'type', obj: { type: 'kubernetes.io/tls' }, value: 'kubernetes.io/tls' },
  { resource: 'nodes', field: 'spec.unschedulable', obj: { spec: { unschedulable: true } }, value: 'true' },
  { resource: 'nodes', field: 'spec.unschedulable', obj: { spec: {} }, value: 'false' },
  { resource: 'namespaces', field: 'status.phase', obj: { status: { phase: 'Terminating' } }, value: 'Terminating' },
  { resource: 'replicasets', field: 'status.replicas', obj: { status: { replicas: 3 } }, value: '3' },
  { resource: 'replicasets', field: 'status.replicas', obj: { status: {} }, value: '0' },
  { resource: 'pods', field: 'spec.restartPolicy', obj: runningPod, value: 'Always' },
  { resource: 'pods', field: 'spec.schedulerName', obj: runningPod, value: 'default-scheduler' },
  { resource: 'pods', field: 'spec.serviceAccountName', obj: runningPod, value: 'default' },
  { resource: 'pods', field: 'status.nominatedNodeName', obj: runningPod, value: '' },
  { resource: 'configmaps', field: 'metadata.name', obj: { metadata: { name: 'c' } }, value: 'c' },
  { resource: 'configmaps', field: 'metadata.namespace', obj: {}, value: '' },
];

for (const c of getterCases) {
  test(`${c.resource} field ${c.field} reads ${JSON.stringify(c.value)}`, () => {
    assert.equal(selectableFields(c.resource)[c.field](c.obj), c.value);
  });
}

test('every resource in the table also has the common metadata fields', () => {
  for (const resource of Object.keys(SELECTABLE_FIELDS)) {
    assert.ok('metadata.name' in selectableFields(resource));
    assert.ok('metadata.namespace' in selectableFields(resource));
  }
});

test('field selector values unescape \\, \\= and \\\\, and print escaped', () => {
  const sel = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d,status.phase==x');
  assert.deepEqual(sel.requirements, [
    { field: 'metadata.name', operator: '=', value: 'a,b=c\\d' },
    { field: 'status.phase', operator: '==', value: 'x' },
  ]);
  assert.equal(sel.toString(), 'metadata.name=a\\,b\\=c\\\\d,status.phase=x');
  assert.equal(sel.requiresExactMatch('status.phase'), 'x');
  assert.equal(parseFieldSelector('spec.nodeName!=n1').requiresExactMatch('spec.nodeName'), undefined);
});

const bad: { resource: string; selector: string; message: string }[] = [
  { resource: 'pods', selector: 'spec.foo=bar', message: 'field label not supported: spec.foo' },
  { resource: 'configmaps', selector: 'status.phase=Running', message: 'field label not supported: status.phase' },
  { resource: 'pods', selector: 'status.phase', message: "invalid selector: 'status.phase'; can't understand 'status.phase'" },
  { resource: 'pods', selector: 'a=b,c', message: "invalid selector: 'a=b,c'; can't understand 'c'" },
  { resource: 'pods', selector: 'metadata.name=a=b', message: 'invalid field selector: unescaped character in value: =' },
  { resource: 'pods', selector: 'metadata.name=a\\x', message: 'invalid field selector: invalid escape sequence: \\x' },
  { resource: 'pods', selector: 'metadata.name=a\\', message: 'invalid field selector: invalid escape sequence: \\' },
];

for (const c of bad) {
  test(`${c.resource} field selector ${JSON.stringify(c.selector)} is rejected with 400: ${c.message}`, () => {
    assert.throws(
      () => fieldSelectorMatcher(c.resource, c.selector),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === c.message,
    );
  });
}
