/**
 * Turns orch's schema (src/api/schema) into OpenAPI schema objects, for v3
 * (`#/components/schemas/…`) and Swagger 2.0 (`#/definitions/…`). Definition names follow
 * Kubernetes' Go package paths, e.g. io.k8s.api.apps.v1.Deployment, so tools that key
 * on them keep working.
 */

import type { ResourceInfo } from '../../api/resources.js';
import { kindSchema, typeClosure, typeDef, type Schema, type TypeDef } from '../../api/schema/index.js';

export type Dialect = 'v2' | 'v3';

type Json = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const NAMES = {
  time: `${META}.Time`,
  microTime: `${META}.MicroTime`,
  patch: `${META}.Patch`,
  quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  intOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
};

/** "apps.v1.Deployment" -> "io.k8s.api.apps.v1.Deployment"; meta types live in apimachinery. */
export function definitionName(id: string): string {
  return id.startsWith('meta.v1.') ? `${META}.${id.slice('meta.v1.'.length)}` : `io.k8s.api.${id}`;
}

/** Schema id of a resource's kind, e.g. "apps.v1.Deployment". */
export function kindId(r: { group: string; version: string; kind: string }): string {
  const t = kindSchema(r.group, r.version, r.kind);
  if (!t) throw new Error(`no schema declared for ${r.group}/${r.version} ${r.kind}`);
  return t.id;
}

export const listId = (r: ResourceInfo): string => `${kindId(r)}List`;

export function refTo(name: string, dialect: Dialect): { $ref: string } {
  return { $ref: dialect === 'v3' ? `#/components/schemas/${name}` : `#/definitions/${name}` };
}

/**
 * Definitions that are primitives on the wire but named types in Kubernetes. In v3 the
 * two union types carry no `type`, which is also what makes `kubectl explain` print them
 * by name (<IntOrString>, <Quantity>) rather than as <string>.
 */
function primitiveDefinitions(dialect: Dialect): Record<string, Json> {
  const quantity = 'A fixed-point amount with an optional suffix: SI (m, k, M, G, …), binary (Ki, Mi, Gi, …) or decimal exponent (e3), e.g. "500m" of cpu or "128Mi" of memory.';
  const intOrString = 'Either an integer or a string, e.g. a port number or a port name, or "25%".';
  return {
    [NAMES.time]: { description: 'A timestamp in RFC 3339 form with second precision, in UTC.', type: 'string', format: 'date-time' },
    [NAMES.microTime]: { description: 'A timestamp in RFC 3339 form with microsecond precision.', type: 'string', format: 'date-time' },
    [NAMES.quantity]:
      dialect === 'v3'
        ? { description: quantity, anyOf: [{ type: 'number' }, { type: 'string' }] }
        : { description: quantity, type: 'string' },
    [NAMES.intOrString]:
      dialect === 'v3'
        ? { description: intOrString, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }
        : { description: intOrString, type: 'string', format: 'int-or-string' },
    [NAMES.patch]: { description: 'A patch document; its format is given by the request Content-Type.', type: 'object' },
  };
}

/** The OpenAPI form of one value schema (no description). */
function valueSchema(s: Schema, dialect: Dialect): Json {
  switch (s.kind) {
    case 'string':
      return { type: 'string', ...(s.format ? { format: s.format } : {}), ...(s.enum ? { enum: [...s.enum] } : {}) };
    case 'integer':
      return { type: 'integer', format: s.format };
    case 'number':
      return { type: 'number', format: 'double' };
    case 'boolean':
      return { type: 'boolean' };
    case 'time':
      return refTo(NAMES.time, dialect);
    case 'microtime':
      return refTo(NAMES.microTime, dialect);
    case 'quantity':
      return refTo(NAMES.quantity, dialect);
    case 'int-or-string':
      return refTo(NAMES.intOrString, dialect);
    case 'any':
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    case 'map':
      return { type: 'object', additionalProperties: valueSchema(s.values, dialect) };
    case 'array':
      return { type: 'array', items: valueSchema(s.items, dialect) };
    case 'ref':
      return refTo(definitionName(s.id), dialect);
  }
}

/** A property: the value schema with its description. */
function propertySchema(s: Schema, description: string, dialect: Dialect): Json {
  const v = valueSchema(s, dialect);
  if (!('$ref' in v)) return { description, ...v };
  // OpenAPI 3.0 ignores siblings of $ref, so v3 wraps the ref to keep the description;
  // Swagger 2.0 readers (kubectl's v2 explain) read the sibling as Kubernetes writes it.
  return dialect === 'v3' ? { description, allOf: [v] } : { description, ...v };
}

function objectSchema(t: TypeDef, dialect: Dialect): Json {
  const properties: Json = {};
  const required: string[] = [];
  for (const [name, f] of Object.entries(t.properties)) {
    properties[name] = propertySchema(f.schema, f.description, dialect);
    if (f.required) required.push(name);
  }
  return {
    description: t.description,
    type: 'object',
    properties,
    ...(required.length ? { required: required.sort() } : {}),
    ...(t.gvk ? { 'x-kubernetes-group-version-kind': [t.gvk] } : {}),
  };
}

function listSchema(r: ResourceInfo, dialect: Dialect): Json {
  const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
  return {
    description: `A list of ${r.kind} objects.`,
    type: 'object',
    properties: {
      apiVersion: { description: `Schema version of this object; "${apiVersion}" here.`, type: 'string' },
      items: { description: `The ${r.plural}.`, type: 'array', items: refTo(definitionName(kindId(r)), dialect) },
      kind: { description: `Type of this object; "${r.listKind}" here.`, type: 'string' },
      metadata: propertySchema({ kind: 'ref', id: 'meta.v1.ListMeta' }, 'List metadata: resourceVersion and continue token.', dialect),
    },
    required: ['items'],
    'x-kubernetes-group-version-kind': [{ group: r.group, version: r.version, kind: r.listKind }],
  };
}

/** Schema ids every document carries because operations refer to them. */
const OPERATION_TYPES = ['meta.v1.Status', 'meta.v1.DeleteOptions', 'meta.v1.WatchEvent'];

/**
 * The definitions a document for `resources` needs: their kinds and lists, every type
 * those refer to, the types operations use, and `extraIds` (e.g. Scale), by name.
 */
export function definitionsFor(resources: readonly ResourceInfo[], extraIds: readonly string[], dialect: Dialect): Record<string, Json> {
  const ids = typeClosure([...resources.map(kindId), ...OPERATION_TYPES, ...extraIds]);
  const out: Record<string, Json> = {};
  const entries: [string, Json][] = [
    ...ids.map((id): [string, Json] => [definitionName(id), objectSchema(typeDef(id), dialect)]),
    ...resources.map((r): [string, Json] => [definitionName(listId(r)), listSchema(r, dialect)]),
    ...Object.entries(primitiveDefinitions(dialect)),
  ];
  for (const [name, schema] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[name] = schema;
  return out;
}
