/**
 * Discovery documents, derived from the resource table: /api, /apis (legacy and
 * aggregated), /apis/<group>, the per-group-version APIResourceLists, and /version.
 * Bodies are computed once; the table does not change while the server runs.
 */

import { RESOURCES, groupVersion, servedGroups, type ResourceInfo, type Subresource } from '../api/resources.js';

/** kubectl treats a body as aggregated discovery only with exactly this Content-Type. */
export const DISCOVERY_V2_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const DISCOVERY_V2BETA1_CONTENT_TYPE =
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

export type DiscoveryFormat = 'v2' | 'v2beta1' | 'legacy';

export interface DiscoveryResponse {
  contentType: string;
  body: string;
}

/** Kubernetes version orch reports; kubectl warns when its own minor is more than one away. */
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0+orch' };

interface Kind {
  group: string;
  version: string;
  kind: string;
}

interface SubresourceInfo {
  kind: (r: ResourceInfo) => Kind;
  verbs: string[];
}

const core = (kind: string) => (): Kind => ({ group: '', version: 'v1', kind });
const same = (r: ResourceInfo): Kind => ({ group: r.group, version: r.version, kind: r.kind });
const connectVerbs = ['create', 'get'];
const proxyKinds: Record<string, string> = { Pod: 'PodProxyOptions', Node: 'NodeProxyOptions', Service: 'ServiceProxyOptions' };

/** What each subresource returns and which verbs it takes, as Kubernetes advertises them. */
export const SUBRESOURCES: Readonly<Record<Subresource, SubresourceInfo>> = {
  status: { kind: same, verbs: ['get', 'patch', 'update'] },
  scale: { kind: () => ({ group: 'autoscaling', version: 'v1', kind: 'Scale' }), verbs: ['get', 'patch', 'update'] },
  binding: { kind: core('Binding'), verbs: ['create'] },
  log: { kind: same, verbs: ['get'] },
  exec: { kind: core('PodExecOptions'), verbs: connectVerbs },
  portforward: { kind: core('PodPortForwardOptions'), verbs: connectVerbs },
  attach: { kind: core('PodAttachOptions'), verbs: connectVerbs },
  proxy: {
    kind: (r) => ({ group: '', version: 'v1', kind: proxyKinds[r.kind] ?? `${r.kind}ProxyOptions` }),
    verbs: ['create', 'delete', 'get', 'patch', 'update'],
  },
};

// ---- Accept negotiation ----

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges = header.split(',').map((part) => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const i = p.indexOf('=');
      if (i > 0) params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim();
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    return { type: (type ?? '').toLowerCase(), params, q: Number.isFinite(q) ? q : 1 };
  });
  // Stable sort: among equal q the client's order decides.
  return ranges.filter((r) => r.q > 0).sort((a, b) => b.q - a.q);
}

/**
 * Which form of /api and /apis to send for an Accept header: aggregated v2 (or v2beta1 for
 * clients that do not accept v2) when asked for, otherwise the legacy lists. Never fails:
 * a client that accepts nothing we know still gets the legacy JSON.
 */
