/**
 * A small language for orch's own API schema. Each object type is declared once with
 * short descriptions; OpenAPI v2/v3, strict field validation and `kubectl explain` are
 * all generated from these declarations.
 *
 * Type ids are "<package>.<Name>", e.g. "core.v1.PodSpec" or "meta.v1.ObjectMeta".
 * Inside `pkg('apps.v1')` an unqualified ref such as `ref('DeploymentSpec')` means a type
 * of the same package; a ref containing a dot is already qualified.
 */

export type Schema =
  | { kind: 'string'; format?: 'byte'; enum?: readonly string[] }
  | { kind: 'integer'; format: 'int32' | 'int64' }
  | { kind: 'number' }
  | { kind: 'boolean' }
  /** RFC 3339 timestamp with second precision (meta/v1 Time). */
  | { kind: 'time' }
  /** RFC 3339 timestamp with microsecond precision (meta/v1 MicroTime). */
  | { kind: 'microtime' }
  | { kind: 'quantity' }
  | { kind: 'int-or-string' }
  /** Free-form JSON: nothing below it is checked. */
  | { kind: 'any' }
  /** A JSON object used as a map from string keys to values of one schema. */
  | { kind: 'map'; values: Schema }
  | { kind: 'array'; items: Schema }
  | { kind: 'ref'; id: string };

export interface Field {
  schema: Schema;
  description: string;
  required?: boolean;
}

export interface GVK {
  group: string;
  version: string;
  kind: string;
}

export interface TypeDef {
  /** Qualified id, e.g. "apps.v1.Deployment". */
  id: string;
  description: string;
  properties: Readonly<Record<string, Field>>;
  /** Set on top-level kinds (objects with apiVersion/kind). */
  gvk?: GVK;
}

// Element schemas, for arrays and maps.
export const T = {
  string: { kind: 'string' } as Schema,
  int32: { kind: 'integer', format: 'int32' } as Schema,
  int64: { kind: 'integer', format: 'int64' } as Schema,
  quantity: { kind: 'quantity' } as Schema,
  ref: (id: string): Schema => ({ kind: 'ref', id }),
};

const field = (schema: Schema, description: string): Field => ({ schema, description });

export const str = (description: string): Field => field({ kind: 'string' }, description);
/** A string limited to the listed values (advertised as an OpenAPI enum). */
export const oneOf = (values: readonly string[], description: string): Field =>
  field({ kind: 'string', enum: values }, description);
/** Base64-encoded bytes. */
export const bytes = (description: string): Field => field({ kind: 'string', format: 'byte' }, description);
export const int32 = (description: string): Field => field(T.int32, description);
export const int64 = (description: string): Field => field(T.int64, description);
export const num = (description: string): Field => field({ kind: 'number' }, description);
export const bool = (description: string): Field => field({ kind: 'boolean' }, description);
export const time = (description: string): Field => field({ kind: 'time' }, description);
export const microTime = (description: string): Field => field({ kind: 'microtime' }, description);
export const quantity = (description: string): Field => field(T.quantity, description);
export const intOrString = (description: string): Field => field({ kind: 'int-or-string' }, description);
export const free = (description: string): Field => field({ kind: 'any' }, description);
export const ref = (id: string, description: string): Field => field(T.ref(id), description);
/** An array of refs: `refs('Container', '…')`. */
export const refs = (id: string, description: string): Field =>
  field({ kind: 'array', items: T.ref(id) }, description);
export const arr = (items: Schema, description: string): Field => field({ kind: 'array', items }, description);
export const strs = (description: string): Field => arr(T.string, description);
/** map[string]string, e.g. labels. */
export const strMap = (description: string): Field => field({ kind: 'map', values: T.string }, description);
/** map[string]Quantity, e.g. resource limits. */
export const quantities = (description: string): Field => field({ kind: 'map', values: T.quantity }, description);
export const mapOf = (values: Schema, description: string): Field => field({ kind: 'map', values }, description);

/** Marks a field as required in the published schema. */
export const req = (f: Field): Field => ({ ...f, required: true });

function qualify(s: Schema, pkgId: string): Schema {
  switch (s.kind) {
    case 'ref':
      return s.id.includes('.') ? s : { kind: 'ref', id: `${pkgId}.${s.id}` };
    case 'array':
      return { kind: 'array', items: qualify(s.items, pkgId) };
    case 'map':
      return { kind: 'map', values: qualify(s.values, pkgId) };
    default:
      return s;
  }
}

/** The API group and version a package id stands for. */
export const PACKAGE_GROUPS: Readonly<Record<string, { group: string; version: string }>> = {
  'meta.v1': { group: 'meta.k8s.io', version: 'v1' },
  'core.v1': { group: '', version: 'v1' },
  'apps.v1': { group: 'apps', version: 'v1' },
  'autoscaling.v1': { group: 'autoscaling', version: 'v1' },
  'discovery.v1': { group: 'discovery.k8s.io', version: 'v1' },
  'networking.v1': { group: 'networking.k8s.io', version: 'v1' },
  'storage.v1': { group: 'storage.k8s.io', version: 'v1' },
  'coordination.v1': { group: 'coordination.k8s.io', version: 'v1' },
};

/**
 * Returns declarers for one package: `type` for a nested type, `kind` for a top-level
 * object, which gets apiVersion, kind and metadata fields of its own.
 */
export function pkg(pkgId: string) {
  const gv = PACKAGE_GROUPS[pkgId];
  if (!gv) throw new Error(`unknown schema package ${pkgId}`);
  const apiVersion = gv.group ? `${gv.group}/${gv.version}` : gv.version;

  const type = (name: string, description: string, properties: Record<string, Field>): TypeDef => {
    const qualified: Record<string, Field> = {};
    for (const [k, f] of Object.entries(properties)) qualified[k] = { ...f, schema: qualify(f.schema, pkgId) };
    return { id: `${pkgId}.${name}`, description, properties: qualified };
  };

  const kind = (
    name: string,
    description: string,
    properties: Record<string, Field>,
    opts: { metadata?: 'object' | 'list' | 'none' } = {},
  ): TypeDef => {
    const meta = opts.metadata ?? 'object';
    const head: Record<string, Field> = {
      apiVersion: str(`Schema version of this object; "${apiVersion}" here.`),
      kind: str(`Type of this object; "${name}" here.`),
    };
    if (meta === 'object') head.metadata = ref('meta.v1.ObjectMeta', 'Standard object metadata: name, namespace, labels, annotations, owners.');
    if (meta === 'list') head.metadata = ref('meta.v1.ListMeta', 'List metadata: resourceVersion and continue token.');
    return { ...type(name, description, { ...head, ...properties }), gvk: { ...gv, kind: name } };
  };

  return { type, kind };
}
