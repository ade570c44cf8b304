/**
 * Decodes `application/vnd.kubernetes.protobuf` request bodies (KUBECTL.md §2) into the object's
 * Kubernetes JSON form: what Go's encoding/json would have written for the same object, so the
 * rest of the API server sees exactly what the equivalent JSON request would have carried.
 *
 * Body: the magic `k8s\0`, then a runtime.Unknown whose typeMeta names the kind and whose raw
 * holds the object as the k8s.io/api message of that kind.
 *
 * The schema is orch's own .proto subset (see README.md), read from the .proto files. Three field
 * options there tell how Go writes each field as JSON: (ptr), (always) and (inline). A handful
 * of message types have their own JSON form, handled below by full name.
 */

import protobuf from 'protobufjs';
import { ApiError, errors } from '../../machinery/errors.js';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The content type of these bodies. */
export const KUBERNETES_PROTOBUF = 'application/vnd.kubernetes.protobuf';

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

/** apiVersion/kind → protobuf message (full name in orch's schema). */
const KINDS: Readonly<Record<string, string>> = {
  'v1/Namespace': 'orch.core.v1.Namespace',
  'v1/ConfigMap': 'orch.core.v1.ConfigMap',
  'v1/Secret': 'orch.core.v1.Secret',
  'v1/Service': 'orch.core.v1.Service',
  'v1/ServiceAccount': 'orch.core.v1.ServiceAccount',
  'v1/Pod': 'orch.core.v1.Pod',
  'v1/PodTemplate': 'orch.core.v1.PodTemplate',
  'v1/ReplicationController': 'orch.core.v1.ReplicationController',
  'v1/PersistentVolumeClaim': 'orch.core.v1.PersistentVolumeClaim',
  'v1/ResourceQuota': 'orch.core.v1.ResourceQuota',
  'apps/v1/Deployment': 'orch.apps.v1.Deployment',
  'apps/v1/ReplicaSet': 'orch.apps.v1.ReplicaSet',
  'apps/v1/DaemonSet': 'orch.apps.v1.DaemonSet',
  'apps/v1/StatefulSet': 'orch.apps.v1.StatefulSet',
  'batch/v1/Job': 'orch.batch.v1.Job',
  'batch/v1/CronJob': 'orch.batch.v1.CronJob',
};

/** The kinds this decoder understands, as `apiVersion/kind` (e.g. `apps/v1/Deployment`). */
export const SUPPORTED_KINDS: readonly string[] = Object.keys(KINDS);

/** Whether a protobuf body of this kind can be decoded. */
export function supportsKind(apiVersion: string, kind: string): boolean {
  return Object.prototype.hasOwnProperty.call(KINDS, `${apiVersion}/${kind}`);
}

interface Schema {
  root: protobuf.Root;
  unknown: protobuf.Type;
}

let cached: Schema | undefined;

/** The .proto files beside this module (the build copies them next to the compiled code). */
function protoFiles(): Record<string, string> {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.proto')).sort()) out[name] = readFileSync(dir + name, 'utf8');
  if (!Object.keys(out).length) throw new Error(`no .proto files in ${dir}: run "npm run build", which copies them there`);
  return out;
}

/** Parses the .proto files once, on first use. */
function schema(): Schema {
  if (cached) return cached;
  const root = new protobuf.Root();
  for (const [name, text] of Object.entries(protoFiles())) {
    try {
      protobuf.parse(text, root, { keepCase: true });
    } catch (err) {
      throw new Error(`protobuf schema ${name}: ${(err as Error).message}`);
    }
  }
  root.resolveAll();
  cached = { root, unknown: root.lookupType('orch.runtime.Unknown') };
  return cached;
}

/** orch's protobuf schema (all packages under `orch.`), e.g. to encode test bodies. */
export function kubernetesProtobufRoot(): protobuf.Root {
  return schema().root;
}

