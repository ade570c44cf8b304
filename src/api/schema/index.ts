/**
 * orch's schema of every kind it serves, keyed by qualified type id. OpenAPI, strict
 * field validation and `kubectl explain` all read from here.
 */

import { appsTypes } from './apps.js';
import { coordinationTypes } from './coordination.js';
import { containerTypes } from './core-container.js';
import { coreObjectTypes } from './core-objects.js';
import { podTypes } from './core-pod.js';
import { storageTypes } from './core-storage.js';
import { volumeTypes } from './core-volume.js';
import { discoveryTypes } from './discovery.js';
import type { Schema, TypeDef } from './dsl.js';
import { metaTypes } from './meta.js';
import { networkingTypes } from './networking.js';
import { storageClassTypes } from './storage-class.js';

export type { Field, GVK, Schema, TypeDef } from './dsl.js';

const all: TypeDef[] = [
  ...metaTypes,
  ...podTypes,
  ...containerTypes,
  ...volumeTypes,
  ...storageTypes,
  ...coreObjectTypes,
  ...appsTypes,
  ...discoveryTypes,
  ...networkingTypes,
  ...storageClassTypes,
  ...coordinationTypes,
];

export const SCHEMA_TYPES: ReadonlyMap<string, TypeDef> = new Map(all.map((t) => [t.id, t]));

const byGvk = new Map(all.filter((t) => t.gvk).map((t) => [gvkKey(t.gvk!.group, t.gvk!.version, t.gvk!.kind), t]));

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

/** The schema of a top-level kind, e.g. kindSchema('apps', 'v1', 'Deployment'). */
export function kindSchema(group: string, version: string, kind: string): TypeDef | undefined {
  return byGvk.get(gvkKey(group, version, kind));
}

export function typeDef(id: string): TypeDef {
  const t = SCHEMA_TYPES.get(id);
  if (!t) throw new Error(`schema type ${id} is not declared`);
  return t;
}

/** Ids of the types `roots` refer to, directly or not, roots included, in a stable order. */
export function typeClosure(roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const f of Object.values(typeDef(id).properties)) for (const r of refsOf(f.schema)) visit(r);
  };
  roots.forEach(visit);
  return [...seen].sort();
}

function refsOf(s: Schema): string[] {
  if (s.kind === 'ref') return [s.id];
  if (s.kind === 'array') return refsOf(s.items);
  if (s.kind === 'map') return refsOf(s.values);
  return [];
}

// A dangling ref is a typo in a declaration; fail at load rather than at the first request.
for (const t of all) {
  for (const [name, f] of Object.entries(t.properties)) {
    for (const r of refsOf(f.schema)) {
      if (!SCHEMA_TYPES.has(r)) throw new Error(`schema ${t.id}.${name} refers to undeclared type ${r}`);
    }
  }
}
if (SCHEMA_TYPES.size !== all.length) throw new Error('schema declares a type id twice');
