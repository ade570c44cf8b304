import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensurePodForwardRules, podForwardRules, removePodForwardRules } from './pod-forward.js';

/** FORWARD as a list of rule specs, with iptables' -C/-A/-D semantics (-C fails when absent). */
function fakeForward(initial: string[][] = []) {
  const rules = initial.map((r) => r.join(' '));
  const calls: string[] = [];
  const ipt = async (args: string[]) => {
    const [op, chain, ...rest] = args;
    assert.equal(chain, 'FORWARD');
    calls.push(op);
    if (op === '-A') {
      rules.push(rest.join(' '));
      return;
    }
    const i = rules.indexOf(rest.join(' '));
    if (i < 0) throw new Error('iptables: Bad rule (does a matching rule exist in that chain?)');
    if (op === '-D') rules.splice(i, 1);
  };
  return { rules, calls, ipt };
}

test('pod traffic rules cover the whole pod CIDR and name the network', () => {
  const [from, replies] = podForwardRules('10.244.3.0/24', 'orch-t1');
  assert.deepEqual(from, ['-s', '10.244.3.0/24', '-m', 'comment', '--comment', 'orch orch-t1 pod traffic', '-j', 'ACCEPT']);
  assert.deepEqual(replies.slice(0, 6), ['-d', '10.244.3.0/24', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED']);
  assert.equal(replies.at(-1), 'ACCEPT');
});

test('ensuring the rules appends them to FORWARD once, after the rules already there, however often it runs', async () => {
  // The service proxy's hook comes first: a pod's packet to a Service without endpoints
  // must meet its REJECT before these accept all pod traffic.
  const proxyHook = ['-d', '10.96.0.0/12', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'ORCH-SERVICES'];
  const f = fakeForward([proxyHook]);
  await ensurePodForwardRules('10.244.3.0/24', 'orch-t1', f.ipt);
  await ensurePodForwardRules('10.244.3.0/24', 'orch-t1', f.ipt);
  assert.equal(f.rules.length, 3);
  assert.equal(f.rules[0], proxyHook.join(' '));
  assert.deepEqual(f.rules.slice(1), podForwardRules('10.244.3.0/24', 'orch-t1').map((r) => r.join(' ')));
});

test('removing the rules removes every copy and leaves other rules alone', async () => {
  const ours = podForwardRules('10.244.3.0/24', 'orch-t1');
  const neighbour = podForwardRules('10.244.4.0/24', 'orch-t2');
  const f = fakeForward([ours[0], ...neighbour, ours[0], ours[1]]);
  await removePodForwardRules('10.244.3.0/24', 'orch-t1', f.ipt);
  assert.deepEqual(f.rules, neighbour.map((r) => r.join(' ')));
  await removePodForwardRules('10.244.3.0/24', 'orch-t1', f.ipt);
  assert.deepEqual(f.rules, neighbour.map((r) => r.join(' ')));
});
