/**
 * The OpenAPI v2 document in the protobuf form client-go reads (gnostic's openapi.v2
 * messages). client-go always asks /openapi/v2 for protobuf and parses the body as such
 * whatever the Content-Type, so `kubectl explain --output=plaintext-openapiv2` and
 * kubectl's client-side validation only work with this encoding.
 *
 * Only the subset orch's JSON document uses is encoded; field numbers are those of
 * gnostic's OpenAPIv2.proto. Vendor extensions travel as YAML text (JSON is valid YAML).
 */

import { openapiV2Document } from './v2.js';

/** Content-Type of the protobuf answer. Clients ask with "…spec.v2@v1.0+protobuf", but Go's
 * media type parser rejects the "@", so the answer must use the dotted spelling. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const ACCEPTED = ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', OPENAPI_V2_PROTOBUF];

type Json = Record<string, any>;

/** A protobuf message under construction: fields appended in order. */
class Message {
  private parts: Buffer[] = [];

  private static varint(n: number): Buffer {
    const bytes: number[] = [];
    while (n > 0x7f) {
      bytes.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    bytes.push(n);
    return Buffer.from(bytes);
  }

  private bytesField(field: number, data: Buffer): void {
    this.parts.push(Message.varint((field << 3) | 2), Message.varint(data.length), data);
  }

  string(field: number, v: unknown): this {
    if (typeof v === 'string' && v !== '') this.bytesField(field, Buffer.from(v, 'utf8'));
    return this;
  }

  strings(field: number, v: unknown): this {
    if (Array.isArray(v)) for (const s of v) this.bytesField(field, Buffer.from(String(s), 'utf8'));
    return this;
  }

  bool(field: number, v: unknown): this {
    if (v === true) this.parts.push(Message.varint(field << 3), Message.varint(1));
    return this;
  }

  message(field: number, m: Message | undefined): this {
    if (m) this.bytesField(field, m.bytes());
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const msg = () => new Message();

/** NamedAny with the value as YAML, for vendor extensions and enum values. */
function anyYaml(value: unknown): Message {
  return msg().string(2, JSON.stringify(value));
}

function extensions(o: Json, field: number, m: Message): Message {
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('x-')) m.message(field, msg().string(1, k).message(2, anyYaml(v)));
  }
  return m;
}

function schema(s: Json): Message {
  const m = msg().string(1, s.$ref).string(2, s.format).string(4, s.description).strings(19, s.required);
  for (const e of s.enum ?? []) m.message(20, anyYaml(e));
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    m.message(21, msg().message(1, schema(s.additionalProperties)));
  }
  if (s.type) m.message(22, msg().strings(1, [s.type]));
  if (s.items) m.message(23, msg().message(1, schema(s.items)));
  for (const a of s.allOf ?? []) m.message(24, schema(a));
  if (s.properties) {
    const props = msg();
    for (const [name, p] of Object.entries(s.properties)) props.message(1, msg().string(1, name).message(2, schema(p as Json)));
    m.message(25, props);
  }
  return extensions(s, 31, m);
}

function parameter(p: Json): Message {
  if (p.in === 'body') {
    const body = msg().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required).message(5, schema(p.schema));
    return msg().message(1, msg().message(1, body));
  }
  // Query and path sub-schemas number their fields alike up to `type`, which differs.
  const sub = msg().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
  const nonBody = p.in === 'path' ? msg().message(4, sub.string(5, p.type)) : msg().message(3, sub.string(6, p.type));
  return msg().message(1, msg().message(2, nonBody));
}

function operation(o: Json): Message {
  const m = msg().strings(1, o.tags).string(3, o.description).string(5, o.operationId).strings(6, o.produces).strings(7, o.consumes);
  for (const p of o.parameters ?? []) m.message(8, parameter(p));
  const responses = msg();
  for (const [code, r] of Object.entries(o.responses ?? {}) as [string, Json][]) {
    const response = msg().string(1, r.description);
    if (r.schema) response.message(2, msg().message(1, schema(r.schema)));
    responses.message(1, msg().string(1, code).message(2, msg().message(1, response)));
  }
  m.message(9, responses).strings(10, o.schemes);
  return extensions(o, 13, m);
}

const METHOD_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

function pathItem(item: Json): Message {
  const m = msg();
  for (const [method, field] of Object.entries(METHOD_FIELDS)) if (item[method]) m.message(field, operation(item[method]));
  for (const p of item.parameters ?? []) m.message(9, parameter(p));
  return m;
}

let cache: Buffer | undefined;

/** `GET /openapi/v2` in protobuf, built once from the JSON document. */
export function openapiV2Protobuf(): Buffer {
  if (cache) return cache;
  const doc = JSON.parse(openapiV2Document().body) as Json;
  const paths = msg();
  for (const [p, item] of Object.entries(doc.paths)) paths.message(2, msg().string(1, p).message(2, pathItem(item as Json)));
  const definitions = msg();
  for (const [name, s] of Object.entries(doc.definitions)) definitions.message(1, msg().string(1, name).message(2, schema(s as Json)));
  cache = msg()
    .string(1, doc.swagger)
    .message(2, msg().string(1, doc.info.title).string(2, doc.info.version))
    .message(8, paths)
    .message(9, definitions)
    .bytes();
  return cache;
}

/** Whether an Accept header asks for the protobuf form of /openapi/v2. */
export function wantsV2Protobuf(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((r) => ACCEPTED.includes(r.split(';')[0].trim().toLowerCase()));
}