/**
 * Decodes a Kubernetes protobuf body into the object's JSON form (`kind` and `apiVersion`
 * first, as Go writes them).
 *
 * Throws ApiError 400 BadRequest for a malformed body (no `k8s\0` prefix, truncated or
 * invalid protobuf, no kind) and 415 UnsupportedMediaType, naming the kind, for a kind or
 * content encoding this decoder does not handle.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b)) {
    throw errors.badRequest('the request body is not a Kubernetes protobuf message: it does not start with "k8s\\x00"');
  }
  const { root, unknown } = schema();
  const envelope = decodeMessage(unknown, body.subarray(MAGIC.length), 'runtime.Unknown');
  const typeMeta = field<protobuf.Message>(envelope, 'typeMeta');
  const apiVersion = typeMeta ? (field<string>(typeMeta, 'apiVersion') ?? '') : '';
  const kind = typeMeta ? (field<string>(typeMeta, 'kind') ?? '') : '';
  if (!apiVersion || !kind) {
    throw errors.badRequest('the protobuf request body does not name its apiVersion and kind');
  }
  const gv = parseGroupVersion(apiVersion);
  const encoding = field<string>(envelope, 'contentEncoding') ?? '';
  if (encoding) {
    throw new ApiError(415, 'UnsupportedMediaType', `the protobuf body of ${gvkText(apiVersion, kind)} uses content encoding ${JSON.stringify(encoding)}, which is not supported; send it as application/json`, { group: gv.group, kind });
  }
  const typeName = KINDS[`${apiVersion}/${kind}`];
  if (!typeName) {
    throw new ApiError(415, 'UnsupportedMediaType', `the protobuf encoding of ${gvkText(apiVersion, kind)} is not supported; send the ${kind} as application/json`, { group: gv.group, kind });
  }
  const type = root.lookupType(typeName);
  const raw = field<Uint8Array>(envelope, 'raw') ?? new Uint8Array();
  const message = decodeMessage(type, raw, kind);
  return { kind, apiVersion, ...messageToJson(type, message) };
}

function parseGroupVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** As Kubernetes names a kind in messages: `apps/v1, Kind=Deployment`. */
function gvkText(apiVersion: string, kind: string): string {
  return `${apiVersion}, Kind=${kind}`;
}

function decodeMessage(type: protobuf.Type, bytes: Uint8Array, what: string): protobuf.Message {
  try {
    return type.decode(bytes);
  } catch (err) {
    throw errors.badRequest(`the protobuf request body could not be decoded as ${what}: ${(err as Error).message}`);
  }
}

/** A field of a decoded message, or undefined when it was not on the wire. */
function field<T>(message: protobuf.Message, name: string): T | undefined {
  if (!Object.prototype.hasOwnProperty.call(message, name)) return undefined;
  const v = (message as unknown as Record<string, unknown>)[name];
  return v === null ? undefined : (v as T);
}

// ------------------------------------------------------------------ protobuf → Go JSON

interface GoTags {
  ptr: boolean;
  always: boolean;
  inline: boolean;
}

function tags(f: protobuf.Field): GoTags {
  const o = f.options ?? {};
  return { ptr: o['(ptr)'] === true, always: o['(always)'] === true, inline: o['(inline)'] === true };
}

/**
 * The JSON object Go writes for `message` of `type`. `message` undefined stands for the zero
 * value of the struct (absent on the wire), whose non-pointer fields still appear in JSON.
 */
function messageToJson(type: protobuf.Type, message: protobuf.Message | undefined): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const f of type.fieldsArray) {
    const t = tags(f);
    const raw = message ? field<unknown>(message, f.name) : undefined;

    if (f.map) {
      const entries = raw ? Object.entries(raw as Record<string, unknown>) : [];
      if (entries.length === 0) {
        if (t.always) out[f.name] = null;
        continue;
      }
      const obj: Record<string, Json> = {};
      for (const [k, v] of entries) obj[k] = elementToJson(f, v);
      out[f.name] = obj;
      continue;
    }

    if (f.repeated) {
      const list = Array.isArray(raw) ? raw : [];
      if (list.length === 0) {
        if (t.always) out[f.name] = null;
        continue;
      }
      out[f.name] = list.map((v) => elementToJson(f, v));
      continue;
    }

    const present = raw !== undefined;
    const rt = f.resolvedType;
    if (rt instanceof protobuf.Type) {
      if (t.inline) {
        Object.assign(out, messageToJson(rt, present ? (raw as protobuf.Message) : undefined));
      } else if (present || !t.ptr) {
        out[f.name] = structToJson(rt, present ? (raw as protobuf.Message) : undefined);
      }
      continue;
    }

    if (t.ptr) {
      if (present) out[f.name] = scalarToJson(f.type, raw);
      continue;
    }
    const v = present ? scalarToJson(f.type, raw) : zeroScalar(f.type);
    if (t.always || !isZeroScalar(v)) out[f.name] = v;
  }
  return out;
}

