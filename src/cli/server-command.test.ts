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

test('--registries-config names a registries.yaml; absent, the server looks in its data dir', () => {
  assert.equal(parse().registriesConfig, undefined);
  assert.equal(parse('--registries-config', '/etc/orch/registries.yaml').registriesConfig, '/etc/orch/registries.yaml');
});

test('cluster DNS upstreams come from resolv.conf unless given; the ingress listens on 80/443 of every address', () => {
  const c = parse();
  assert.equal(c.resolvConf, '/etc/resolv.conf');
  assert.equal(c.dnsUpstreams, undefined);
  assert.deepEqual([c.ingressBindAddress, c.ingressHttpPort, c.ingressHttpsPort], ['0.0.0.0', 80, 443]);
  const t = parse('--dns-upstream', '127.0.0.1:5353', '--ingress-bind-address', '127.0.0.1', '--ingress-http-port', '0', '--ingress-https-port', '8443');
  assert.deepEqual(t.dnsUpstreams, ['127.0.0.1:5353']);
  assert.deepEqual([t.ingressBindAddress, t.ingressHttpPort, t.ingressHttpsPort], ['127.0.0.1', 0, 8443]);
  assert.throws(() => parse('--ingress-bind-address', 'localhost'), /--ingress-bind-address: "localhost" is not an IP address/);
  assert.throws(() => parse('--dns-upstream', 'nowhere'), /--dns-upstream: invalid address/);
});
