/** Reading our chains and hooks back from iptables-save, and spotting drift. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChainNames } from './chain-names.js';
import { resolveRulesConfig } from './config.js';
import { drift, emptyKernelState, parseSave } from './kernel-state.js';
import { buildRules, renderDelta } from './ruleset.js';
import { FakeIptables } from './testing.js';

const cfg = resolveRulesConfig({ chainPrefix: 'ORCH-k1-', serviceCidr: '10.97.0.0/24', nodePortRange: [31000, 31009], nodeIPs: ['127.0.0.1'] });
const names = new ChainNames(cfg.prefix, cfg.hashLength);
const state = {
  services: [{ metadata: { namespace: 'a', name: 'b' }, spec: { type: 'NodePort', clusterIP: '10.97.0.3', ports: [{ port: 80, nodePort: 31000 }] } }],
  endpointSlices: [{ metadata: { namespace: 'a', name: 'b-1', labels: { 'kubernetes.io/service-name': 'b' } }, addressType: 'IPv4', ports: [{ port: 80 }], endpoints: [{ addresses: ['10.1.0.1'] }] }],
};

async function kernelOf(ipt: FakeIptables) {
  const k = emptyKernelState();
  parseSave(await ipt.save('nat'), 'nat', names, k);
  parseSave(await ipt.save('filter'), 'filter', names, k);
  return k;
}

describe('kernel state', () => {
  it('recognises only chain names of this exact prefix and shape', () => {
    assert.ok(names.isOwn('ORCH-k1-SERVICES'));
    assert.ok(names.isOwn(names.svc('a/b', 'tcp')));
    assert.ok(!names.isOwn('ORCH-k1-x-SERVICES'));
    assert.ok(!names.isOwn('ORCH-k1-SVC-short'));
    assert.ok(!names.isOwn('KUBE-SERVICES'));
  });

  it('finds no drift right after a restore, and finds flushed chains and removed hooks', async () => {
    const ipt = new FakeIptables();
    const rules = buildRules(state as any, cfg);
    await ipt.restore(renderDelta(rules));
    assert.deepEqual(drift(rules, await kernelOf(ipt)), []);

    ipt.tables.nat.set(names.services, []);
    ipt.tables.nat.set('PREROUTING', []);
    const problems = drift(rules, await kernelOf(ipt));
    assert.ok(problems.some((p) => p.startsWith(`nat chain ${names.services} has 0 rules`)), problems.join('\n'));
    assert.equal(problems.filter((p) => p.startsWith('hook missing: nat PREROUTING')).length, 3);
  });

  it('reports chains of ours that should not exist and hooks added twice', async () => {
    const ipt = new FakeIptables();
    const rules = buildRules(state as any, cfg);
    await ipt.restore(renderDelta(rules));
    const h = rules.hooks[0];
    await ipt.restore(`*nat\n:ORCH-k1-SEP-AAAAAAAAAAAAAAAA - [0:0]\n-A ${h.chain} ${h.spec}\nCOMMIT\n`);
    const problems = drift(rules, await kernelOf(ipt));
    assert.deepEqual(problems.sort(), [`hook duplicated 2 times: nat ${h.chain} ${h.spec}`, 'nat chain ORCH-k1-SEP-AAAAAAAAAAAAAAAA should not exist']);
  });
});
