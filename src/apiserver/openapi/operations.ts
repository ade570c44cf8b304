/**
 * The REST operations orch serves, derived from the resource table, in a form both
 * OpenAPI dialects render: collection, item, the cluster-wide list (`kubectl get -A`) and
 * each subresource, with Kubernetes' vendor extensions.
 *
 * Every PATCH carries a `fieldValidation` parameter: kubectl looks for it to decide that
 * the server validates fields, and otherwise falls back to client-side validation that
 * needs the protobuf OpenAPI v2 document.
 */

import { RESOURCES, type ResourceInfo, type Subresource } from '../../api/resources.js';
import { SUBRESOURCES } from '../discovery.js';
import { definitionName, kindId, listId, NAMES } from './schemas.js';

export type Method = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options';
export type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'connect';

export interface Param {
  name: string;
  in: 'query' | 'path';
  description: string;
  type: 'string' | 'integer' | 'boolean';
  required?: boolean;
}

export interface GVK {
  group: string;
  version: string;
  kind: string;
}

export interface Response {
  code: number;
  description: string;
  /** Definition name of a JSON body, or 'text' for a plain-text body. */
  body?: string;
}

export interface Operation {
  method: Method;
  operationId: string;
  description: string;
  action: Action;
  gvk: GVK;
  params: Param[];
  /** Definition name of the request body; NAMES.patch for PATCH. */
  requestBody?: string;
  requestBodyRequired?: boolean;
  responses: Response[];
}

export interface PathItem {
  path: string;
  params: Param[];
  operations: Operation[];
}

/** The content types orch accepts for PATCH, as advertised. Strategic merge patch is
 * left out on purpose: advertised, kubectl would compute it from this thin schema
 * instead of from its compiled-in types (see KUBECTL.md §4). */
export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
];

const q = (name: string, type: Param['type'], description: string): Param => ({ name, in: 'query', type, description });

const P = {
  pretty: q('pretty', 'string', 'If "true", the response is indented.'),
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'Ask for BOOKMARK events in a watch; the server may send none.'),
  continue: q('continue', 'string', 'Token from the previous page of a chunked list.'),
  fieldSelector: q('fieldSelector', 'string', 'Only objects whose fields match, e.g. metadata.name=web or status.phase!=Running.'),
  labelSelector: q('labelSelector', 'string', 'Only objects whose labels match, e.g. app=web,tier in (fe,be).'),
  limit: q('limit', 'integer', 'Most items to return; when more remain, metadata.continue is set.'),
  resourceVersion: q(
    'resourceVersion',
    'string',
    'For a list, how fresh the result must be ("0": any cached state). For a watch, the version to start after.',
  ),
  resourceVersionMatch: q('resourceVersionMatch', 'string', 'How resourceVersion applies to a list: NotOlderThan or Exact.'),
  sendInitialEvents: q('sendInitialEvents', 'boolean', 'With watch: send the current objects as ADDED events first, then a bookmark.'),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'End the list or watch after this many seconds.'),
  watch: q('watch', 'boolean', 'Stream added, modified and deleted events instead of returning a list.'),
  dryRun: q('dryRun', 'string', '"All" runs every step of the request except storing the result.'),
  fieldManager: q('fieldManager', 'string', 'Name of the actor making the change, recorded in managedFields.'),
  fieldValidation: q(
    'fieldValidation',
    'string',
    'What to do with fields the schema does not know: Ignore, Warn (default, as a Warning header) or Strict (reject).',
  ),
  force: q('force', 'boolean', 'Server-side apply only: take over fields owned by other managers.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'Seconds before the object is removed; 0 removes it at once.'),
  ignoreStoreReadError: q(
    'ignoreStoreReadErrorWithClusterBreakingPotential',
    'boolean',
    'Delete an object that cannot be read from storage. For recovery only.',
  ),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy=Orphan.'),
  propagationPolicy: q('propagationPolicy', 'string', 'What happens to dependents: Orphan, Background or Foreground.'),
};

