/** Defaults for cluster-scoped core objects: Namespaces and Nodes. */
import type { Namespace, Node } from 'kubernetes-types/core/v1.js';
import { isObj, setIfUnset } from './util.js';

/**
 * The name label lets selectors pick namespaces by name. The "kubernetes" finalizer is
 * only added when spec.finalizers is absent: the namespace controller removes it during
 * deletion, and defaults also run on updates, which must not bring it back.
 */
export function defaultNamespace(ns: Namespace): void {
  if (isObj(ns.metadata) && typeof ns.metadata.name === 'string' && ns.metadata.name) {
    if (!isObj(ns.metadata.labels)) ns.metadata.labels = {};
    ns.metadata.labels['kubernetes.io/metadata.name'] = ns.metadata.name;
  }
  if (!isObj(ns.spec)) ns.spec = {};
  if (ns.spec.finalizers === undefined || ns.spec.finalizers === null) ns.spec.finalizers = ['kubernetes'];
  if (!isObj(ns.status)) ns.status = {};
  setIfUnset(ns.status, 'phase', 'Active');
}

/** Allocatable defaults to capacity: nothing is reserved unless the agent says so. */
export function defaultNode(node: Node): void {
  const status = node.status;
  if (!isObj(status) || !isObj(status.capacity) || status.allocatable !== undefined) return;
  status.allocatable = { ...status.capacity };
}
