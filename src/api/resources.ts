/**
 * The resource table: every API resource orch serves, described once.
 * Routing, discovery, OpenAPI, Table output and the dashboard are derived from it;
 * adding a resource is one entry here plus a strategy in the API server.
 */

export type Subresource = 'status' | 'scale' | 'binding' | 'log' | 'exec' | 'portforward' | 'attach' | 'proxy';

export interface ResourceInfo {
  /** API group; '' for the core group. */
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Lower-case plural used in URLs, e.g. 'deployments'. */
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  subresources: Subresource[];
  /** `kubectl get all` includes resources in the 'all' category. */
  categories: string[];
  /** Verbs advertised in discovery. */
  verbs: string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function res(
  group: string,
  version: string,
  kind: string,
  plural: string,
  opts: { short?: string[]; namespaced?: boolean; sub?: Subresource[]; all?: boolean; verbs?: string[] } = {},
): ResourceInfo {
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    shortNames: opts.short ?? [],
    namespaced: opts.namespaced ?? true,
    subresources: opts.sub ?? [],
    categories: opts.all ? ['all'] : [],
    verbs: opts.verbs ?? ALL_VERBS,
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  res('', 'v1', 'Namespace', 'namespaces', {
    short: ['ns'],
    namespaced: false,
    sub: ['status'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  res('', 'v1', 'Node', 'nodes', { short: ['no'], namespaced: false, sub: ['status', 'proxy'] }),
  res('', 'v1', 'Pod', 'pods', {
    short: ['po'],
    sub: ['status', 'binding', 'log', 'exec', 'portforward', 'attach'],
    all: true,
  }),
  res('', 'v1', 'Service', 'services', {
    short: ['svc'],
    sub: ['status', 'proxy'],
    all: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  res('', 'v1', 'Endpoints', 'endpoints', { short: ['ep'] }),
  res('', 'v1', 'ConfigMap', 'configmaps', { short: ['cm'] }),
  res('', 'v1', 'Secret', 'secrets'),
  res('', 'v1', 'Event', 'events', { short: ['ev'] }),
  res('', 'v1', 'ServiceAccount', 'serviceaccounts', { short: ['sa'] }),
  res('', 'v1', 'PersistentVolume', 'persistentvolumes', { short: ['pv'], namespaced: false, sub: ['status'] }),
  res('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', { short: ['pvc'], sub: ['status'] }),
  res('apps', 'v1', 'Deployment', 'deployments', { short: ['deploy'], sub: ['status', 'scale'], all: true }),
  res('apps', 'v1', 'ReplicaSet', 'replicasets', { short: ['rs'], sub: ['status', 'scale'], all: true }),
  res('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices'),
  res('networking.k8s.io', 'v1', 'Ingress', 'ingresses', { short: ['ing'], sub: ['status'] }),
  res('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', { namespaced: false }),
  res('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', { short: ['sc'], namespaced: false }),
  res('coordination.k8s.io', 'v1', 'Lease', 'leases'),
];

/** "apps/v1" or "v1" for the core group. */
export const groupVersion = (r: { group: string; version: string }): string =>
  r.group ? `${r.group}/${r.version}` : r.version;

/** "deployments.apps" or "pods": the name Kubernetes uses in messages. */
export const qualifiedResource = (r: ResourceInfo): string => (r.group ? `${r.plural}.${r.group}` : r.plural);

const byGroupVersionPlural = new Map(RESOURCES.map((r) => [`${groupVersion(r)}/${r.plural}`, r]));
const byApiVersionKind = new Map(RESOURCES.map((r) => [`${groupVersion(r)}/${r.kind}`, r]));

export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return byGroupVersionPlural.get(`${groupVersion({ group, version })}/${plural}`);
}

export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return byApiVersionKind.get(`${apiVersion}/${kind}`);
}

/** The groups served, in discovery order (core first), each with its versions. */
export function servedGroups(): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  for (const r of RESOURCES) {
    let g = out.find((x) => x.group === r.group);
    if (!g) out.push((g = { group: r.group, versions: [] }));
    if (!g.versions.includes(r.version)) g.versions.push(r.version);
  }
  return out;
}
