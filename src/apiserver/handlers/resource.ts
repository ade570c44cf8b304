/**
 * Handlers for resource URLs: get, list, watch, create, update, patch, delete and
 * deletecollection, plus the status, scale, binding and finalize subresources.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { groupVersion, type ResourceInfo } from '../../api/resources.js';
import { errors, ApiError } from '../../machinery/errors.js';
import type { ResourceRequest } from '../http/request-info.js';
import { negotiateShape, bodyMediaType, type ResponseShape } from '../http/negotiate.js';
import { decodeObjectBody, readBody, parseJson } from '../http/body.js';
import { sendJson, sendText } from '../http/respond.js';
import type { Registry, DeleteOptions } from '../registry/registry.js';
import { parseRV } from '../registry/registry.js';
import type { RequestContext, Strategy } from '../registry/strategy.js';
import { bindingStrategy } from '../registry/strategies/pod.js';
import { finalizeStrategy } from '../registry/strategies/namespace.js';
import { buildMatcher } from '../registry/selection.js';
import { renderList, renderObject, parseIncludeObject } from './list-response.js';
import { serveWatch } from './watch.js';
import { applyPatch, isApplyPatch, PATCH_TYPES } from './patch.js';
import { applyWithOwnership, ownershipOfCreated } from '../managed-fields/index.js';
import { scaleOf, scaleStrategy } from './scale.js';
import type { HandlerContext } from './context.js';

interface Call {
  ctx: HandlerContext;
  req: IncomingMessage;
  res: ServerResponse;
  ri: ResourceRequest;
  query: URLSearchParams;
  reg: Registry;
  rctx: RequestContext;
  warnings: string[];
}

export async function handleResource(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  ri: ResourceRequest,
  query: URLSearchParams,
  user: string,
): Promise<void> {
  const reg = ctx.registries.get(ri.info)!;
  const dryRun = parseDryRun(query.getAll('dryRun'));
  const fieldManager = parseFieldManager(query.get('fieldManager'), req.headers['user-agent']);
  const call: Call = { ctx, req, res, ri, query, reg, rctx: { user, dryRun, fieldManager }, warnings: [] };
  const sub = ri.subresource;
  if (sub && !ri.info.subresources.includes(sub as never) && !(ri.info.kind === 'Namespace' && sub === 'finalize'))
    throw errors.noRoute(`${ri.info.plural}/${sub}`);
  // pods/log, exec, attach and portforward are routed to handlers/pod-proxy.ts before this.
  if (sub === 'proxy') {
    throw errors.unavailable(`${ri.info.plural}/${sub} is served by the node agent, which does not serve it in this version of orch`);
  }
  switch (ri.verb) {
    case 'get':
      return sub === 'scale' ? getScale(call) : getOne(call);
    case 'list':
      return list(call);
    case 'watch':
      return watch(call);
    case 'create':
      if (sub === 'binding') return bind(call);
      if (ri.name) throw errors.methodNotAllowed(`POST is not supported on a named ${ri.info.singular}`);
      return create(call);
    case 'update':
      if (!ri.name) throw errors.methodNotAllowed(`PUT needs a ${ri.info.singular} name in the URL`);
      if (sub === 'scale') return updateScale(call);
      return update(call);
    case 'patch':
      if (!ri.name) throw errors.methodNotAllowed(`PATCH needs a ${ri.info.singular} name in the URL`);
      return patch(call);
    case 'delete':
      return del(call);
    case 'deletecollection':
      if (!ri.info.verbs.includes('deletecollection')) throw errors.methodNotAllowed(`deletecollection is not supported on ${ri.info.plural}`);
      return deleteCollection(call);
    default:
      throw errors.methodNotAllowed(`${call.req.method} is not supported here`);
  }
}

function parseDryRun(values: string[]): boolean {
  for (const v of values) if (v !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

/** The fieldManager parameter, or the user agent's product name as kube-apiserver uses. */
function parseFieldManager(param: string | null, userAgent: string | undefined): string | undefined {
  if (param !== null) {
    if (param.length > 128) throw errors.badRequest(`fieldManager: Too long: may not be longer than 128 characters`);
    if (!/^[\x20-\x7e]*$/.test(param)) throw errors.badRequest(`fieldManager: Invalid value: ${JSON.stringify(param)}: must consist of printable characters`);
    return param || undefined;
  }
  const product = userAgent?.split('/')[0].trim().slice(0, 128);
  return product || undefined;
}

