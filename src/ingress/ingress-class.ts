/**
 * Which Ingresses this controller serves: those naming one of the IngressClasses whose
 * spec.controller is ours, by spec.ingressClassName or the legacy annotation, and those
 * naming no class at all when one of our classes is the cluster default.
 */
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';

export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** Deprecated since Kubernetes 1.18, still set by many charts; rejected alongside the field. */
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export interface ClassFilter {
  /** Names of the IngressClasses whose controller is ours. */
  classNames: ReadonlySet<string>;
  /** One of them is annotated as the default class: serve Ingresses naming no class. */
  serveUnclassified: boolean;
}

export const isDefaultClass = (ic: IngressClass): boolean => ic.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';

export function classFilterFor(classes: readonly IngressClass[], controllerName: string): ClassFilter {
  const classNames = new Set<string>();
  let serveUnclassified = false;
  for (const ic of classes) {
    if (ic.spec?.controller !== controllerName || !ic.metadata?.name) continue;
    classNames.add(ic.metadata.name);
    if (isDefaultClass(ic)) serveUnclassified = true;
  }
  return { classNames, serveUnclassified };
}

/** The class an Ingress asks for: the field, else the legacy annotation, else none. */
export function ingressClassOf(ing: Ingress): string | undefined {
  return ing.spec?.ingressClassName || ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION] || undefined;
}

export function servesIngress(filter: ClassFilter, ing: Ingress): boolean {
  if (ing.metadata?.deletionTimestamp) return false;
  const cls = ingressClassOf(ing);
  return cls === undefined ? filter.serveUnclassified : filter.classNames.has(cls);
}

/**
 * The IngressClass this controller creates at start when it is missing. (spec.controller
 * is immutable: a class of that name belonging to another controller is reported by the
 * controller, not taken over.)
 */
export function desiredIngressClass(name: string, controller: string, isDefault: boolean | undefined): IngressClass {
  const annotations = isDefault ? { [DEFAULT_CLASS_ANNOTATION]: 'true' } : undefined;
  return { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name, annotations }, spec: { controller } };
}

/** A merge patch bringing an existing class's default annotation in line, if it differs. */
export function defaultAnnotationPatch(existing: IngressClass, isDefault: boolean | undefined): object | undefined {
  // Left unset, the annotation is the administrator's to manage.
  if (isDefault === undefined || isDefaultClass(existing) === isDefault) return undefined;
  return { metadata: { annotations: { [DEFAULT_CLASS_ANNOTATION]: isDefault ? 'true' : null } } };
}
