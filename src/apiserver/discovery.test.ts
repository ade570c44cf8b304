import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESOURCES } from '../api/resources.js';
import {
  DISCOVERY_V2_CONTENT_TYPE,
  DISCOVERY_V2BETA1_CONTENT_TYPE,
  apiResourceListBody,
  discoveryResponse,
  negotiateDiscovery,
} from './discovery.js';

const KUBECTL_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

test('negotiateDiscovery picks aggregated v2, then v2beta1, else legacy', () => {
  const cases: [string | undefined, string][] = [
    [KUBECTL_ACCEPT, 'v2'],
    ['application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json', 'v2beta1'],
    ['application/json', 'legacy'],
    ['application/json, */*', 'legacy'],
    [undefined, 'legacy'],
    ['application/vnd.kubernetes.protobuf', 'legacy'],
    // q-values order the candidates; q=0 rules one out.
    ['application/json;q=0.9,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', 'v2'],
    ['application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0,application/json', 'legacy'],
    ['application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json', 'legacy'],
  ];
  for (const [accept, want] of cases) assert.equal(negotiateDiscovery(accept), want, `Accept: ${accept}`);
});

test('/api and /apis answer aggregated discovery with the exact content type kubectl needs', () => {
  const api = discoveryResponse('/api', KUBECTL_ACCEPT)!;
  assert.equal(api.contentType, DISCOVERY_V2_CONTENT_TYPE);
  const core = JSON.parse(api.body);
  assert.equal(core.kind, 'APIGroupDiscoveryList');
  assert.equal(core.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.deepEqual(core.items.map((i: any) => i.metadata.name), ['']);
  const pods = core.items[0].versions[0].resources.find((r: any) => r.resource === 'pods');
  assert.deepEqual(pods.responseKind, { group: '', version: 'v1', kind: 'Pod' });
  assert.equal(pods.scope, 'Namespaced');
  assert.deepEqual(pods.shortNames, ['po']);
  assert.deepEqual(pods.categories, ['all']);
  assert.deepEqual(pods.subresources.find((s: any) => s.subresource === 'log').verbs, ['get']);

  const apis = JSON.parse(discoveryResponse('/apis', KUBECTL_ACCEPT)!.body);
  assert.deepEqual(
    apis.items.map((i: any) => i.metadata.name),
    ['apps', 'discovery.k8s.io', 'networking.k8s.io', 'storage.k8s.io', 'coordination.k8s.io'],
  );
  const deployments = apis.items[0].versions[0].resources.find((r: any) => r.resource === 'deployments');
  assert.deepEqual(deployments.subresources.find((s: any) => s.subresource === 'scale').responseKind, {
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
  });

  const beta = discoveryResponse('/apis', 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList')!;
  assert.equal(beta.contentType, DISCOVERY_V2BETA1_CONTENT_TYPE);
  assert.equal(JSON.parse(beta.body).apiVersion, 'apidiscovery.k8s.io/v2beta1');
});

test('legacy /api and /apis list versions and named groups', () => {
  const api = JSON.parse(discoveryResponse('/api', 'application/json', '127.0.0.1:6443')!.body);
  assert.deepEqual(api, {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
  });
  const apis = JSON.parse(discoveryResponse('/apis/', 'application/json')!.body);
  assert.equal(apis.kind, 'APIGroupList');
  assert.deepEqual(apis.groups[0], {
    name: 'apps',
    versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
    preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
  });
  assert.equal(JSON.parse(discoveryResponse('/apis/apps', undefined)!.body).kind, 'APIGroup');
  assert.equal(discoveryResponse('/apis/batch', undefined), undefined);
  assert.equal(discoveryResponse('/apis/apps/v2', undefined), undefined);
  assert.equal(discoveryResponse('/api/v1/pods', undefined), undefined);
});

test('APIResourceList lists each resource before its subresources', () => {
  const core = JSON.parse(apiResourceListBody('', 'v1')!);
  assert.equal(core.groupVersion, 'v1');
  const names: string[] = core.resources.map((r: any) => r.name);
  assert.ok(names.indexOf('pods') < names.indexOf('pods/status'), names.join(' '));
  // client-node resolves a kind to the first entry with that kind.
  assert.equal(core.resources.find((r: any) => r.kind === 'Pod').name, 'pods');
  const byName = new Map(core.resources.map((r: any) => [r.name, r]));
  assert.deepEqual((byName.get('pods/binding') as any).verbs, ['create']);
  assert.deepEqual((byName.get('pods/log') as any).verbs, ['get']);
  assert.deepEqual((byName.get('pods/exec') as any).verbs, ['create', 'get']);
  assert.ok(byName.has('pods/portforward'));
  assert.deepEqual(byName.get('pods'), {
    name: 'pods',
    singularName: 'pod',
    namespaced: true,
    kind: 'Pod',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['po'],
    categories: ['all'],
  });

  const apps = JSON.parse(apiResourceListBody('apps', 'v1')!);
  const scale = apps.resources.find((r: any) => r.name === 'deployments/scale');
  assert.deepEqual(scale, {
    name: 'deployments/scale',
    singularName: '',
    namespaced: true,
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
    verbs: ['get', 'patch', 'update'],
  });
  const total = ['v1', 'apps/v1', 'discovery.k8s.io/v1', 'networking.k8s.io/v1', 'storage.k8s.io/v1', 'coordination.k8s.io/v1']
    .map((gv) => (gv.includes('/') ? gv.split('/') : ['', gv]))
    .flatMap(([g, v]) => JSON.parse(apiResourceListBody(g, v)!).resources.filter((r: any) => !r.name.includes('/')));
  assert.equal(total.length, RESOURCES.length);
});

test('/version reports Kubernetes 1.32', () => {
  const v = JSON.parse(discoveryResponse('/version', undefined)!.body);
  assert.equal(v.major, '1');
  assert.equal(v.minor, '32');
  assert.match(v.gitVersion, /^v1\.32\./);
  assert.match(v.platform, /^linux\//);
});
