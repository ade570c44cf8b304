/**
 * ConfigMaps and Secrets: keys that work as file names, a total size that fits in one
 * etcd value, well-formed base64, type-specific required keys, and `immutable`.
 */
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { isConfigMapKey } from './formats.js';
import { deepEqual, entries, immutable, invalidEach, isObj, key } from './helpers.js';
import { validateObjectMeta } from './object-meta.js';

/** 1 MiB, the limit etcd's default request size leaves room for. */
export const MAX_DATA_SIZE = 1024 * 1024;

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const REDACTED = '<secret contents redacted>';

/** Decoded length of a base64 value, or undefined when it is not base64. */
function base64Size(v: unknown): number | undefined {
  if (typeof v !== 'string' || !BASE64_RE.test(v)) return undefined;
  return Buffer.from(v, 'base64').length;
}

function checkKeys(map: unknown, path: string, errs: FieldError[]): void {
  if (map !== undefined && map !== null && !isObj(map)) errs.push(fe.invalid(path, map, 'must be a map'));
  for (const [k] of entries(map)) errs.push(...invalidEach(key(path, k), k, isConfigMapKey(k)));
}

/** Sums decoded sizes of base64 values, reporting each malformed one. */
function base64Values(map: unknown, path: string, errs: FieldError[], redact: boolean): number {
  let size = 0;
  for (const [k, v] of entries(map)) {
    const n = base64Size(v);
    if (n === undefined) errs.push(fe.invalid(key(path, k), redact ? REDACTED : v, 'must be a base64-encoded string'));
    else size += n;
  }
  return size;
}

/** Once `immutable: true` is stored, neither the flag nor the payload may change. */
function immutability(obj: { immutable?: boolean }, old: { immutable?: boolean }, fields: readonly string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(fe.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (!deepEqual((obj as Record<string, unknown>)[f], (old as Record<string, unknown>)[f])) {
      errs.push(fe.forbidden(f, 'field is immutable when `immutable` is set'));
    }
  }
  return errs;
}

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, { namespaced: true, nameRule: 'subdomain' });
  checkKeys(cm.data, 'data', errs);
  checkKeys(cm.binaryData, 'binaryData', errs);
  let size = 0;
  for (const [k, v] of entries(cm.data)) {
    if (typeof v !== 'string') errs.push(fe.invalid(key('data', k), v, 'must be a string'));
    else size += Buffer.byteLength(v);
    if (isObj(cm.binaryData) && Object.hasOwn(cm.binaryData, k)) {
      errs.push(fe.invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    }
  }
  size += base64Values(cm.binaryData, 'binaryData', errs, false);
  // Kubernetes reports this against the whole object, with an empty field path.
  if (size > MAX_DATA_SIZE) errs.push(fe.tooLong('', MAX_DATA_SIZE));
  return errs;
}

export const validateConfigMapUpdate = (cm: ConfigMap, old: ConfigMap): FieldError[] =>
  immutability(cm, old, ['data', 'binaryData']);

function secretTypeRules(s: Secret): FieldError[] {
  const data = isObj(s.data) ? s.data : {};
  const has = (k: string): boolean => Object.hasOwn(data, k);
  const jsonKey = (k: string): FieldError[] => {
    if (!has(k)) return [fe.required(key('data', k))];
    const size = base64Size(data[k]);
    if (size === undefined) return [];
    try {
      const parsed: unknown = JSON.parse(Buffer.from(data[k], 'base64').toString('utf8'));
      return isObj(parsed) ? [] : [fe.invalid(key('data', k), REDACTED, 'must be a JSON object')];
    } catch (e) {
      return [fe.invalid(key('data', k), REDACTED, (e as Error).message)];
    }
  };
  switch (s.type) {
    case 'kubernetes.io/service-account-token':
      return s.metadata?.annotations?.['kubernetes.io/service-account.name']
        ? []
        : [fe.required('metadata.annotations[kubernetes.io/service-account.name]')];
    case 'kubernetes.io/dockercfg':
      return jsonKey('.dockercfg');
    case 'kubernetes.io/dockerconfigjson':
      return jsonKey('.dockerconfigjson');
    case 'kubernetes.io/basic-auth':
      // Either may be empty, but one of the keys must be there.
      return has('username') || has('password') ? [] : [fe.required('data[username]'), fe.required('data[password]')];
    case 'kubernetes.io/ssh-auth':
      return base64Size(data['ssh-privatekey']) ? [] : [fe.required('data[ssh-privatekey]')];
    case 'kubernetes.io/tls':
      return [...(has('tls.crt') ? [] : [fe.required('data[tls.crt]')]), ...(has('tls.key') ? [] : [fe.required('data[tls.key]')])];
    default:
      return [];
  }
}

/**
 * Expects `stringData` already folded into `data`, which applyDefaults does, as
 * Kubernetes' decoding does before validation.
 */
export function validateSecret(s: Secret): FieldError[] {
  const errs = validateObjectMeta(s.metadata, { namespaced: true, nameRule: 'subdomain' });
  checkKeys(s.data, 'data', errs);
  const size = base64Values(s.data, 'data', errs, true);
  if (size > MAX_DATA_SIZE) errs.push(fe.tooLong('data', MAX_DATA_SIZE));
  errs.push(...secretTypeRules(s));
  return errs;
}

export function validateSecretUpdate(s: Secret, old: Secret): FieldError[] {
  return [...immutable('type', s.type, old.type), ...immutability(s, old, ['data'])];
}