function shapeOf(call: Call): ResponseShape {
  const shape = negotiateShape(call.req.headers.accept);
  if (!shape) throw errors.notAcceptable(`only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io`);
  return shape;
}

function send(call: Call, code: number, body: string): void {
  // One Warning header per warning, as kube-apiserver sends them.
  const headers: Record<string, string | string[]> = {};
  if (call.warnings.length) headers.Warning = call.warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  sendText(call.res, code, body, 'application/json', headers);
}

function sendObject(call: Call, code: number, obj: any): void {
  send(call, code, renderObject(call.ri.info, obj, shapeOf(call), parseIncludeObject(call.query.get('includeObject'))));
}

// ---- reads --------------------------------------------------------------------------

function getOne(call: Call): void {
  const { ri, reg } = call;
  const e = reg.get(ri.namespace, ri.name!);
  send(call, 200, renderObject(ri.info, e.obj, shapeOf(call), parseIncludeObject(call.query.get('includeObject')), e));
}

async function list(call: Call): Promise<void> {
  const { ri, reg, query } = call;
  const shape = shapeOf(call);
  const limit = query.get('limit');
  const page = await reg.list({
    namespace: ri.namespace,
    matcher: buildMatcher(ri.info, query.get('labelSelector'), query.get('fieldSelector')),
    limit: limit ? parseLimit(limit) : undefined,
    continue: query.get('continue') || undefined,
    resourceVersion: query.get('resourceVersion') || undefined,
    resourceVersionMatch: query.get('resourceVersionMatch') || undefined,
  });
  send(call, 200, renderList(ri.info, page, shape, parseIncludeObject(query.get('includeObject'))));
}

function parseLimit(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw errors.badRequest(`limit must be a non-negative integer, got ${JSON.stringify(s)}`);
  return n;
}

function watch(call: Call): void {
  const { ri, query } = call;
  let fieldSelector = query.get('fieldSelector');
  // GET .../pods/x?watch=true watches one object.
  if (ri.name) fieldSelector = [fieldSelector, `metadata.name=${ri.name}`].filter(Boolean).join(',');
  serveWatch(call.req, call.res, call.reg, {
    namespace: ri.namespace,
    matcher: buildMatcher(ri.info, query.get('labelSelector'), fieldSelector),
    resourceVersion: query.get('resourceVersion') || undefined,
    shape: shapeOf(call),
    includeObject: parseIncludeObject(query.get('includeObject')),
    allowBookmarks: query.get('allowWatchBookmarks') === 'true',
    sendInitialEvents: query.get('sendInitialEvents') === 'true',
    timeoutSeconds: query.get('timeoutSeconds') ? Number(query.get('timeoutSeconds')) : undefined,
  });
}

// ---- writes -------------------------------------------------------------------------

/** Checks apiVersion/kind of a body against the URL, defaulting them when absent. */
function checkTypeMeta(info: ResourceInfo, obj: any, expectKind = info.kind, expectApiVersion = groupVersion(info)): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw errors.badRequest(`the body of the request must be a ${expectKind} object, not ${Array.isArray(obj) ? 'an array' : typeof obj}`);
  if (obj.kind === undefined || obj.kind === '') obj.kind = expectKind;
  if (obj.apiVersion === undefined || obj.apiVersion === '') obj.apiVersion = expectApiVersion;
  if (obj.kind !== expectKind)
    throw errors.badRequest(`the kind of the object in the request body (${JSON.stringify(obj.kind)}) does not match the resource in the URL, which expects ${expectKind}`);
  if (obj.apiVersion !== expectApiVersion)
    throw errors.badRequest(
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${expectApiVersion})`,
    );
}

/** fieldValidation: Strict rejects unknown fields, Warn (the default) reports them in a Warning. */
function checkUnknownFields(call: Call, obj: any): void {
  const mode = call.query.get('fieldValidation') ?? 'Warn';
  if (mode !== 'Strict' && mode !== 'Warn' && mode !== 'Ignore')
    throw errors.badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(mode)}: supported values: "Ignore", "Warn", "Strict"`);
  if (mode === 'Ignore') return;
  const unknown = call.ctx.unknownFields(call.ri.info, obj);
  if (!unknown.length) return;
  if (mode === 'Strict') throw errors.badRequest(`strict decoding error: ${unknown.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ')}`);
  for (const f of unknown) call.warnings.push(`unknown field ${JSON.stringify(f)}`);
}

