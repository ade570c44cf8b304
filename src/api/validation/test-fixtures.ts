/**
 * Valid objects of each kind for table-driven tests to break one field at a time, and a
 * runner that defaults, validates and renders errors the way kubectl shows them.
 */
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index.js';
import { fieldErrorMessage } from '../field-errors.js';
import { validateCreate, validateStatusUpdate, validateUpdate } from './index.js';

export const meta = (name: string, namespaced = true): Record<string, any> =>
  namespaced ? { name, namespace: 'default' } : { name };

export const pod = (): any => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta('web'),
  spec: {
    containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }],
  },
});

export const deployment = (): any => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta('web'),
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } },
  },
});

export const replicaSet = (): any => ({ ...deployment(), kind: 'ReplicaSet', spec: { ...deployment().spec } });

export const service = (): any => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta('web'),
  spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
});

export interface Case {
  name: string;
  /** Breaks (or adjusts) a fresh valid object; runs before defaulting. */
  mutate: (obj: any) => void;
  /** The full messages expected, in order; [] for "accepted". */
  want: string[];
}

/** Mutate a fresh object, default it, validate it as a create, compare rendered errors. */
export function runCreateCases(kind: string, make: () => any, cases: readonly Case[]): void {
  for (const c of cases) {
    const obj = make();
    c.mutate(obj);
    applyDefaults(kind, obj);
    assert.deepEqual(validateCreate(kind, obj).map(fieldErrorMessage), c.want, c.name);
  }
}

export interface UpdateCase {
  name: string;
  /** Changes the stored object into the requested one; runs on a defaulted copy. */
  change: (obj: any) => void;
  want: string[];
  /** Adjusts the stored object before the copy is taken. */
  before?: (old: any) => void;
}

/** Default a valid object as stored, change a copy, validate the update. */
export function runUpdateCases(kind: string, make: () => any, cases: readonly UpdateCase[], status = false): void {
  for (const c of cases) {
    const old = make();
    c.before?.(old);
    applyDefaults(kind, old);
    const next = structuredClone(old);
    c.change(next);
    applyDefaults(kind, next);
    const errs = status ? validateStatusUpdate(kind, next, old) : validateUpdate(kind, next, old);
    assert.deepEqual(errs.map(fieldErrorMessage), c.want, c.name);
  }
}
