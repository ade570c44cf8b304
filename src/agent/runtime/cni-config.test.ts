import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrsOverlap, gatewayOf, parseCidr, renderCniConflist } from './cni-config.js';

test('the conflist chains bridge and portmap (no per-pod firewall plugin) on our own bridge and IPAM store', () => {
  const conf = JSON.parse(renderCniConflist({ networkName: 'orch-t1', bridgeName: 'orch0', podCidr: '10.244.3.0/24', ipamDataDir: '/d/cni/ipam' }));
  assert.equal(conf.cniVersion, '0.4.0');
  assert.equal(conf.name, 'orch-t1');
  assert.deepEqual(conf.plugins.map((p: any) => p.type), ['bridge', 'portmap']);
  const [bridge, portmap] = conf.plugins;
  assert.equal(bridge.bridge, 'orch0');
  assert.equal(bridge.isGateway, true);
  assert.equal(bridge.ipMasq, false);
  assert.equal(bridge.hairpinMode, true);
  assert.equal(bridge.ipam.type, 'host-local');
  assert.equal(bridge.ipam.dataDir, '/d/cni/ipam');
  assert.deepEqual(bridge.ipam.ranges, [[{ subnet: '10.244.3.0/24', gateway: '10.244.3.1' }]]);
  assert.deepEqual(portmap.capabilities, { portMappings: true });
});

test('CIDRs are parsed strictly', () => {
  assert.equal(gatewayOf(parseCidr('10.88.0.0/16')), '10.88.0.1');
  assert.throws(() => parseCidr('10.88.0.1/24'), /host bits set; did you mean 10\.88\.0\.0\/24/);
  assert.throws(() => parseCidr('10.88.0.0'), /invalid IPv4 CIDR/);
  assert.throws(() => parseCidr('10.300.0.0/16'), /invalid IPv4 CIDR/);
  assert.throws(() => parseCidr('10.0.0.0/33'), /invalid IPv4 CIDR/);
  assert.throws(() => renderCniConflist({ networkName: 'n', bridgeName: 'b', podCidr: '10.0.0.0/30', ipamDataDir: '/x' }), /too small/);
});

test('overlap is detected both ways', () => {
  assert.ok(cidrsOverlap(parseCidr('10.0.0.0/8'), parseCidr('10.244.1.0/24')));
  assert.ok(cidrsOverlap(parseCidr('10.244.1.0/24'), parseCidr('10.0.0.0/8')));
  assert.ok(!cidrsOverlap(parseCidr('10.244.1.0/24'), parseCidr('10.244.2.0/24')));
  assert.ok(cidrsOverlap(parseCidr('0.0.0.0/0'), parseCidr('192.168.1.0/24')));
});
