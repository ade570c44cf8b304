import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESOURCES, groupVersion } from '../../api/resources.js';
import { openapiV2Protobuf, wantsV2Protobuf } from './v2-protobuf.js';
import { openapiV2Document } from './v2.js';
import { gvPath, openapiV3Document, openapiV3Index, openapiV3Response } from './v3.js';

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function operations(doc: any): { path: string; method: string; op: any; params: any[] }[] {
  return Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
    methods.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m], params: [...(item.parameters ?? []), ...(item[m].parameters ?? [])] })),
  );
}

test('the v3 index points at one document per served group-version, by hash', () => {
  const index = JSON.parse(openapiV3Index().body);
  const gvs = [...new Set(RESOURCES.map((r) => gvPath(r.group, r.version)))];
  assert.deepEqual(Object.keys(index.paths).sort(), gvs.sort());
  for (const gv of gvs) {
    const doc = openapiV3Document(gv)!;
    assert.equal(index.paths[gv].serverRelativeURL, `/openapi/v3/${gv}?hash=${doc.hash}`);
  }
});

test('the apps/v1 document has a Deployment PATCH with fieldValidation and no strategic merge patch', () => {
  const doc = JSON.parse(openapiV3Document('apis/apps/v1')!.body);
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.equal(patch['x-kubernetes-action'], 'patch');
  assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query'));
  assert.deepEqual(Object.keys(patch.requestBody.content).sort(), [
    'application/apply-patch+yaml',
    'application/json-patch+json',
    'application/merge-patch+json',
  ]);
  const schema = doc.components.schemas['io.k8s.api.apps.v1.Deployment'];
  assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  assert.equal(schema.type, 'object');
  assert.deepEqual(schema.properties.spec.allOf, [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' }]);
  assert.ok(doc.components.schemas['io.k8s.api.core.v1.PodSpec']);
  assert.ok(doc.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
  assert.ok(doc.paths['/apis/apps/v1/deployments'].get, 'cluster-wide list for kubectl get -A');
  assert.equal(
    doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].put['x-kubernetes-group-version-kind'].kind,
    'Scale',
  );
});

test('every PATCH of every document takes fieldValidation, and every $ref resolves', () => {
  for (const r of RESOURCES) {
    const doc = JSON.parse(openapiV3Document(gvPath(r.group, r.version))!.body);
    const ops = operations(doc);
    const patches = ops.filter((o) => o.method === 'patch' && o.op['x-kubernetes-group-version-kind'].kind === r.kind);
    assert.ok(patches.length > 0, `${groupVersion(r)} ${r.kind} has a PATCH operation`);
    for (const p of patches) {
      assert.ok(p.params.some((x) => x.name === 'fieldValidation'), `${p.path} PATCH takes fieldValidation`);
      assert.ok(!('application/strategic-merge-patch+json' in p.op.requestBody.content), p.path);
    }
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const ref of refs) assert.ok(doc.components.schemas[ref.slice(22, -1)], `${ref} resolves in ${groupVersion(r)}`);
    for (const name of ['Status', 'DeleteOptions', 'ObjectMeta', 'ListMeta']) {
      assert.ok(doc.components.schemas[`io.k8s.apimachinery.pkg.apis.meta.v1.${name}`], `${name} in ${groupVersion(r)}`);
    }
  }
});

test('namespaced resources have collection, item and all-namespaces paths; subresources have theirs', () => {
  const core = JSON.parse(openapiV3Document('api/v1')!.body);
  for (const p of [
    '/api/v1/namespaces/{namespace}/pods',
    '/api/v1/namespaces/{namespace}/pods/{name}',
    '/api/v1/pods',
    '/api/v1/namespaces/{namespace}/pods/{name}/status',
    '/api/v1/namespaces/{namespace}/pods/{name}/binding',
    '/api/v1/namespaces/{namespace}/pods/{name}/log',
    '/api/v1/namespaces/{namespace}/pods/{name}/exec',
    '/api/v1/nodes',
    '/api/v1/nodes/{name}',
    '/api/v1/namespaces/{name}',
  ]) {
    assert.ok(core.paths[p], `${p} is documented`);
  }
  assert.equal(core.paths['/api/v1/nodes/{name}'].get['x-kubernetes-action'], 'get');
  assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods'].get['x-kubernetes-action'], 'list');
  assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods'].delete['x-kubernetes-action'], 'deletecollection');
  assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/exec'].post['x-kubernetes-action'], 'connect');
  // Namespaces advertise no deletecollection verb.
  assert.equal(core.paths['/api/v1/namespaces'].delete, undefined);
});

test('a stale hash redirects to the current document; the current one is cacheable', () => {
  const doc = openapiV3Document('apis/apps/v1')!;
  const stale = openapiV3Response('/openapi/v3/apis/apps/v1', 'OLD')!;
  assert.equal(stale.status, 301);
  assert.equal(stale.headers.Location, `/openapi/v3/apis/apps/v1?hash=${doc.hash}`);
  const fresh = openapiV3Response('/openapi/v3/apis/apps/v1', doc.hash)!;
  assert.equal(fresh.status, 200);
  assert.equal(fresh.headers['Cache-Control'], 'public, immutable');
  assert.equal(fresh.body, doc.body);
  assert.equal(openapiV3Response('/openapi/v3/apis/batch/v1', null), undefined);
  assert.equal(openapiV3Response('/openapi/v3', null)!.body, openapiV3Index().body);
});

test('the v2 document carries every kind with its GVK, and paths with GVKs', () => {
  const doc = JSON.parse(openapiV2Document().body);
  assert.equal(doc.swagger, '2.0');
  for (const r of RESOURCES) {
    const def = Object.values(doc.definitions).find((d: any) =>
      d['x-kubernetes-group-version-kind']?.some((g: any) => g.group === r.group && g.version === r.version && g.kind === r.kind),
    ) as any;
    assert.ok(def?.properties?.metadata, `${r.kind} is defined`);
  }
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation'));
  assert.ok(!patch.consumes.includes('application/strategic-merge-patch+json'));
  assert.equal(doc.definitions['io.k8s.api.apps.v1.DeploymentSpec'].properties.template.$ref, '#/definitions/io.k8s.api.core.v1.PodTemplateSpec');
});

test('the v2 protobuf form is served only to clients that ask for it', () => {
  assert.ok(wantsV2Protobuf('application/com.github.proto-openapi.spec.v2@v1.0+protobuf'));
  assert.ok(!wantsV2Protobuf('application/json'));
  const pb = openapiV2Protobuf();
  // Field 1 (swagger) is the first thing encoded: tag 0x0a, length 3, "2.0".
  assert.deepEqual([...pb.subarray(0, 5)], [0x0a, 3, 0x32, 0x2e, 0x30]);
  assert.ok(pb.includes(Buffer.from('io.k8s.api.apps.v1.Deployment')));
});
