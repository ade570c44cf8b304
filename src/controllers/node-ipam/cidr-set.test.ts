import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrSet, parseIpv4Cidr } from './cidr-set.js';

test('a /16 cut into /24s hands out 256 distinct ranges, then none', () => {
  const set = new CidrSet('10.244.0.0/16', 24);
  assert.equal(set.capacity, 256);
  const seen = new Set<string>();
  for (let i = 0; i < 256; i++) seen.add(set.allocateNext()!);
  assert.equal(seen.size, 256);
  assert.ok(seen.has('10.244.0.0/24') && seen.has('10.244.255.0/24'));
  assert.equal(set.allocateNext(), undefined);
  assert.equal(set.free, 0);
});

test('a released range is reused only after the others', () => {
  const set = new CidrSet('10.0.0.0/22', 24);
  const a = set.allocateNext();
  assert.equal(a, '10.0.0.0/24');
  set.release(a!);
  assert.deepEqual([set.allocateNext(), set.allocateNext(), set.allocateNext(), set.allocateNext()], ['10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24', '10.0.0.0/24']);
});

test('occupy marks ranges taken before a restart or given by hand', () => {
  const cases: { name: string; cidr: string; ok: boolean; taken: string[] }[] = [
    { name: 'one node range', cidr: '10.0.2.0/24', ok: true, taken: ['10.0.2.0/24'] },
    { name: 'a wider range covers several', cidr: '10.0.0.0/23', ok: true, taken: ['10.0.0.0/24', '10.0.1.0/24'] },
    { name: 'a narrower range takes its whole node range', cidr: '10.0.3.128/25', ok: true, taken: ['10.0.3.0/24'] },
    { name: 'outside the cluster CIDR', cidr: '192.168.0.0/24', ok: false, taken: [] },
    { name: 'not a CIDR', cidr: 'bogus', ok: false, taken: [] },
  ];
  for (const tc of cases) {
    const set = new CidrSet('10.0.0.0/22', 24);
    assert.equal(set.occupy(tc.cidr), tc.ok, tc.name);
    for (const r of ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24']) assert.equal(set.isUsed(r), tc.taken.includes(r), `${tc.name}: ${r}`);
    assert.equal(set.free, 4 - tc.taken.length, tc.name);
  }
});

test('allocation skips occupied ranges and counts stay right on double occupy/release', () => {
  const set = new CidrSet('10.0.0.0/23', 24);
  set.occupy('10.0.0.0/24');
  set.occupy('10.0.0.0/24');
  assert.equal(set.free, 1);
  assert.equal(set.allocateNext(), '10.0.1.0/24');
  set.release('10.0.1.0/24');
  set.release('10.0.1.0/24');
  assert.equal(set.free, 1);
});

test('bad configurations are refused with a reason', () => {
  assert.throws(() => new CidrSet('fd00::/48', 64), /not an IPv4 CIDR/);
  assert.throws(() => new CidrSet('10.0.0.0/24', 16), /between/);
  assert.throws(() => new CidrSet('10.0.0.0/8', 30), /more than 65536/);
  assert.deepEqual(parseIpv4Cidr('10.1.2.3/16'), { base: parseIpv4Cidr('10.1.0.0/16')!.base, bits: 16 });
});
