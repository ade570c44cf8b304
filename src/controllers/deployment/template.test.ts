import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { canonicalJson, equalIgnoreHash, fnv1a32, templateHash } from './template.js';

const tpl = (image: string, labels: Record<string, string> = { app: 'web' }, extra: object = {}): PodTemplateSpec => ({
  metadata: { labels },
  spec: { containers: [{ name: 'c', image }], ...extra },
});

describe('templateHash', () => {
  it('is FNV-1a of the canonical JSON', () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }], u: undefined }), '{"a":[{"c":"x","d":null}],"b":1}');
  });

  it('is stable, short and in the safe alphabet', () => {
    const h = templateHash(tpl('nginx'));
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(templateHash(tpl('nginx')), h);
  });

  it('ignores key order and nil-versus-empty, but not content', () => {
    const a = tpl('nginx');
    const reordered: PodTemplateSpec = { spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { app: 'web' }, annotations: {} } };
    assert.equal(templateHash(reordered), templateHash(a));
    assert.notEqual(templateHash(tpl('nginx:2')), templateHash(a));
  });

  it('changes with the collision count', () => {
    const a = tpl('nginx');
    assert.equal(templateHash(a, 0), templateHash(a));
    assert.notEqual(templateHash(a, 1), templateHash(a));
    assert.notEqual(templateHash(a, 2), templateHash(a, 1));
  });
});

describe('equalIgnoreHash', () => {
  const cases: [string, PodTemplateSpec, PodTemplateSpec, boolean][] = [
    ['same', tpl('x'), tpl('x'), true],
    ['only the hash label differs', tpl('x', { app: 'web', 'pod-template-hash': 'abc' }), tpl('x'), true],
    ['different hash labels', tpl('x', { app: 'web', 'pod-template-hash': 'abc' }), tpl('x', { app: 'web', 'pod-template-hash': 'def' }), true],
    ['another label differs', tpl('x', { app: 'web', v: '2' }), tpl('x'), false],
    ['image differs', tpl('x'), tpl('y'), false],
    ['empty list versus absent', tpl('x', { app: 'web' }, { volumes: [] }), tpl('x'), true],
    ['labels only the hash versus none', tpl('x', { 'pod-template-hash': 'abc' }), { spec: tpl('x').spec }, true],
    ['a template annotation (restartedAt) differs', { ...tpl('x'), metadata: { labels: { app: 'web' }, annotations: { r: '1' } } }, tpl('x'), false],
  ];
  for (const [name, a, b, want] of cases) {
    it(name, () => {
      assert.equal(equalIgnoreHash(a, b), want);
      assert.equal(equalIgnoreHash(b, a), want);
    });
  }
});
