import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeNodeIp, fallbackPodCidr, IpPool } from './ip-pool.js';

test('a pool hands out unique host addresses, skipping network, gateway and broadcast', () => {
  const pool = new IpPool('10.244.3.0/29'); // 8 addresses: .2 .. .6 usable
  const got = [1, 2, 3, 4, 5].map(() => pool.allocate());
  assert.deepEqual(got, ['10.244.3.2', '10.244.3.3', '10.244.3.4', '10.244.3.5', '10.244.3.6']);
  assert.equal(pool.allocate(), undefined);
  pool.release('10.244.3.4');
  assert.equal(pool.allocate(), '10.244.3.4');
});

test('a released address is not reused while others are free', () => {
  const pool = new IpPool('10.244.0.0/24');
  const a = pool.allocate()!;
  pool.release(a);
  assert.notEqual(pool.allocate(), a);
});

test('claim marks addresses pods already hold, and ignores foreign ones', () => {
  const pool = new IpPool('10.244.1.0/24');
  assert.equal(pool.claim('10.244.1.2'), true);
  assert.equal(pool.claim('10.9.9.9'), false);
  assert.equal(pool.allocate(), '10.244.1.3');
  assert.equal(pool.inUse, 2);
});

test('fake node IPs and fallback ranges are distinct per index and outside the default cluster ranges', () => {
  const table: [number, string, string][] = [
    [0, '10.192.0.1', '10.128.0.0/24'],
    [1, '10.192.0.2', '10.128.1.0/24'],
    [255, '10.192.1.0', '10.128.255.0/24'],
    [4999, '10.192.19.136', '10.147.135.0/24'],
  ];
  for (const [i, ip, cidr] of table) {
    assert.equal(fakeNodeIp(i), ip);
    assert.equal(fallbackPodCidr(i), cidr);
  }
});

test('an invalid CIDR is refused', () => {
  assert.throws(() => new IpPool('10.0.0.0/33'), /invalid IPv4 CIDR/);
  assert.throws(() => new IpPool('nope'), /invalid IPv4 CIDR/);
});
