/**
 * The Swagger 2.0 document at /openapi/v2 (JSON): every served path and definition in
 * one document, for `kubectl explain --output=plaintext-openapiv2` and older clients.
 */

import { createHash } from 'node:crypto';
import { RESOURCES } from '../../api/resources.js';
import { allPaths, PATCH_CONTENT_TYPES, subresourceTypeIds, type Operation, type Param, type PathItem } from './operations.js';
import { definitionsFor, refTo } from './schemas.js';
import type { Document } from './v3.js';

type Json = Record<string, unknown>;

function parameter(p: Param): Json {
  return { name: p.name, in: p.in, description: p.description, type: p.type, ...(p.required ? { required: true } : {}) };
}

function operation(o: Operation): Json {
  const parameters = o.params.map(parameter);
  if (o.requestBody) {
    parameters.unshift({ name: 'body', in: 'body', ...(o.requestBodyRequired ? { required: true } : {}), schema: refTo(o.requestBody, 'v2') });
  }
  const responses: Json = {};
  for (const r of o.responses) {
    if (!r.body) responses[String(r.code)] = { description: r.description };
    else if (r.body === 'text') responses[String(r.code)] = { description: r.description, schema: { type: 'string' } };
    else responses[String(r.code)] = { description: r.description, schema: refTo(r.body, 'v2') };
  }
  const text = o.responses.some((r) => r.body === 'text');
  return {
    description: o.description,
    consumes: o.method === 'patch' ? PATCH_CONTENT_TYPES : ['*/*'],
    produces: text ? ['*/*'] : ['application/json'],
    schemes: ['https'],
    tags: [],
    operationId: o.operationId,
    ...(parameters.length ? { parameters } : {}),
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

let cache: Document | undefined;

/** `GET /openapi/v2` as JSON, built once. */
export function openapiV2Document(): Document {
  if (cache) return cache;
  const paths: Json = {};
  for (const p of allPaths()) paths[p.path] = pathItem(p);
  const doc = {
    swagger: '2.0',
    info: { title: 'orch', version: 'v1.32.0' },
    paths,
    definitions: definitionsFor(RESOURCES, subresourceTypeIds(RESOURCES), 'v2'),
    securityDefinitions: { BearerToken: { type: 'apiKey', description: 'Bearer token authentication', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
  const body = JSON.stringify(doc);
  cache = { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() };
  return cache;
}
