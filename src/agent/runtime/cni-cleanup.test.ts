import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isOwnRule, parseRules, splitRule } from './cni-cleanup.js';
import { parseCidr } from './cni-config.js';

test('iptables -S lines split into words, quotes and escapes honoured', () => {
  assert.deepEqual(splitRule('-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"orch-t1\\" id: \\"abc\\"" -m multiport --dports 8080 -j CNI-DN-1'), [
    '-A', 'CNI-HOSTPORT-DNAT', '-p', 'tcp', '-m', 'comment', '--comment', 'dnat name: "orch-t1" id: "abc"', '-m', 'multiport', '--dports', '8080', '-j', 'CNI-DN-1',
  ]);
  assert.deepEqual(splitRule('-A X -m comment --comment "" -j ACCEPT'), ['-A', 'X', '-m', 'comment', '--comment', '', '-j', 'ACCEPT']);
});

test('iptables -S output parses into chains and rules', () => {
  const t = parseRules('-P FORWARD ACCEPT\n-N CNI-FORWARD\n-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD\n');
  assert.deepEqual([...t.chains], ['FORWARD', 'CNI-FORWARD']);
  assert.deepEqual(t.rules, [['FORWARD', '-m', 'comment', '--comment', 'CNI firewall plugin rules', '-j', 'CNI-FORWARD']]);
});

test('only rules naming our pod addresses or our network count as ours', () => {
  const cidr = parseCidr('10.223.7.0/24');
  const own = (line: string) => isOwnRule(splitRule(line).slice(1), 'orch-t1', cidr);
  // firewall plugin, per pod
  assert.ok(own('-A CNI-FORWARD -d 10.223.7.5/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'));
  assert.ok(own('-A CNI-FORWARD -s 10.223.7.5/32 -j ACCEPT'));
  // portmap, per pod
  assert.ok(own('-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"orch-t1\\" id: \\"abc\\"" -m multiport --dports 8080 -j CNI-DN-x'));
  assert.ok(own('-A CNI-DN-x -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.223.7.5:8080'));
  // others' rules, plumbing, wider ranges, other networks
  assert.ok(!own('-A CNI-FORWARD -d 10.223.8.5/32 -j ACCEPT'));
  assert.ok(!own('-A CNI-FORWARD -s 10.223.0.0/16 -j ACCEPT'));
  assert.ok(!own('-A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN'));
  assert.ok(!own('-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"orch-t10\\" id: \\"abc\\"" -j CNI-DN-y'));
  assert.ok(!own('-A FORWARD -s 10.223.7.5/32 -j ACCEPT'), 'built-in chains are never touched');
});

test("libcni's cached results of our sandboxes go, others' stay", async () => {
  const { removeCniResults } = await import('./cni-cleanup.js');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-cni-results-'));
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  try {
    for (const f of [`orch-t1-${a}-eth0`, `cni-loopback-${a}-lo`, `orch-t10-${b}-eth0`, `cni-loopback-${b}-lo`, 'podman-xyz-eth0']) fs.writeFileSync(path.join(dir, f), '{}');
    assert.equal(await removeCniResults('orch-t1', dir), 2);
    assert.deepEqual(fs.readdirSync(dir).sort(), [`cni-loopback-${b}-lo`, `orch-t10-${b}-eth0`, 'podman-xyz-eth0']);
    assert.equal(await removeCniResults('orch-t1', path.join(dir, 'missing')), 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
