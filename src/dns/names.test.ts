import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dashedIp, ipFromDashed, labelsInZone, parseClusterName, parseReverseName, reverseName, type ClusterName } from './names.js';

const zone = ['cluster', 'local'];
const parse = (name: string): ClusterName | 'outside' => {
  const rest = labelsInZone(name.split('.'), zone);
  return rest ? parseClusterName(rest) : 'outside';
};

describe('parseClusterName', () => {
  const cases: [string, ClusterName | 'outside'][] = [
    ['cluster.local', { kind: 'apex' }],
    ['local', 'outside'],
    ['example.com', 'outside'],
    ['web.default.svc.cluster.local.evil', 'outside'],
    ['dns-version.cluster.local', { kind: 'dns-version' }],
    ['svc.cluster.local', { kind: 'branch' }],
    ['pod.cluster.local', { kind: 'branch' }],
    ['default.svc.cluster.local', { kind: 'branch', namespace: 'default' }],
    ['web.default.svc.cluster.local', { kind: 'service', namespace: 'default', service: 'web' }],
    ['web-0.web.default.svc.cluster.local', { kind: 'service', namespace: 'default', service: 'web', endpoint: 'web-0' }],
    ['_http._tcp.web.default.svc.cluster.local', { kind: 'service', namespace: 'default', service: 'web', port: 'http', protocol: 'tcp' }],
    ['a.b.c.web.default.svc.cluster.local', { kind: 'invalid' }],
    ['web.default.foo.cluster.local', { kind: 'invalid' }],
    ['foo.cluster.local', { kind: 'invalid' }],
    ['10-1-2-3.default.pod.cluster.local', { kind: 'pod', namespace: 'default', pod: '10-1-2-3' }],
    ['x.10-1-2-3.default.pod.cluster.local', { kind: 'invalid' }],
  ];
  for (const [name, want] of cases) it(`${name} -> ${typeof want === 'string' ? want : want.kind}`, () => assert.deepEqual(parse(name), want));
});

describe('dashed IPs', () => {
  const cases: [string, string | undefined][] = [
    ['10-244-0-5', '10.244.0.5'],
    ['1-2-3-4', '1.2.3.4'],
    ['256-1-1-1', undefined],
    ['1-2-3', undefined],
    ['fd00--1', 'fd00::1'],
    ['5678-abcd--2', '5678:abcd::2'],
    ['not-an-ip', undefined],
    ['', undefined],
  ];
  for (const [label, ip] of cases) it(`${label || '(empty)'} -> ${ip}`, () => assert.equal(ipFromDashed(label), ip));
  it('round-trips through dashedIp', () => {
    for (const ip of ['10.0.0.1', 'fd00::1', '5678:abcd::2']) assert.equal(ipFromDashed(dashedIp(ip)), ip);
  });
});

describe('reverse names', () => {
  it('reads IPv4 and full IPv6 reverse names', () => {
    assert.deepEqual(parseReverseName('10.0.96.10.in-addr.arpa'.split('.')), { ip: '10.96.0.10', v6: false });
    const v6 = reverseName('fd00::a');
    assert.equal(v6.split('.').length, 34);
    assert.deepEqual(parseReverseName(v6.split('.')), { ip: 'fd00:0:0:0:0:0:0:a', v6: true });
  });
  it('leaves zones and junk alone', () => {
    for (const n of ['96.10.in-addr.arpa', '300.0.96.10.in-addr.arpa', '01.0.96.10.in-addr.arpa', 'in-addr.arpa', 'x.ip6.arpa']) assert.equal(parseReverseName(n.split('.')), undefined, n);
  });
  it('writes reverse names', () => {
    assert.equal(reverseName('10.96.0.10'), '10.0.96.10.in-addr.arpa');
  });
});
