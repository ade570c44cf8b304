import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerConfig, type ServerConfig } from './server-command.js';
import { UsageError } from './flags.js';

const parse = (...argv: string[]) => parseServerConfig(argv) as ServerConfig;

test('defaults name the one local node of a k3s-like server', () => {
  const c = parse();
  assert.equal(c.clusterName, 'default');
  assert.equal(c.bridgeName, 'orch0');
  assert.equal(c.kubeletPort, 10250);
  assert.equal(c.proxyChainPrefix, 'ORCH-');
  assert.equal(c.clusterDns, '10.96.0.10');
  assert.deepEqual([...c.disabled], []);
});

test('--disable takes repeated and comma-separated parts', () => {
  assert.deepEqual([...parse('--disable', 'dns,ingress', '--disable', 'proxy').disabled].sort(), ['dns', 'ingress', 'proxy']);
});

test('bad values are usage errors that name the flag', () => {
  const cases: [string[], RegExp][] = [
    [['--disable', 'traefik'], /--disable: unknown part "traefik" \(want one of dns, ingress, proxy, local-storage\)/],
    [['--bridge-name', 'a-bridge-name-too-long'], /--bridge-name/],
    [['--cluster-name', 'Upper'], /--cluster-name/],
    [['--kubelet-port', '70000'], /--kubelet-port: invalid port/],
    [['--proxy-chain-prefix', 'orch'], /--proxy-chain-prefix: chainPrefix "orch" must/],
    [['--service-cidr', '10.96.0.0/33'], /--service-cidr/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseServerConfig(argv), (err: Error) => err instanceof UsageError && message.test(err.message), argv.join(' '));
});
