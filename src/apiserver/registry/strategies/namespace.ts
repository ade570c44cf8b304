/**
 * Namespaces: deletion is held by spec.finalizers ("kubernetes") until the namespace
 * controller has removed everything inside and cleared them through /finalize.
 */
import type { Strategy } from '../strategy.js';

export function namespaceStrategy(base: Strategy): Strategy {
  return {
    ...base,
    // Only asked about a namespace being deleted, which is Terminating from then on.
    holdsDeletion(ns) {
      ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
      return Boolean(ns.spec?.finalizers?.length);
    },
    prepareForUpdate(obj, old) {
      base.prepareForUpdate(obj, old);
      // spec.finalizers change only through /finalize.
      obj.spec = { ...(obj.spec ?? {}), finalizers: old.spec?.finalizers };
      if (obj.spec.finalizers === undefined) delete obj.spec.finalizers;
    },
  };
}

/** namespaces/{name}/finalize: replaces spec.finalizers and nothing else. */
export function finalizeStrategy(): Strategy {
  return {
    tracksGeneration: false,
    hasStatusSubresource: true,
    prepareForCreate() {},
    prepareForUpdate(obj, old) {
      const finalizers = obj.spec?.finalizers;
      const next = structuredClone(old);
      next.spec = { ...(next.spec ?? {}), finalizers };
      if (!finalizers) delete next.spec.finalizers;
      for (const k of Object.keys(obj)) delete obj[k];
      Object.assign(obj, next);
    },
    validate: () => [],
    validateUpdate: () => [],
  };
}
