/**
 * Strategic-merge-patch metadata: the `patchStrategy` / `patchMergeKey` struct tags of
 * Kubernetes' Go types, written out as a table of named types.
 *
 * The table is keyed by type rather than by path so that a type's rules hold wherever the
 * type appears: PodSpec's `containers` merge by name in a Pod, in a Deployment's
 * `spec.template.spec`, in a CronJob's `spec.jobTemplate.spec.template.spec`, and so on,
 * from a single entry. Only fields that carry a strategy, or lead to a type that has one,
 * are listed; every other field takes the default (maps merge, lists are replaced).
 */

export interface PatchField {
  /** The named type of the value (of each item, for a list), to look further down. */
  type?: string;
  /**
   * 'merge': a list of maps is merged item by item on `mergeKey`; a list of primitives
   * without a merge key is merged as a set. 'replace': the value is replaced whole.
   * Absent: maps are merged key by key and lists replaced whole.
   */
  strategy?: 'merge' | 'replace';
  mergeKey?: string;
  /** A union whose old members kubectl clears by sending `$retainKeys` (Go's `retainKeys`). */
  retainKeys?: boolean;
}

export type PatchType = Readonly<Record<string, PatchField>>;

const byName = (type?: string): PatchField => ({ type, strategy: 'merge', mergeKey: 'name' });
const conditions: PatchField = { strategy: 'merge', mergeKey: 'type' };

/** Named types reached from a kind. */
const TYPES: Readonly<Record<string, PatchType>> = {
  ObjectMeta: {
    ownerReferences: { strategy: 'merge', mergeKey: 'uid' },
    finalizers: { strategy: 'merge' },
  },
  PodTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'PodSpec' } },
  PodSpec: {
    volumes: { ...byName(), retainKeys: true },
    initContainers: byName('Container'),
    containers: byName('Container'),
    // Ephemeral containers carry the same list fields as containers.
    ephemeralContainers: byName('Container'),
    imagePullSecrets: byName(),
    hostAliases: { strategy: 'merge', mergeKey: 'ip' },
    topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey' },
    resourceClaims: { ...byName(), retainKeys: true },
    schedulingGates: byName(),
    // Tolerations have no merge key (two may share a key with different effects): replaced whole.
    tolerations: { strategy: 'replace' },
  },
  Container: {
    ports: { strategy: 'merge', mergeKey: 'containerPort' },
    env: byName(),
    volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
    volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
  },
  PodStatus: {
    conditions,
    podIPs: { strategy: 'merge', mergeKey: 'ip' },
    hostIPs: { strategy: 'merge', mergeKey: 'ip' },
    resourceClaimStatuses: { ...byName(), retainKeys: true },
  },
  // Workload specs hold a pod template; their statuses have conditions keyed by type.
  TemplateSpec: { template: { type: 'PodTemplateSpec' } },
  ConditionsStatus: { conditions },
  DeploymentSpec: { template: { type: 'PodTemplateSpec' }, strategy: { retainKeys: true } },
  JobTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'TemplateSpec' } },
  CronJobSpec: { jobTemplate: { type: 'JobTemplateSpec' } },
  ServiceSpec: { ports: { strategy: 'merge', mergeKey: 'port' } },
  NodeSpec: { podCIDRs: { strategy: 'merge' } },
  NodeStatus: { conditions, addresses: { strategy: 'merge', mergeKey: 'type' } },
};

const ref = (type: string): PatchField => ({ type });
const workload = (specType = 'TemplateSpec'): PatchType => ({
  spec: ref(specType),
  status: ref('ConditionsStatus'),
});

/**
 * The top-level fields of each kind. Kinds not listed (ConfigMap, Secret, EndpointSlice,
 * Ingress, Lease...) have no strategic fields beyond ObjectMeta's.
 */
const KINDS: Readonly<Record<string, PatchType>> = {
  Pod: { spec: ref('PodSpec'), status: ref('PodStatus') },
  PodTemplate: { template: ref('PodTemplateSpec') },
  ReplicationController: workload(),
  ReplicaSet: workload(),
  Deployment: workload('DeploymentSpec'),
  StatefulSet: workload(),
  DaemonSet: workload(),
  Job: workload(),
  CronJob: { spec: ref('CronJobSpec') },
  Service: { spec: ref('ServiceSpec'), status: ref('ConditionsStatus') },
  ServiceAccount: { secrets: byName() },
  Node: { spec: ref('NodeSpec'), status: ref('NodeStatus') },
  Namespace: { status: ref('ConditionsStatus') },
  PersistentVolumeClaim: { status: ref('ConditionsStatus') },
  PodDisruptionBudget: { status: ref('ConditionsStatus') },
  HorizontalPodAutoscaler: { status: ref('ConditionsStatus') },
};

const OBJECT_ROOT: PatchType = { metadata: { type: 'ObjectMeta' } };
const ROOTS = new Map(Object.entries(KINDS).map(([kind, t]) => [kind, { ...OBJECT_ROOT, ...t }]));
const KIND_PREFIX = 'kind:';
const NO_META: PatchField = {};

/** The type name to start a lookup from for an object of `kind`. */
export function patchRootType(kind: string): string {
  return KIND_PREFIX + kind;
}

function typeTable(typeName: string): PatchType | undefined {
  if (typeName.startsWith(KIND_PREFIX)) return ROOTS.get(typeName.slice(KIND_PREFIX.length)) ?? OBJECT_ROOT;
  return TYPES[typeName];
}

/** How `field` of `typeName` is patched: the default (merge maps, replace lists) when unknown. */
export function lookupPatchField(typeName: string | undefined, field: string): PatchField {
  if (!typeName) return NO_META;
  return typeTable(typeName)?.[field] ?? NO_META;
}

/**
 * The patch metadata at a path of field names inside an object of `kind`, e.g.
 * `['spec', 'template', 'spec', 'containers']` in a Deployment. List items are stepped over
 * implicitly, so the path names fields only.
 */
export function patchFieldAt(kind: string, path: readonly string[]): PatchField {
  let type: string | undefined = patchRootType(kind);
  let field: PatchField = NO_META;
  for (const name of path) {
    field = lookupPatchField(type, name);
    type = field.type;
  }
  return field;
}
