/**
 * Parses a request path into what it addresses: group, version, resource, namespace, name,
 * subresource and verb — in the manner of k8s.io/apiserver's RequestInfoResolver.
 */
import { findResource, type ResourceInfo } from '../../api/resources.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'connect';

export interface ResourceRequest {
  kind: 'resource';
  verb: Verb;
  info: ResourceInfo;
  group: string;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface OtherRequest {
  kind: 'other';
  path: string;
}

/** A URL under /api or /apis that names no served resource. */
export interface UnknownResourceRequest {
  kind: 'unknown';
  path: string;
}

export type RequestInfo = ResourceRequest | OtherRequest | UnknownResourceRequest;

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname.split('/').filter(Boolean);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { kind: 'other', path: pathname };
  }
  let watchPath = false;
  if (rest[0] === 'watch') {
    // Deprecated /watch/ URLs: same as ?watch=true.
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const nsRes = findResource(group, version, rest[2]);
    if (nsRes?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const info = findResource(group, version, rest[0]);
  if (!info || rest.length > 3) return { kind: 'unknown', path: pathname };
  if (namespace !== undefined && !info.namespaced) return { kind: 'unknown', path: pathname };
  const name = rest[1];
  const subresource = rest[2];
  const isWatch = watchPath || query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: Verb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name ? (subresource && ['exec', 'portforward', 'attach', 'proxy'].includes(subresource) ? 'connect' : 'get') : isWatch ? 'watch' : 'list';
      if (name && isWatch) verb = 'watch';
      break;
    case 'POST':
      verb = subresource && ['exec', 'portforward', 'attach', 'proxy'].includes(subresource) ? 'connect' : 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = 'get';
  }
  return { kind: 'resource', verb, info, group, version, namespace, name, subresource };
}