const LIST_PARAMS = [
  P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion,
  P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch,
];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const PATCH_PARAMS = [...WRITE_PARAMS, P.force];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.ignoreStoreReadError, P.orphanDependents, P.propagationPolicy];
const DELETE_COLLECTION_PARAMS = [
  P.continue, P.dryRun, P.fieldSelector, P.gracePeriodSeconds, P.ignoreStoreReadError, P.labelSelector, P.limit,
  P.orphanDependents, P.propagationPolicy, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds,
];

const pathParam = (name: string, description: string): Param => ({ name, in: 'path', type: 'string', required: true, description });
const NAMESPACE = pathParam('namespace', 'Namespace of the objects.');
const nameParam = (kind: string): Param => pathParam('name', `Name of the ${kind}.`);

const UNAUTHORIZED: Response = { code: 401, description: 'Unauthorized' };
const ok = (body: string): Response => ({ code: 200, description: 'OK', body });

function idPart(r: { group: string; version: string }): string {
  const g = r.group === '' ? 'core' : r.group.split('.')[0];
  return `${g[0].toUpperCase()}${g.slice(1)}${r.version[0].toUpperCase()}${r.version.slice(1)}`;
}

const cap = (s: string): string => `${s[0].toUpperCase()}${s.slice(1)}`;

function prefix(r: ResourceInfo): string {
  return r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
}

const SUBRESOURCE_NAMES: Record<Subresource, string> = {
  status: 'Status',
  scale: 'Scale',
  binding: 'Binding',
  log: 'Log',
  exec: 'Exec',
  portforward: 'PortForward',
  attach: 'Attach',
  proxy: 'Proxy',
};

function subresourceParams(sub: Subresource): Param[] {
  const streams = [
    q('container', 'string', 'Container to use; defaults to the only one, or the default-container annotation.'),
    q('stderr', 'boolean', 'Stream the standard error.'),
    q('stdin', 'boolean', 'Stream the standard input.'),
    q('stdout', 'boolean', 'Stream the standard output.'),
    q('tty', 'boolean', 'Allocate a terminal.'),
  ];
  switch (sub) {
    case 'log':
      return [
        q('container', 'string', 'Container whose log to read; needed when the pod has several.'),
        q('follow', 'boolean', 'Keep streaming new log lines.'),
        q('insecureSkipTLSVerifyBackend', 'boolean', 'Do not verify the node agent\'s certificate.'),
        q('limitBytes', 'integer', 'Stop after this many bytes.'),
        q('previous', 'boolean', 'Log of the previous, terminated container instance.'),
        q('sinceSeconds', 'integer', 'Only lines newer than this many seconds.'),
        q('sinceTime', 'string', 'Only lines after this RFC 3339 time.'),
        q('tailLines', 'integer', 'Only the last N lines.'),
        q('timestamps', 'boolean', 'Prefix each line with its RFC 3339 timestamp.'),
      ];
    case 'exec':
      return [q('command', 'string', 'Command to run; repeat the parameter for each argument.'), ...streams];
    case 'attach':
      return streams;
    case 'portforward':
      return [q('ports', 'integer', 'Ports to forward; repeat the parameter for several.')];
    case 'proxy':
      return [q('path', 'string', 'Path to request on the target.')];
    default:
      return [];
  }
}