export function negotiateDiscovery(accept: string | undefined): DiscoveryFormat {
  if (!accept) return 'legacy';
  for (const r of parseAccept(accept)) {
    const { g, v, as } = r.params;
    if (r.type === 'application/json' && g === 'apidiscovery.k8s.io' && as === 'APIGroupDiscoveryList') {
      if (v === 'v2' || v === 'v2beta1') return v;
      continue;
    }
    if (as) continue;
    if (r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*') return 'legacy';
  }
  return 'legacy';
}

// ---- Document builders ----

const scope = (r: ResourceInfo): string => (r.namespaced ? 'Namespaced' : 'Cluster');

/** Resources of one group-version, in table order. */
function resourcesOf(group: string, version: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
}

function apiResourceList(group: string, version: string): object {
  const resources: object[] = [];
  for (const r of resourcesOf(group, version)) {
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    // Subresources follow their resource: client-node takes the first entry whose kind
    // matches, and pods/status is also of kind Pod.
    for (const sub of r.subresources) {
      const info = SUBRESOURCES[sub];
      const k = info.kind(r);
      const other = k.group !== r.group || k.version !== r.version;
      resources.push({
        name: `${r.plural}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(other ? { group: k.group, version: k.version } : {}),
        kind: k.kind,
        verbs: info.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources };
}

function discoveryVersion(group: string, version: string): object {
  return {
    version,
    resources: resourcesOf(group, version).map((r) => ({
      resource: r.plural,
      responseKind: { group: r.group, version: r.version, kind: r.kind },
      scope: scope(r),
      singularResource: r.singular,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
      ...(r.subresources.length
        ? {
            subresources: r.subresources.map((sub) => ({
              subresource: sub,
              responseKind: SUBRESOURCES[sub].kind(r),
              verbs: SUBRESOURCES[sub].verbs,
            })),
          }
        : {}),
    })),
    freshness: 'Current',
  };
}

function aggregated(groups: { group: string; versions: string[] }[], v: 'v2' | 'v2beta1'): object {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${v}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((version) => discoveryVersion(g.group, version)),
    })),
  };
}

function apiGroup(g: { group: string; versions: string[] }): object {
  const versions = g.versions.map((version) => ({ groupVersion: `${g.group}/${version}`, version }));
  return { name: g.group, versions, preferredVersion: versions[0] };
}

const memo = <T>(f: () => T): (() => T) => {
  let v: T | undefined;
  return () => (v ??= f());
};

const coreGroups = memo(() => servedGroups().filter((g) => g.group === ''));
const namedGroups = memo(() => servedGroups().filter((g) => g.group !== ''));

const bodies = memo(() => {
  const resourceLists = new Map<string, string>();
  for (const g of servedGroups()) {
    for (const v of g.versions) resourceLists.set(groupVersion({ group: g.group, version: v }), JSON.stringify(apiResourceList(g.group, v)));
  }
  const groups = new Map(
    namedGroups().map((g) => [g.group, JSON.stringify({ kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) })]),
  );
  return {
    resourceLists,
    groups,
    groupList: JSON.stringify({ kind: 'APIGroupList', apiVersion: 'v1', groups: namedGroups().map(apiGroup) }),
    coreV2: JSON.stringify(aggregated(coreGroups(), 'v2')),
    coreV2beta1: JSON.stringify(aggregated(coreGroups(), 'v2beta1')),
    namedV2: JSON.stringify(aggregated(namedGroups(), 'v2')),
    namedV2beta1: JSON.stringify(aggregated(namedGroups(), 'v2beta1')),
  };
});

/** Legacy `/api`: the core versions and the address clients should use. */
export function apiVersionsBody(serverAddress = ''): string {
  const versions = coreGroups().flatMap((g) => g.versions);
  return JSON.stringify({
    kind: 'APIVersions',
    versions,
    serverAddressByClientCIDRs: serverAddress ? [{ clientCIDR: '0.0.0.0/0', serverAddress }] : [],
  });
}

/** Legacy `/apis`: the named groups (the core group is only under /api). */
export function apiGroupListBody(): string {
  return bodies().groupList;
}

/** `/apis/<group>`: one APIGroup, or undefined for a group orch does not serve. */
export function apiGroupBody(group: string): string | undefined {
  return bodies().groups.get(group);
}

/** `/api/v1` or `/apis/<group>/<version>`: the APIResourceList, or undefined if not served. */
export function apiResourceListBody(group: string, version: string): string | undefined {
  return bodies().resourceLists.get(groupVersion({ group, version }));
}

/** Aggregated discovery for `/api` (core) or `/apis` (named groups). */
export function aggregatedDiscoveryBody(root: 'api' | 'apis', format: 'v2' | 'v2beta1'): string {
  const b = bodies();
  if (root === 'api') return format === 'v2' ? b.coreV2 : b.coreV2beta1;
  return format === 'v2' ? b.namedV2 : b.namedV2beta1;
}

/** `/version`. */
export const versionBody = memo(() =>
  JSON.stringify({
    ...KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'gc',
    platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  }),
);

const json = (body: string): DiscoveryResponse => ({ contentType: 'application/json', body });

/**
 * The discovery response for a URL path, or undefined when the path is not a discovery
 * path (or names a group or version orch does not serve). `serverAddress` (host:port)
 * goes into the legacy /api answer.
 */
export function discoveryResponse(path: string, accept: string | undefined, serverAddress = ''): DiscoveryResponse | undefined {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (p === '/version') return json(versionBody());
  if (p === '/api' || p === '/apis') {
    const format = negotiateDiscovery(accept);
    const root = p === '/api' ? 'api' : 'apis';
    if (format !== 'legacy') {
      return {
        contentType: format === 'v2' ? DISCOVERY_V2_CONTENT_TYPE : DISCOVERY_V2BETA1_CONTENT_TYPE,
        body: aggregatedDiscoveryBody(root, format),
      };
    }
    return json(root === 'api' ? apiVersionsBody(serverAddress) : apiGroupListBody());
  }
  const parts = p.split('/').slice(1);
  if (parts[0] === 'api' && parts.length === 2) {
    const body = apiResourceListBody('', parts[1]);
    return body ? json(body) : undefined;
  }
  if (parts[0] === 'apis' && parts.length === 2) {
    const body = apiGroupBody(parts[1]);
    return body ? json(body) : undefined;
  }
  if (parts[0] === 'apis' && parts.length === 3) {
    const body = apiResourceListBody(parts[1], parts[2]);
    return body ? json(body) : undefined;
  }
  return undefined;
}
