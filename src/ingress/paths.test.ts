import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compilePath, comparePaths, matchesHost, matchesPath, normalizeHost, requestPath, wildcardKey } from './paths.js';

describe('path matching', () => {
  // The examples of the Kubernetes Ingress documentation, and the edges around them.
  const cases: [type: string, rule: string | undefined, req: string, want: boolean][] = [
    ['Prefix', '/', '/', true],
    ['Prefix', '/', '/anything/at/all', true],
    ['Exact', '/foo', '/foo', true],
    ['Exact', '/foo', '/bar', false],
    ['Exact', '/foo', '/foo/', false],
    ['Exact', '/foo/', '/foo', false],
    ['Exact', '/foo/', '/foo/', true],
    ['Prefix', '/foo', '/foo', true],
    ['Prefix', '/foo', '/foo/', true],
    ['Prefix', '/foo/', '/foo', true],
    ['Prefix', '/foo/', '/foo/', true],
    ['Prefix', '/aaa/bb', '/aaa/bbb', false],
    ['Prefix', '/aaa/bbb', '/aaa/bbb', true],
    ['Prefix', '/aaa/bbb/', '/aaa/bbb', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbb/', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbb/ccc', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbbxyz', false],
    ['Prefix', '/aaa', '/ccc', false],
    ['Prefix', '/Foo', '/foo', false],
    ['Exact', '/Foo', '/foo', false],
    ['ImplementationSpecific', '/api', '/api/v1', true],
    ['ImplementationSpecific', '/api', '/apiv1', false],
    ['ImplementationSpecific', undefined, '/whatever', true],
    ['ImplementationSpecific', '', '/', true],
  ];
  for (const [type, rule, req, want] of cases) {
    it(`${type} ${JSON.stringify(rule)} ${want ? 'matches' : 'does not match'} ${req}`, () => {
      assert.equal(matchesPath(compilePath(type, rule), req), want);
    });
  }

  it('orders the longest path first, Exact before Prefix on a tie', () => {
    const rules = [compilePath('Prefix', '/'), compilePath('Prefix', '/foo/'), compilePath('Exact', '/foo'), compilePath('Prefix', '/foo/bar')];
    const sorted = [...rules].sort(comparePaths).map((r) => `${r.type} ${r.path}`);
    assert.deepEqual(sorted, ['Prefix /foo/bar', 'Exact /foo', 'Prefix /foo', 'Prefix ']);
  });
});

describe('request paths and hosts', () => {
  const paths: [string | undefined, string][] = [
    ['/a/b?x=1', '/a/b'],
    ['/a#frag', '/a'],
    ['/', '/'],
    [undefined, '/'],
    ['', '/'],
    ['http://example.com/a/b?q', '/a/b'],
    ['http://example.com', '/'],
    ['*', '/'],
    ['/?only=query', '/'],
  ];
  for (const [url, want] of paths) it(`path of ${JSON.stringify(url)} is ${want}`, () => assert.equal(requestPath(url), want));

  const hosts: [string | undefined, string][] = [
    ['Foo.Example.COM', 'foo.example.com'],
    ['foo.example.com:8080', 'foo.example.com'],
    ['foo.example.com.', 'foo.example.com'],
    ['[::1]:8443', '[::1]'],
    ['127.0.0.1:80', '127.0.0.1'],
    [undefined, ''],
  ];
  for (const [h, want] of hosts) it(`host ${JSON.stringify(h)} normalizes to ${JSON.stringify(want)}`, () => assert.equal(normalizeHost(h), want));

  const matches: [rule: string, host: string, want: boolean][] = [
    ['foo.bar.com', 'foo.bar.com', true],
    ['foo.bar.com', 'bar.com', false],
    ['*.foo.com', 'bar.foo.com', true],
    ['*.foo.com', 'baz.bar.foo.com', false],
    ['*.foo.com', 'foo.com', false],
    ['*.Foo.com', 'bar.foo.com', true],
    ['', 'anything.example', true],
  ];
  for (const [rule, host, want] of matches) it(`host rule ${JSON.stringify(rule)} ${want ? 'matches' : 'does not match'} ${host}`, () => assert.equal(matchesHost(rule, host), want));

  it('gives the wildcard key of a host', () => {
    assert.equal(wildcardKey('a.b.c'), '.b.c');
    assert.equal(wildcardKey('localhost'), undefined);
  });
});
