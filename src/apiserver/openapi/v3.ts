/**
 * OpenAPI v3, one document per group-version, as kube-apiserver publishes it:
 * `/openapi/v3` lists `api/v1`, `apis/<group>/<version>` with a `?hash=` that changes
 * with the document (clients cache by URL), and each document carries paths and
 * components.schemas generated from orch's own schema.
 */

import { createHash } from 'node:crypto';
import { RESOURCES, servedGroups } from '../../api/resources.js';
import { PATCH_CONTENT_TYPES, pathsFor, subresourceTypeIds, type Operation, type Param, type PathItem } from './operations.js';
import { definitionsFor, refTo } from './schemas.js';

export interface Document {
  body: string;
  hash: string;
}

/** Path prefix of the per-group-version documents. */
export const OPENAPI_V3_PREFIX = '/openapi/v3/';

type Json = Record<string, unknown>;

const hashOf = (body: string): string => createHash('sha512').update(body).digest('hex').toUpperCase();

function parameter(p: Param): Json {
  return {
    name: p.name,
    in: p.in,
    description: p.description,
    ...(p.required ? { required: true } : {}),
    schema: { type: p.type },
  };
}

function operation(o: Operation): Json {
  const content = (types: string[], name: string) =>
    Object.fromEntries(types.map((t) => [t, { schema: refTo(name, 'v3') }]));
  const requestBody = o.requestBody
    ? {
        requestBody: {
          content: content(o.method === 'patch' ? PATCH_CONTENT_TYPES : ['*/*'], o.requestBody),
          ...(o.requestBodyRequired ? { required: true } : {}),
        },
      }
    : {};
  const responses: Json = {};
  for (const r of o.responses) {
    if (!r.body) responses[String(r.code)] = { description: r.description };
    else if (r.body === 'text') responses[String(r.code)] = { description: r.description, content: { '*/*': { schema: { type: 'string' } } } };
    else responses[String(r.code)] = { description: r.description, content: content(['application/json'], r.body) };
  }
  return {
    tags: [],
    description: o.description,
    operationId: o.operationId,
    ...(o.params.length ? { parameters: o.params.map(parameter) } : {}),
    ...requestBody,
    responses,
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
}

function pathItem(p: PathItem): Json {
  const item: Json = {};
  for (const o of p.operations) item[o.method] = operation(o);
  if (p.params.length) item.parameters = p.params.map(parameter);
  return item;
}

/** `api/v1` or `apis/apps/v1` for a group-version. */
export const gvPath = (group: string, version: string): string => (group ? `apis/${group}/${version}` : `api/${version}`);

function buildDocument(group: string, version: string): Document {
  const resources = RESOURCES.filter((r) => r.group === group && r.version === version);
  const paths: Json = {};
  for (const p of pathsFor(group, version)) paths[p.path] = pathItem(p);
  const doc = {
    openapi: '3.0.0',
    info: { title: 'orch', version: 'v1.32.0' },
    paths,
    components: {
      schemas: definitionsFor(resources, subresourceTypeIds(resources), 'v3'),
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer token authentication', name: 'authorization', in: 'header' } },
    },
  };
  const body = JSON.stringify(doc);
  return { body, hash: hashOf(body) };
}

let cache: { documents: Map<string, Document>; index: Document } | undefined;

function build() {
  if (cache) return cache;
  const documents = new Map<string, Document>();
  for (const g of servedGroups()) for (const v of g.versions) documents.set(gvPath(g.group, v), buildDocument(g.group, v));
  const paths: Json = {};
  for (const [path, d] of documents) paths[path] = { serverRelativeURL: `${OPENAPI_V3_PREFIX}${path}?hash=${d.hash}` };
  const body = JSON.stringify({ paths });
  cache = { documents, index: { body, hash: hashOf(body) } };
  return cache;
}

/** `GET /openapi/v3`: the index of group-version documents. */
export function openapiV3Index(): Document {
  return build().index;
}

/** `GET /openapi/v3/<gvPath>` where gvPath is e.g. "api/v1" or "apis/apps/v1". */
export function openapiV3Document(path: string): Document | undefined {
  return build().documents.get(path.replace(/^\/+|\/+$/g, ''));
}

export interface OpenAPIResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Answers a request under /openapi/v3 the way kube-apiserver does: a hash matching the
 * current document is cacheable forever; a stale hash redirects to the current URL so a
 * client cannot cache an old document under a new name.
 */
export function openapiV3Response(pathname: string, hash: string | null): OpenAPIResponse | undefined {
  const json = { 'Content-Type': 'application/json' };
  if (pathname.replace(/\/+$/, '') === '/openapi/v3') {
    return { status: 200, headers: { ...json, 'Cache-Control': 'no-cache, private' }, body: openapiV3Index().body };
  }
  if (!pathname.startsWith(OPENAPI_V3_PREFIX)) return undefined;
  const path = pathname.slice(OPENAPI_V3_PREFIX.length).replace(/\/+$/, '');
  const doc = openapiV3Document(path);
  if (!doc) return undefined;
  if (hash && hash !== doc.hash) {
    const location = `${OPENAPI_V3_PREFIX}${path}?hash=${doc.hash}`;
    return { status: 301, headers: { Location: location, 'Cache-Control': 'no-cache, private' }, body: '' };
  }
  const cacheControl = hash ? 'public, immutable' : 'no-cache, private';
  return { status: 200, headers: { ...json, 'Cache-Control': cacheControl, Etag: `"${doc.hash}"` }, body: doc.body };
}
