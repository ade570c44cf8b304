/**
 * The proxier against an in-memory iptables: full sync first, partial syncs after, bursts
 * coalesced, drift repaired, failures retried, and everything removed on shutdown.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { silentLogger } from '../machinery/log.js';
import { Proxier, type ProxierOptions } from './proxier.js';
import type { ProxyState } from './service-ports.js';
import { ROUTE_LOCALNET, type Sysctl } from './sysctl.js';
import { FakeIptables } from './testing.js';

const service = (name: string, ip: string): Service => ({ metadata: { namespace: 'ns', name }, spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ port: 80 }] } });
const slice = (name: string, ips: string[]): EndpointSlice => ({
  metadata: { namespace: 'ns', name: `${name}-1`, labels: { 'kubernetes.io/service-name': name } },
  addressType: 'IPv4',
  ports: [{ port: 8080 }],
  endpoints: ips.map((ip) => ({ addresses: [ip] })),
});

class FakeSysctl implements Sysctl {
  values = new Map<string, string>([[ROUTE_LOCALNET, '0']]);
  async get(p: string) {
    return this.values.get(p) ?? '0';
  }
  async set(p: string, v: string) {
    this.values.set(p, v);
  }
}

const until = async (what: string, cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

function setUp(over: Partial<ProxierOptions> = {}) {
  const ipt = new FakeIptables();
  const sysctl = new FakeSysctl();
  const state: { services: Service[]; endpointSlices: EndpointSlice[] } = { services: [service('a', '10.97.0.2')], endpointSlices: [slice('a', ['10.1.0.1'])] };
  const proxier = new Proxier({
    rules: { chainPrefix: 'ORCH-p1-', serviceCidr: '10.97.0.0/24', clusterCidr: '10.1.0.0/16', nodePortRange: [31000, 31009], nodeIPs: ['127.0.0.1'] },
    log: silentLogger(),
    source: (): ProxyState => state,
    iptables: ipt,
    sysctl,
    minSyncIntervalMs: 50,
    checkIntervalMs: 60_000,
    canaryIntervalMs: 60_000,
    ...over,
  });
  const ac = new AbortController();
  const done = proxier.run(ac.signal);
  return { ipt, sysctl, state, proxier, ac, done };
}

describe('Proxier', { timeout: 20_000 }, () => {
  it('syncs everything first, then only what changed; shutdown removes it all and restores route_localnet', async () => {
    const { ipt, sysctl, state, proxier, ac, done } = setUp();
    await proxier.ready;
    assert.equal(proxier.stats.fullSyncs, 1);
    assert.equal(sysctl.values.get(ROUTE_LOCALNET), '1');
    assert.ok(ipt.builtinRules().some((r) => r.startsWith('filter/INPUT ! -s 127.0.0.0/8 -d 127.0.0.0/8 ! -i lo')), 'localnet guard while route_localnet is ours');
    assert.ok(proxier.hasEndpointsFor('ns/a'));

    state.services = [...state.services, service('b', '10.97.0.3')];
    state.endpointSlices = [...state.endpointSlices, slice('b', ['10.1.0.2'])];
    proxier.requestSync();
    await until('service b synced', () => proxier.hasEndpointsFor('ns/b'));
    const last = ipt.restores.at(-1)!;
    assert.equal(proxier.stats.lastSync?.full, false);
    assert.doesNotMatch(last, /10\.1\.0\.1/, 'the unchanged service a is not rewritten');
    assert.doesNotMatch(last, /^-I /m, 'hooks are not touched');
    assert.match(last, /DNAT --to-destination 10\.1\.0\.2:8080/);

    ac.abort();
    await done;
    assert.deepEqual(ipt.userChains(), []);
    assert.deepEqual(ipt.builtinRules(), []);
    assert.equal(sysctl.values.get(ROUTE_LOCALNET), '0');
  });

  it('leaves route_localnet alone, and adds no guard, when it was already on', async () => {
    const ipt = new FakeIptables();
    const sysctl = new FakeSysctl();
    sysctl.values.set(ROUTE_LOCALNET, '1');
    const proxier = new Proxier({
      rules: { chainPrefix: 'ORCH-p2-', serviceCidr: '10.97.0.0/24', nodePortRange: [31000, 31009], nodeIPs: ['127.0.0.1'] },
      log: silentLogger(),
      source: () => ({ services: [], endpointSlices: [] }),
      iptables: ipt,
      sysctl,
    });
    const ac = new AbortController();
    const done = proxier.run(ac.signal);
    await proxier.ready;
    assert.ok(!ipt.builtinRules().some((r) => r.startsWith('filter/INPUT')));
    ac.abort();
    await done;
    assert.equal(sysctl.values.get(ROUTE_LOCALNET), '1');
  });

  it('coalesces a burst of changes into a few syncs', async () => {
    const { ipt, proxier, ac, done } = setUp({ minSyncIntervalMs: 200 });
    await proxier.ready;
    const before = ipt.calls.restore;
    for (let i = 0; i < 50; i++) {
      proxier.requestSync();
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 450));
    const syncs = proxier.stats.syncs;
    const restores = ipt.calls.restore - before;
    ac.abort();
    await done;
    // 50 requests over ~100 ms + 450 ms: the burst tokens, then one per 200 ms at most.
    assert.ok(syncs <= 5, `syncs: ${syncs}`);
    assert.equal(restores, 0, 'unchanged state writes nothing');
  });

  it('notices flushed chains and deleted hooks and rewrites them', async () => {
    const { ipt, proxier, ac, done } = setUp({ canaryIntervalMs: 20, checkIntervalMs: 50 });
    await proxier.ready;
    const want = JSON.stringify([...ipt.tables.nat]);
    // Someone deletes our jump rules and flushes one of our chains.
    ipt.tables.nat.set('PREROUTING', []);
    ipt.tables.nat.set('OUTPUT', []);
    await until('hooks restored', () => proxier.stats.repairs >= 1 && JSON.stringify([...ipt.tables.nat]) === want);
    const svcChain = [...ipt.tables.nat.keys()].find((c) => c.startsWith('ORCH-p1-SVC-'))!;
    ipt.tables.nat.set(svcChain, []);
    await until('service chain restored', () => proxier.stats.repairs >= 2 && JSON.stringify([...ipt.tables.nat]) === want);
    ac.abort();
    await done;
  });

  it('retries a failed restore with a full sync', async () => {
    const ipt = new FakeIptables();
    ipt.failNext = true;
    const proxier = new Proxier({
      rules: { chainPrefix: 'ORCH-p3-', serviceCidr: '10.97.0.0/24', nodePortRange: [31000, 31009], nodeIPs: [] },
      log: silentLogger(),
      source: () => ({ services: [service('a', '10.97.0.2')], endpointSlices: [slice('a', ['10.1.0.1'])] }),
      iptables: ipt,
      minSyncIntervalMs: 10,
    });
    const ac = new AbortController();
    const done = proxier.run(ac.signal);
    await proxier.ready;
    assert.equal(proxier.stats.failures, 1);
    assert.equal(proxier.stats.fullSyncs, 1);
    ac.abort();
    await done;
    assert.deepEqual(ipt.userChains(), []);
  });
});
