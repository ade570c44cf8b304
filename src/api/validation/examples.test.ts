/**
 * Every manifest under the shared examples, of a kind orch serves, must be accepted
 * unchanged once defaulted, as `kubectl apply -f` would have it accepted by Kubernetes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyDefaults } from '../defaults/index.js';
import { fieldErrorMessage } from '../field-errors.js';
import { resourceForKind } from '../resources.js';
import { validateCreate, validateUpdate } from './index.js';

const EXAMPLES = process.env.ORCH_EXAMPLES_DIR ?? '/work/shared/examples';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(name) ? [p] : [];
  });
}

interface Manifest {
  where: string;
  obj: any;
}

function manifests(): { served: Manifest[]; skipped: string[] } {
  const served: Manifest[] = [];
  const skipped: string[] = [];
  for (const file of yamlFiles(EXAMPLES).sort()) {
    // kubectl reads YAML 1.1, where `mode: 0644` is octal.
    const docs = parseAllDocuments(readFileSync(file, 'utf8'), { version: '1.1' });
    for (const [i, doc] of docs.entries()) {
      const obj = doc.toJSON();
      if (obj === null || obj === undefined) continue;
      const where = `${relative(EXAMPLES, file)}#${i}`;
      const res = resourceForKind(obj.apiVersion, obj.kind);
      if (!res) {
        skipped.push(`${where} (${obj.apiVersion} ${obj.kind})`);
        continue;
      }
      // The API server takes the namespace from the URL: kubectl's default is "default".
      if (res.namespaced && !obj.metadata?.namespace) obj.metadata = { ...obj.metadata, namespace: 'default' };
      served.push({ where, obj });
    }
  }
  return { served, skipped };
}

test('every served example manifest validates after defaulting', { skip: !existsSync(EXAMPLES) && `no examples at ${EXAMPLES}` }, () => {
  const { served, skipped } = manifests();
  assert.ok(served.length >= 60, `expected the examples to hold at least 60 served manifests, found ${served.length}`);
  // Only workload kinds orch does not serve may be skipped.
  for (const s of skipped) assert.match(s, /\((apps\/v1 (DaemonSet|StatefulSet)|batch\/v1 Job|v1 ReplicationController)\)$/);
  const problems: string[] = [];
  for (const { where, obj } of served) {
    applyDefaults(obj.kind, obj);
    for (const e of validateCreate(obj.kind, obj)) problems.push(`${where}: ${fieldErrorMessage(e)}`);
  }
  assert.deepEqual(problems, []);
});

test('defaults are idempotent and a re-applied example is a valid update', { skip: !existsSync(EXAMPLES) }, () => {
  for (const { where, obj } of manifests().served) {
    applyDefaults(obj.kind, obj);
    const again = structuredClone(obj);
    applyDefaults(obj.kind, again);
    assert.deepEqual(again, obj, `${where}: a second applyDefaults changed the object`);
    const errs = validateUpdate(obj.kind, again, obj).map(fieldErrorMessage);
    assert.deepEqual(errs, [], `${where}: an unchanged update was refused`);
  }
});
