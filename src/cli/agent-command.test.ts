import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_HELP, parseAgentConfig, parseDuration, type AgentConfig } from './agent-command.js';
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

test('bad agent flags are refused with a message naming the flag', () => {
  const cases: [string, string[], RegExp][] = [
    ['containerd is not in this build', ['--server', 'https://x:1', '--token', 't'], /the containerd runtime is not available in this build; use --runtime fake/],
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
