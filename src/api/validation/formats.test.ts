import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkName,
  isCIDR,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isIP,
  isLabelValue,
  isQualifiedName,
  isValidPortName,
  isWildcardDNS1123Subdomain,
} from './formats.js';

test('DNS label and subdomain rules match Kubernetes, messages included', () => {
  assert.deepEqual(isDNS1123Label('my-name'), []);
  assert.deepEqual(isDNS1123Label('123-abc'), []);
  assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
  assert.deepEqual(isDNS1123Label('My_Name'), [
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  ]);
  assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  assert.deepEqual(isDNS1123Subdomain('example.com'), []);
  assert.deepEqual(isDNS1123Subdomain('-bad'), [
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  ]);
  assert.equal(isDNS1035Label('1abc').length, 1, 'a DNS-1035 label must start with a letter');
  assert.deepEqual(isWildcardDNS1123Subdomain('*.foo.com'), []);
  assert.equal(isWildcardDNS1123Subdomain('*.*.foo.com').length, 1);
});

test('qualified names allow one DNS-subdomain prefix', () => {
  const cases: [string, number][] = [
    ['app', 0],
    ['app.kubernetes.io/name', 0],
    ['example.com/MyName', 0],
    ['/name', 1],
    ['a/b/c', 1],
    ['Bad_Prefix/x', 1],
    ['-x', 1],
    ['x'.repeat(64), 1],
  ];
  for (const [v, n] of cases) assert.equal(isQualifiedName(v).length, n, v);
  assert.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']);
});

test('label values may be empty but not oddly shaped', () => {
  assert.deepEqual(isLabelValue(''), []);
  assert.deepEqual(isLabelValue('v1.2_3-x'), []);
  assert.equal(isLabelValue('-x').length, 1);
  assert.deepEqual(isLabelValue('x'.repeat(64)), ['must be no more than 63 characters']);
});

test('config keys become file names, so dot-dot is refused', () => {
  assert.deepEqual(isConfigMapKey('.secret-file'), []);
  assert.deepEqual(isConfigMapKey('..'), ["must not be '..'"]);
  assert.deepEqual(isConfigMapKey('..x'), ["must not start with '..'"]);
  assert.equal(isConfigMapKey('a/b').length, 1);
});

test('port names follow IANA_SVC_NAME', () => {
  assert.deepEqual(isValidPortName('http-server'), []);
  assert.deepEqual(isValidPortName('8080'), ['must contain at least one letter (a-z)']);
  assert.deepEqual(isValidPortName('a--b'), ['must not contain consecutive hyphens']);
  assert.deepEqual(isValidPortName('this-name-is-too-long'), ['must be no more than 15 characters']);
});

test('IPs and CIDRs', () => {
  for (const ip of ['10.96.0.1', '0.0.0.0', '::1', '2001:db8::ffff']) assert.ok(isIP(ip), ip);
  for (const ip of ['10.96.0', '256.1.1.1', '010.1.1.1', 'x', '']) assert.ok(!isIP(ip), ip);
  assert.ok(isCIDR('10.244.0.0/16'));
  assert.ok(!isCIDR('10.244.0.0/33'));
  assert.ok(!isCIDR('10.244.0.0'));
});

test('generateName prefixes may end with a dash', () => {
  assert.deepEqual(checkName('subdomain', 'web-', true), []);
  assert.equal(checkName('subdomain', 'web-', false).length, 1);
  assert.deepEqual(checkName('label', 'ns-', true), []);
});