/** Operations of one subresource path. */
function subresourceOperations(r: ResourceInfo, sub: Subresource, ns: string): Operation[] {
  const info = SUBRESOURCES[sub];
  const gvk = info.kind(r);
  const name = SUBRESOURCE_NAMES[sub];
  const id = (verb: string) => `${verb}${idPart(r)}${ns}${r.kind}${name}`;
  const params = subresourceParams(sub);
  switch (sub) {
    case 'status':
    case 'scale': {
      const body = sub === 'scale' ? definitionName('autoscaling.v1.Scale') : definitionName(kindId(r));
      const what = sub === 'scale' ? `the scale of the ${r.kind}` : `the status of the ${r.kind}`;
      return [
        { method: 'get', operationId: id('read'), description: `Read ${what}.`, action: 'get', gvk, params: [], responses: [ok(body), UNAUTHORIZED] },
        {
          method: 'put', operationId: id('replace'), description: `Replace ${what}.`, action: 'put', gvk, params: WRITE_PARAMS,
          requestBody: body, requestBodyRequired: true,
          responses: [ok(body), { code: 201, description: 'Created', body }, UNAUTHORIZED],
        },
        {
          method: 'patch', operationId: id('patch'), description: `Partially update ${what}.`, action: 'patch', gvk, params: PATCH_PARAMS,
          requestBody: NAMES.patch, requestBodyRequired: true,
          responses: [ok(body), { code: 201, description: 'Created', body }, UNAUTHORIZED],
        },
      ];
    }
    case 'binding': {
      const body = definitionName('core.v1.Binding');
      return [{
        method: 'post', operationId: id('create'), description: 'Bind the pod to a node; used by the scheduler.', action: 'post', gvk,
        params: [...WRITE_PARAMS], requestBody: body, requestBodyRequired: true,
        responses: [ok(body), { code: 201, description: 'Created', body }, { code: 202, description: 'Accepted', body }, UNAUTHORIZED],
      }];
    }
    case 'log':
      return [{
        method: 'get', operationId: id('read'), description: 'Read the log of a container of the pod, as plain text.', action: 'get', gvk,
        params, responses: [{ code: 200, description: 'OK', body: 'text' }, UNAUTHORIZED],
      }];
    default: {
      // exec, attach, portforward and proxy upgrade the connection (or proxy it).
      const methods: Method[] = sub === 'proxy' ? ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] : ['get', 'post'];
      const what: Record<string, string> = {
        exec: 'Run a command in a container of the pod over a streaming connection.',
        attach: 'Attach to the streams of a running container over a streaming connection.',
        portforward: 'Forward ports of the pod over a streaming connection.',
        proxy: `Proxy the request to the ${r.kind}.`,
      };
      return methods.map((m) => ({
        method: m, operationId: `connect${idPart(r)}${cap(m)}${ns}${r.kind}${name}`, description: what[sub], action: 'connect' as const,
        gvk, params, responses: [{ code: 200, description: 'OK', body: 'text' }, UNAUTHORIZED],
      }));
    }
  }
}