async function readObject(call: Call): Promise<any> {
  const buf = await readBody(call.req);
  return decodeObjectBody(call.req.headers['content-type'], buf);
}

async function create(call: Call): Promise<void> {
  const obj = await readObject(call);
  checkTypeMeta(call.ri.info, obj);
  checkUnknownFields(call, obj);
  const out = await call.reg.create(call.ri.namespace, obj, call.rctx);
  sendObject(call, 201, out);
}

async function update(call: Call): Promise<void> {
  const obj = await readObject(call);
  checkTypeMeta(call.ri.info, obj);
  const sub = call.ri.subresource;
  if (sub === 'finalize') {
    const expected = obj.metadata?.resourceVersion ? parseRV(obj.metadata.resourceVersion) : undefined;
    const out = await call.reg.guaranteedUpdate(undefined, call.ri.name!, call.rctx, finalizeStrategy(), expected, () => structuredClone(obj));
    return sendObject(call, 200, out);
  }
  if (sub && sub !== 'status') throw errors.methodNotAllowed(`PUT is not supported on ${call.ri.info.plural}/${sub}`);
  checkUnknownFields(call, obj);
  const out = await call.reg.update(call.ri.namespace, call.ri.name!, obj, call.rctx, sub as 'status' | undefined);
  sendObject(call, 200, out);
}

async function patch(call: Call): Promise<void> {
  const { ri, reg } = call;
  const type = bodyMediaType(call.req.headers['content-type']);
  if (!PATCH_TYPES.includes(type)) throw errors.unsupportedMediaType(call.req.headers['content-type'] ?? '');
  const body = await readBody(call.req);
  const sub = ri.subresource;
  if (sub === 'scale') return patchScale(call, type, body);
  const strategy: Strategy | undefined = sub === 'status' ? reg.statusStrategy : sub ? undefined : reg.strategy;
  if (!strategy) throw errors.methodNotAllowed(`PATCH is not supported on ${ri.info.plural}/${sub}`);
  const patchDoc = applyPatch.parse(type, body);
  const expected = applyPatch.precondition(patchDoc);
  const applying = isApplyPatch(type);
  const force = parseForce(call.query.get('force'), applying);
  const manager = call.rctx.fieldManager;
  if (applying && !manager) throw errors.badRequest('fieldManager: Required value: is required for apply patch');
  const rctx = { ...call.rctx, applying };
  const scope = { kind: ri.info.kind, part: sub === 'status' ? 'status' : reg.strategy.hasStatusSubresource ? 'main' : 'all' } as const;
  try {
    const out = await reg.guaranteedUpdate(ri.namespace, ri.name!, rctx, strategy, expected, (cur) => {
      const next = applying
        ? applyWithOwnership({ current: cur, config: patchDoc, manager: manager!, force, scope, subresource: sub ?? '', merge: (o, c) => applyPatch.apply(type, ri.info, o, c) })
        : applyPatch.apply(type, ri.info, cur, patchDoc);
      checkTypeMeta(ri.info, next);
      checkUnknownFields(call, next);
      return next;
    });
    sendObject(call, 200, out);
  } catch (err) {
    // Server-side apply creates what does not exist yet.
    if (applying && err instanceof ApiError && err.code === 404 && !sub) {
      const obj = structuredClone(patchDoc);
      checkTypeMeta(ri.info, obj);
      obj.metadata ??= {};
      if (obj.metadata.name && obj.metadata.name !== ri.name) throw errors.badRequest('the name of the object does not match the name on the URL');
      obj.metadata.name = ri.name;
      checkUnknownFields(call, obj);
      obj.metadata.managedFields = ownershipOfCreated({ config: patchDoc, manager: manager!, scope, subresource: '' });
      const out = await reg.create(ri.namespace, obj, rctx);
      return sendObject(call, 201, out);
    }
    throw err;
  }
}

function parseForce(value: string | null, applying: boolean): boolean {
  if (value === null) return false;
  if (value !== 'true' && value !== 'false') throw errors.badRequest(`force: Invalid value: ${JSON.stringify(value)}: must be true or false`);
  if (value === 'true' && !applying) throw errors.badRequest('force: Forbidden: may not be specified for non-apply patch');
  return value === 'true';
}

