/**
 * Proves orch's schema declares every field kubernetes-types (generated from the upstream
 * API) has for the kinds orch serves, with a compatible type: a field missing here would
 * make fieldValidation=Strict reject a valid manifest.
 */

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import type { Schema } from './dsl.js';
import { SCHEMA_TYPES } from './index.js';

const typesRoot = dirname(createRequire(import.meta.url).resolve('kubernetes-types/package.json'));
const MODULES = ['meta/v1', 'core/v1', 'apps/v1', 'autoscaling/v1', 'discovery/v1', 'networking/v1', 'storage/v1', 'coordination/v1', 'api/resource', 'runtime'];
const ROOTS = [
  ...['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'Event', 'ServiceAccount'].map((k) => `core/v1:${k}`),
  'core/v1:PersistentVolume',
  'core/v1:PersistentVolumeClaim',
  'core/v1:Binding',
  'apps/v1:Deployment',
  'apps/v1:ReplicaSet',
  'autoscaling/v1:Scale',
  'discovery/v1:EndpointSlice',
  'networking/v1:Ingress',
  'networking/v1:IngressClass',
  'storage/v1:StorageClass',
  'coordination/v1:Lease',
  'meta/v1:Status',
  'meta/v1:DeleteOptions',
];
// Aliases of string that orch's schema models as their own kinds.
const PRIMITIVE_ALIASES: Record<string, Schema['kind'][]> = {
  Time: ['time'],
  MicroTime: ['microtime'],
  Quantity: ['quantity'],
  FieldsV1: ['any'],
  RawExtension: ['any'],
};

type Members = { name: string; type: ts.TypeNode; sf: ts.SourceFile }[];

function loadInterfaces(): Map<string, Members> {
  const files = MODULES.map((m) => join(typesRoot, `${m}.d.ts`));
  const program = ts.createProgram(files, { noResolve: true });
  const out = new Map<string, Members>();
  for (const sf of program.getSourceFiles()) {
    const mod = relative(typesRoot, sf.fileName).replace(/\.d\.ts$/, '');
    ts.forEachChild(sf, (n) => {
      if (!ts.isInterfaceDeclaration(n)) return;
      const members = n.members.filter(ts.isPropertySignature).map((m) => ({ name: m.name.getText(sf), type: m.type!, sf }));
      out.set(`${mod}:${n.name.text}`, members);
    });
  }
  return out;
}

test('orch declares every field of kubernetes-types for the served kinds, with a compatible type', () => {
  const ifaces = loadInterfaces();
  const resolveName = (name: string, fromMod: string): string | undefined =>
    [`${fromMod}:${name}`, ...MODULES.map((m) => `${m}:${name}`)].find((k) => ifaces.has(k));
  const idOf = (key: string): string => key.replace('/', '.').replace(':', '.');

  const problems: string[] = [];
  const queue = [...ROOTS];
  const seen = new Set<string>();

  const check = (node: ts.TypeNode, s: Schema, where: string, mod: string, sf: ts.SourceFile): void => {
    const text = node.getText(sf);
    const mismatch = (): void => {
      problems.push(`${where}: kubernetes-types has ${text}, orch has ${JSON.stringify(s)}`);
    };
    if (ts.isParenthesizedTypeNode(node)) return check(node.type, s, where, mod, sf);
    if (ts.isTypeReferenceNode(node) && node.typeName.getText(sf) === 'Array') {
      if (s.kind !== 'array') return mismatch();
      return check(node.typeArguments![0], s.items, `${where}[]`, mod, sf);
    }
    if (ts.isTypeLiteralNode(node)) {
      const index = node.members.find(ts.isIndexSignatureDeclaration);
      if (!index) return mismatch();
      if (s.kind !== 'map') return mismatch();
      return check(index.type, s.values, `${where}{}`, mod, sf);
    }
    if (ts.isUnionTypeNode(node)) {
      if (text.replace(/\s/g, '') === 'number|string') return s.kind === 'int-or-string' ? undefined : mismatch();
      return mismatch();
    }
    if (ts.isLiteralTypeNode(node) || node.kind === ts.SyntaxKind.StringKeyword) {
      return ['string', 'time', 'microtime', 'quantity'].includes(s.kind) ? undefined : mismatch();
    }
    if (node.kind === ts.SyntaxKind.NumberKeyword) return ['integer', 'number'].includes(s.kind) ? undefined : mismatch();
    if (node.kind === ts.SyntaxKind.BooleanKeyword) return s.kind === 'boolean' ? undefined : mismatch();
    if (ts.isTypeReferenceNode(node)) {
      const name = node.typeName.getText(sf);
      if (PRIMITIVE_ALIASES[name]) return PRIMITIVE_ALIASES[name].includes(s.kind) ? undefined : mismatch();
      const key = resolveName(name, mod);
      if (!key) {
        problems.push(`${where}: cannot resolve ${name}`);
        return;
      }
      if (s.kind !== 'ref' || s.id !== idOf(key)) return mismatch();
      queue.push(key);
      return;
    }
    mismatch();
  };

  while (queue.length) {
    const key = queue.shift()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const def = SCHEMA_TYPES.get(idOf(key));
    if (!def) {
      problems.push(`${idOf(key)}: type not declared`);
      continue;
    }
    const mod = key.split(':')[0];
    for (const m of ifaces.get(key)!) {
      const f = def.properties[m.name];
      if (!f) problems.push(`${def.id}.${m.name}: field not declared`);
      else check(m.type, f.schema, `${def.id}.${m.name}`, mod, m.sf);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(seen.size > 150, `expected to compare more than 150 types, compared ${seen.size}`);
});

test('every declared type and field has a description', () => {
  const missing: string[] = [];
  for (const t of SCHEMA_TYPES.values()) {
    if (!t.description) missing.push(t.id);
    for (const [name, f] of Object.entries(t.properties)) if (!f.description) missing.push(`${t.id}.${name}`);
  }
  assert.deepEqual(missing, []);
});