function resourcePaths(r: ResourceInfo): PathItem[] {
  const kindName = definitionName(kindId(r));
  const listName = definitionName(listId(r));
  const status = definitionName('meta.v1.Status');
  const deleteOptions = definitionName('meta.v1.DeleteOptions');
  const gvk: GVK = { group: r.group, version: r.version, kind: r.kind };
  const ns = r.namespaced ? 'Namespaced' : '';
  const id = (verb: string) => `${verb}${idPart(r)}${ns}${r.kind}`;
  const base = r.namespaced ? `${prefix(r)}/namespaces/{namespace}/${r.plural}` : `${prefix(r)}/${r.plural}`;
  const scopeParams = r.namespaced ? [NAMESPACE] : [];
  const can = (verb: string) => r.verbs.includes(verb);
  const created = { code: 201, description: 'Created', body: kindName };

  const collection: Operation[] = [];
  if (can('list')) {
    collection.push({
      method: 'get', operationId: id('list'), description: `List or watch objects of kind ${r.kind}.`, action: 'list', gvk,
      params: LIST_PARAMS, responses: [ok(listName), UNAUTHORIZED],
    });
  }
  if (can('create')) {
    collection.push({
      method: 'post', operationId: id('create'), description: `Create a ${r.kind}.`, action: 'post', gvk, params: WRITE_PARAMS,
      requestBody: kindName, requestBodyRequired: true,
      responses: [ok(kindName), created, { code: 202, description: 'Accepted', body: kindName }, UNAUTHORIZED],
    });
  }
  if (can('deletecollection')) {
    collection.push({
      method: 'delete', operationId: id('deleteCollection'), description: `Delete a collection of ${r.kind} objects.`,
      action: 'deletecollection', gvk, params: DELETE_COLLECTION_PARAMS, requestBody: deleteOptions,
      responses: [ok(status), UNAUTHORIZED],
    });
  }

  const item: Operation[] = [];
  if (can('get')) {
    item.push({ method: 'get', operationId: id('read'), description: `Read the specified ${r.kind}.`, action: 'get', gvk, params: [], responses: [ok(kindName), UNAUTHORIZED] });
  }
  if (can('update')) {
    item.push({
      method: 'put', operationId: id('replace'), description: `Replace the specified ${r.kind}.`, action: 'put', gvk, params: WRITE_PARAMS,
      requestBody: kindName, requestBodyRequired: true, responses: [ok(kindName), created, UNAUTHORIZED],
    });
  }
  if (can('delete')) {
    item.push({
      method: 'delete', operationId: id('delete'), description: `Delete the specified ${r.kind}.`, action: 'delete', gvk, params: DELETE_PARAMS,
      requestBody: deleteOptions, responses: [ok(kindName), { code: 202, description: 'Accepted', body: kindName }, UNAUTHORIZED],
    });
  }
  if (can('patch')) {
    item.push({
      method: 'patch', operationId: id('patch'), description: `Partially update the specified ${r.kind}.`, action: 'patch', gvk,
      params: PATCH_PARAMS, requestBody: NAMES.patch, requestBodyRequired: true, responses: [ok(kindName), created, UNAUTHORIZED],
    });
  }

  const out: PathItem[] = [];
  if (collection.length) out.push({ path: base, params: [...scopeParams, P.pretty], operations: collection });
  if (r.namespaced && can('list')) {
    out.push({
      path: `${prefix(r)}/${r.plural}`,
      params: [P.pretty],
      operations: [{
        method: 'get', operationId: `list${idPart(r)}${r.kind}ForAllNamespaces`, description: `List or watch objects of kind ${r.kind} in all namespaces.`,
        action: 'list', gvk, params: LIST_PARAMS, responses: [ok(listName), UNAUTHORIZED],
      }],
    });
  }
  const itemParams = [nameParam(r.kind), ...scopeParams];
  if (item.length) out.push({ path: `${base}/{name}`, params: [...itemParams, P.pretty], operations: item });
  for (const sub of r.subresources) {
    const ops = subresourceOperations(r, sub, ns);
    const pretty = ops.some((o) => o.action !== 'connect') && sub !== 'log' ? [P.pretty] : [];
    out.push({ path: `${base}/{name}/${sub}`, params: [...itemParams, ...pretty], operations: ops });
    if (sub === 'proxy') {
      out.push({
        path: `${base}/{name}/proxy/{path}`,
        params: [...itemParams, pathParam('path', 'Path to request on the target.')],
        operations: subresourceOperations(r, sub, ns).map((o) => ({ ...o, operationId: `${o.operationId}WithPath`, params: [] })),
      });
    }
  }
  return out;
}

/** Paths of one group-version, e.g. ('apps', 'v1'). */
export function pathsFor(group: string, version: string): PathItem[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version).flatMap(resourcePaths);
}

/** Paths of every served resource. */
export function allPaths(): PathItem[] {
  return RESOURCES.flatMap(resourcePaths);
}

/** Schema ids documents need besides the kinds: the types subresources take and return. */
export function subresourceTypeIds(resources: readonly ResourceInfo[]): string[] {
  const ids = new Set<string>();
  for (const r of resources) {
    if (r.subresources.includes('scale')) ids.add('autoscaling.v1.Scale');
    if (r.subresources.includes('binding')) ids.add('core.v1.Binding');
  }
  return [...ids];
}
