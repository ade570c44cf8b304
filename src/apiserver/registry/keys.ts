/** Storage keys: /registry/<plural>/<namespace>/<name>, or /registry/<plural>/<name> when cluster-scoped. */
import type { ResourceInfo } from '../../api/resources.js';

export const ROOT_PREFIX = '/registry/';

export const resourcePrefix = (info: ResourceInfo): string => `${ROOT_PREFIX}${info.plural}/`;

/** The prefix holding one namespace's objects, or every object when namespace is empty. */
export const listPrefix = (info: ResourceInfo, namespace?: string): string =>
  info.namespaced && namespace ? `${resourcePrefix(info)}${namespace}/` : resourcePrefix(info);

export const objectKey = (info: ResourceInfo, namespace: string | undefined, name: string): string =>
  info.namespaced ? `${resourcePrefix(info)}${namespace}/${name}` : `${resourcePrefix(info)}${name}`;