async function readDeleteOptions(call: Call): Promise<DeleteOptions> {
  const buf = await readBody(call.req);
  let opts: any = {};
  if (buf.length > 0) {
    opts = parseJson(buf, 'the DeleteOptions body');
    if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw errors.badRequest('the DeleteOptions body must be an object');
  }
  const q = call.query;
  if (q.has('gracePeriodSeconds')) opts.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'));
  if (q.has('propagationPolicy')) opts.propagationPolicy = q.get('propagationPolicy');
  if (q.has('orphanDependents')) opts.orphanDependents = q.get('orphanDependents') === 'true';
  if (opts.gracePeriodSeconds !== undefined && !Number.isInteger(opts.gracePeriodSeconds))
    throw errors.badRequest('gracePeriodSeconds must be an integer');
  if (opts.propagationPolicy !== undefined && !['Foreground', 'Background', 'Orphan'].includes(opts.propagationPolicy))
    throw errors.badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(opts.propagationPolicy)}: supported values: "Foreground", "Background", "Orphan"`);
  if (Array.isArray(opts.dryRun) && parseDryRun(opts.dryRun)) call.rctx.dryRun = true;
  return opts;
}

async function del(call: Call): Promise<void> {
  const opts = await readDeleteOptions(call);
  if (call.ri.subresource) throw errors.methodNotAllowed(`DELETE is not supported on ${call.ri.info.plural}/${call.ri.subresource}`);
  const r = await call.reg.delete(call.ri.namespace, call.ri.name!, opts, call.rctx);
  sendJson(call.res, r.gone ? 200 : 202, r.obj);
}

async function deleteCollection(call: Call): Promise<void> {
  const opts = await readDeleteOptions(call);
  const { ri, query } = call;
  const page = await call.reg.deleteCollection(
    { namespace: ri.namespace, matcher: buildMatcher(ri.info, query.get('labelSelector'), query.get('fieldSelector')) },
    opts,
    call.rctx,
  );
  send(call, 200, renderList(ri.info, page, 'json', 'Metadata'));
}

// ---- subresources -------------------------------------------------------------------

async function bind(call: Call): Promise<void> {
  const obj = await readObject(call);
  checkTypeMeta(call.ri.info, obj, 'Binding', 'v1');
  const node = obj?.target?.name;
  if (typeof node !== 'string' || !node) throw errors.invalid(call.reg.ref(call.ri.name), [{ type: 'FieldValueRequired', field: 'target.name' }]);
  if (obj.target.kind && obj.target.kind !== 'Node') throw errors.invalid(call.reg.ref(call.ri.name), [{ type: 'FieldValueNotSupported', field: 'target.kind', value: obj.target.kind, detail: 'supported values: "Node"' }]);
  const expectUid = obj.metadata?.uid;
  await call.reg.guaranteedUpdate(call.ri.namespace, call.ri.name!, call.rctx, bindingStrategy(node), undefined, (cur) => {
    if (expectUid && cur.metadata.uid !== expectUid) throw errors.conflict(call.reg.ref(call.ri.name), 'the UID of the binding does not match the pod');
    return cur;
  });
  sendJson(call.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

function getScale(call: Call): void {
  const e = call.reg.get(call.ri.namespace, call.ri.name!);
  sendJson(call.res, 200, scaleOf(e.obj));
}

async function updateScale(call: Call): Promise<void> {
  // `kubectl scale --current-replicas` sends this PUT without a Content-Type: JSON is assumed.
  const obj = await readObject(call);
  checkTypeMeta(call.ri.info, obj, 'Scale', 'autoscaling/v1');
  const expected = obj.metadata?.resourceVersion ? parseRV(obj.metadata.resourceVersion) : undefined;
  const out = await call.reg.guaranteedUpdate(call.ri.namespace, call.ri.name!, { ...call.rctx, subresource: 'scale' }, scaleStrategy(call.reg.strategy, obj), expected, (cur) => cur);
  sendJson(call.res, 200, scaleOf(out));
}

async function patchScale(call: Call, type: string, body: Buffer): Promise<void> {
  const patchDoc = applyPatch.parse(type, body);
  const expected = applyPatch.precondition(patchDoc);
  const out = await call.reg.guaranteedUpdate(call.ri.namespace, call.ri.name!, { ...call.rctx, subresource: 'scale' }, call.reg.strategy, expected, (cur) => {
    const scale = applyPatch.apply(type, undefined, scaleOf(cur), patchDoc);
    const replicas = scale?.spec?.replicas;
    if (!Number.isInteger(replicas))
      throw errors.invalid(call.reg.ref(call.ri.name), [{ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas, detail: 'must be an integer' }]);
    cur.spec.replicas = replicas;
    return cur;
  });
  sendJson(call.res, 200, scaleOf(out));
}
