/**
 * Pod templates: the stable hash that names a Deployment's ReplicaSets, and template
 * equality ignoring that hash's label (how a Deployment finds its new ReplicaSet and how
 * a rollback finds an old one).
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** Kubernetes' alphabet for generated names: no vowels, nothing that reads as a word. */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted at every level: equal values give equal strings. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) {
    if (o[k] === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(o[k])}`);
  }
  return `{${parts.join(',')}}`;
}

/** 32-bit FNV-1a over the UTF-8 bytes of s. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The pod-template-hash of a template: FNV-1a of its canonical JSON, plus the
 * Deployment's collisionCount when there is one (bumping it yields a new name after a
 * collision). The decimal digits are spelled in the safe alphabet, as Kubernetes does,
 * so the value is a valid label and name suffix of up to ten characters.
 */
export function templateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let input = canonicalJson(semantic(template ?? {}));
  if (collisionCount) input += `#${collisionCount}`;
  return String(fnv1a32(input))
    .split('')
    .map((c) => ALPHABET[c.charCodeAt(0) % ALPHABET.length])
    .join('');
}

/**
 * The value with what Go's semantic equality treats as "unset" removed: null, empty
 * objects and empty arrays (a nil map and an empty one are equal there).
 */
export function semantic(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(semantic) : undefined;
  if (v === null) return undefined;
  if (typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const s = semantic(x);
    if (s === undefined) continue;
    out[k] = s;
    any = true;
  }
  return any ? out : undefined;
}

function withoutHash(t: PodTemplateSpec | undefined): unknown {
  if (!t) return undefined;
  const labels = t.metadata?.labels;
  if (!labels || !(POD_TEMPLATE_HASH in labels)) return semantic(t);
  const { [POD_TEMPLATE_HASH]: _hash, ...rest } = labels;
  return semantic({ ...t, metadata: { ...t.metadata, labels: rest } });
}

/** Templates equal once the pod-template-hash label is ignored (Kubernetes' EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHash(a)) === canonicalJson(withoutHash(b));
}