/** One list element or map value. */
function elementToJson(f: protobuf.Field, v: unknown): Json {
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Type) return structToJson(rt, v == null ? undefined : (v as protobuf.Message));
  return v == null ? zeroScalar(f.type) : scalarToJson(f.type, v);
}

/** A message value: the special JSON forms, or a plain object. */
function structToJson(type: protobuf.Type, m: protobuf.Message | undefined): Json {
  switch (type.fullName) {
    case '.orch.meta.v1.Time': {
      if (!m || (field(m, 'seconds') === undefined && field(m, 'nanos') === undefined)) return null;
      // Go keeps only the seconds of a protobuf Time, and writes RFC 3339 to the second.
      return formatTime(longToNumber(field(m, 'seconds') ?? 0), undefined);
    }
    case '.orch.meta.v1.MicroTime': {
      if (!m || (field(m, 'seconds') === undefined && field(m, 'nanos') === undefined)) return null;
      return formatTime(longToNumber(field(m, 'seconds') ?? 0), Number(field(m, 'nanos') ?? 0));
    }
    case '.orch.meta.v1.Duration':
      return goDuration(longToBigInt(m ? (field(m, 'duration') ?? 0) : 0));
    case '.orch.util.intstr.IntOrString': {
      const kind = m ? longToNumber(field(m, 'type') ?? 0) : 0;
      if (kind === 1) return (m && field<string>(m, 'strVal')) ?? '';
      return (m && field<number>(m, 'intVal')) ?? 0;
    }
    case '.orch.api.resource.Quantity':
      return (m && field<string>(m, 'string')) || '0';
    case '.orch.meta.v1.FieldsV1':
      return rawJson(m && field<Uint8Array>(m, 'Raw'), 'fieldsV1');
    case '.orch.runtime.RawExtension':
      return rawJson(m && field<Uint8Array>(m, 'raw'), 'raw extension');
    default:
      return messageToJson(type, m);
  }
}

function rawJson(bytes: Uint8Array | undefined, what: string): Json {
  if (!bytes) return null;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as Json;
  } catch {
    throw errors.badRequest(`the protobuf request body holds a ${what} that is not JSON`);
  }
}

function scalarToJson(type: string, v: unknown): Json {
  switch (type) {
    case 'string':
    case 'bool':
      return v as string | boolean;
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return longToNumber(v);
    default:
      return Number(v);
  }
}

function zeroScalar(type: string): Json {
  switch (type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return null; // a nil []byte
    default:
      return 0;
  }
}

function isZeroScalar(v: Json): boolean {
  return v === '' || v === 0 || v === false || v === null;
}

type LongLike = { toString(): string; toNumber?: () => number };

function longToNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  const l = v as LongLike;
  return typeof l.toNumber === 'function' ? l.toNumber() : Number(l.toString());
}

function longToBigInt(v: unknown): bigint {
  if (typeof v === 'number') return BigInt(v);
  return BigInt((v as LongLike).toString());
}

/** RFC 3339 in UTC: to the second, or with microseconds when `nanos` is given. */
function formatTime(seconds: number, nanos: number | undefined): string {
  const d = new Date(seconds * 1000);
  const year = d.getUTCFullYear();
  if (!Number.isFinite(d.getTime()) || year < 0 || year > 9999) {
    throw errors.badRequest(`the protobuf request body holds a time outside years 0-9999 (${seconds}s)`);
  }
  const base = d.toISOString().slice(0, 19); // YYYY-MM-DDTHH:MM:SS
  if (nanos === undefined) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

/** Go's time.Duration.String(). */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  let u = ns < 0n ? -ns : ns;
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${fraction(u, 1000n)}µs`;
  if (u < 1_000_000_000n) return `${sign}${fraction(u, 1_000_000n)}ms`;
  const hour = 3_600_000_000_000n;
  const minute = 60_000_000_000n;
  const h = u / hour;
  u %= hour;
  const m = u / minute;
  u %= minute;
  const s = `${fraction(u, 1_000_000_000n)}s`;
  if (h > 0n) return `${sign}${h}h${m}m${s}`;
  if (m > 0n) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}

/** `v / unit` as a decimal without trailing zeros. */
function fraction(v: bigint, unit: bigint): string {
  const whole = v / unit;
  const rest = v % unit;
  if (rest === 0n) return `${whole}`;
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}
