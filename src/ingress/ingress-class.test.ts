import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IngressClass } from 'kubernetes-types/networking/v1.js';
import { classFilterFor, defaultAnnotationPatch, desiredIngressClass, DEFAULT_CLASS_ANNOTATION } from './ingress-class.js';

const ic = (name: string, controller: string, def?: string): IngressClass => ({ metadata: { name, annotations: def ? { [DEFAULT_CLASS_ANNOTATION]: def } : undefined }, spec: { controller } });

describe('ingress classes', () => {
  it('collects our classes and whether one is the default', () => {
    const f = classFilterFor([ic('orch', 'orch.io/ingress'), ic('nginx', 'k8s.io/ingress-nginx', 'true'), ic('orch-b', 'orch.io/ingress', 'false')], 'orch.io/ingress');
    assert.deepEqual([...f.classNames], ['orch', 'orch-b']);
    assert.equal(f.serveUnclassified, false, "another controller's default class is not ours");
    assert.equal(classFilterFor([ic('orch', 'orch.io/ingress', 'true')], 'orch.io/ingress').serveUnclassified, true);
  });

  it('creates the class with the default annotation only when asked', () => {
    assert.deepEqual(desiredIngressClass('orch', 'orch.io/ingress', true).metadata?.annotations, { [DEFAULT_CLASS_ANNOTATION]: 'true' });
    assert.equal(desiredIngressClass('orch', 'orch.io/ingress', undefined).metadata?.annotations, undefined);
  });

  it('patches the default annotation of an existing class only when it differs and was asked for', () => {
    assert.equal(defaultAnnotationPatch(ic('orch', 'c', 'true'), undefined), undefined);
    assert.equal(defaultAnnotationPatch(ic('orch', 'c', 'true'), true), undefined);
    assert.deepEqual(defaultAnnotationPatch(ic('orch', 'c'), true), { metadata: { annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } } });
    assert.deepEqual(defaultAnnotationPatch(ic('orch', 'c', 'true'), false), { metadata: { annotations: { [DEFAULT_CLASS_ANNOTATION]: null } } });
    assert.equal(defaultAnnotationPatch(ic('orch', 'c'), false), undefined);
  });
});
