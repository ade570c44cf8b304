import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_HELP, parseAgentConfig, parseDuration, type AgentConfig, type ContainerdAgentConfig } from './agent-command.js';
import { UsageError } from './flags.js';

const base = ['--runtime', 'fake', '--server', 'https://127.0.0.1:6443', '--token', 't'];

test('fake agent flags become a typed config with defaults', () => {
  const c = parseAgentConfig([...base, '--nodes', '1000', '--node-name-prefix', 'scale']) as AgentConfig;
  assert.equal(c.runtime, 'fake');
  assert.equal(c.nodes, 1000);
  assert.equal(c.nodeNamePrefix, 'scale');
  assert.equal(c.server, 'https://127.0.0.1:6443');
  assert.equal(c.token, 't');
  assert.equal(c.heartbeatIntervalMs, 10_000);
  assert.equal(c.podStartDelayMs, 500);
  assert.deepEqual(c.capacity, { cpu: '32', memory: '256Gi', pods: '110' });
  assert.equal(c.removeNodesOnStop, true);
  assert.equal(c.insecureSkipTlsVerify, false);
  const k = parseAgentConfig([...base, '--keep-nodes', '--node-capacity', 'cpu=4,pods=20', '--heartbeat-interval', '1m30s']) as AgentConfig;
  assert.equal(k.removeNodesOnStop, false);
  assert.deepEqual(k.capacity, { cpu: '4', memory: '256Gi', pods: '20' });
  assert.equal(k.heartbeatIntervalMs, 90_000);
  assert.equal(parseAgentConfig(['--help']), 'help');
  assert.match(AGENT_HELP, /--runtime NAME/);
});

test('containerd agent flags (the default runtime) become a typed config with defaults', () => {
  const c = parseAgentConfig(['--server', 'https://127.0.0.1:6443', '--token', 't']) as ContainerdAgentConfig;
  assert.equal(c.runtime, 'containerd');
  assert.equal(c.clusterName, 'default');
  assert.equal(c.bridgeName, 'orch0');
  assert.deepEqual(c.clusterDns, ['10.96.0.10']);
  assert.equal(c.clusterDomain, 'cluster.local');
  assert.equal(c.streamingPort, 10250);
  assert.equal(c.podCidrFallback, undefined);
  assert.ok(c.nodeName.length > 0);
  assert.ok(c.dataDir.startsWith('/'));
  const d = parseAgentConfig([
    '--server', 'https://127.0.0.1:6443', '--runtime', 'containerd', '--data-dir', '/tmp/x', '--node-name', 'n1', '--cluster-dns', '10.96.0.10,10.96.0.11',
    '--pod-cidr', '10.244.3.0/24', '--images-dir', '/tmp/img', '--registries-config', '/etc/orch/registries.yaml', '--node-ip', '127.0.0.1', '--streaming-port', '0',
  ]) as ContainerdAgentConfig;
  assert.deepEqual(
    [d.dataDir, d.nodeName, d.clusterDns, d.podCidrFallback, d.imagesDir, d.registriesConfig, d.nodeIP, d.streamingPort],
    ['/tmp/x', 'n1', ['10.96.0.10', '10.96.0.11'], '10.244.3.0/24', '/tmp/img', '/etc/orch/registries.yaml', '127.0.0.1', 0],
  );
});

test('bad agent flags are refused with a message naming the flag', () => {
  const cases: [string, string[], RegExp][] = [
    ['bad cluster dns', ['--server', 'https://x:1', '--token', 't', '--cluster-dns', '10.96.0'], /--cluster-dns: "10.96.0" is not an IPv4 address/],
    ['bad pod cidr', ['--server', 'https://x:1', '--token', 't', '--pod-cidr', '10.244.0.0/33'], /--pod-cidr/],
    ['bad node name', ['--server', 'https://x:1', '--token', 't', '--node-name', 'Node_1'], /--node-name/],
    ['unknown runtime', ['--runtime', 'docker', '--server', 'https://x:1'], /--runtime: unknown runtime "docker"/],
    ['no server', ['--runtime', 'fake'], /--server .* or --kubeconfig is required/],
    ['plain http', ['--runtime', 'fake', '--server', 'http://x:1'], /HTTPS only/],
    ['zero nodes', [...base, '--nodes', '0'], /--nodes: want a whole number/],
    ['fractional nodes', [...base, '--nodes', '2.5'], /--nodes/],
    ['bad prefix', [...base, '--node-name-prefix', 'Fake_Node'], /--node-name-prefix/],
    ['bad duration', [...base, '--pod-start-delay', '5 seconds'], /--pod-start-delay: invalid duration/],
    ['too fast heartbeat', [...base, '--heartbeat-interval', '10ms'], /at least 100ms/],
    ['bad capacity', [...base, '--node-capacity', 'gpu=1'], /--node-capacity: invalid entry "gpu=1"/],
    ['bad quantity', [...base, '--node-capacity', 'memory=lots'], /not a quantity/],
    ['ca and insecure', [...base, '--ca-file', 'ca.pem', '--insecure-skip-tls-verify'], /contradict/],
    ['unknown flag', [...base, '--bogus'], /unknown flag: --bogus/],
  ];
  for (const [name, argv, msg] of cases) {
    assert.throws(
      () => parseAgentConfig(argv),
      (e: unknown) => e instanceof UsageError && msg.test(e.message),
      name,
    );
  }
});

test('parseDuration reads Go-style durations', () => {
  const cases: [string, number][] = [
    ['500ms', 500],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['2h', 7_200_000],
  ];
  for (const [s, ms] of cases) assert.equal(parseDuration(s, 'x'), ms, s);
  for (const s of ['', '10', '10x', 's10']) assert.throws(() => parseDuration(s, 'x'), UsageError, s);
});
