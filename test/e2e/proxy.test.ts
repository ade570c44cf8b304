/**
 * The service proxy on the real kernel: the in-process API server, the proxy writing real
 * iptables rules (nf_tables backend) for a test service CIDR and node-port range of its
 * own, and HTTP backends inside network namespaces the test creates. Traffic goes only to
 * 127.0.0.1, to the test's ClusterIPs (rewritten into the namespaces), and to addresses of
 * the test's own veths; the service CIDR is routed into a sink namespace, so nothing a rule
 * missed can leave the machine. Needs root; skipped otherwise.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { normalizedIptablesSave, pickTestRanges, sh, shInput, TestNetwork, type Backend, type TestRanges } from '../support/netns.js';
import { Client } from '../../src/client/client.js';
import { silentLogger } from '../../src/machinery/log.js';
import { hookRules, resolveRulesConfig, ROUTE_LOCALNET, ServiceProxy } from '../../src/proxy/index.js';

const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/iptables-restore') && existsSync('/usr/sbin/iptables-save');
const NS = 'proxy-e2e';
const CHECK_MS = 2000;
const CANARY_MS = 500;

interface Answer {
  name: string;
  port: number;
  remote: string;
}

/** One GET on a fresh connection. */
function get(host: string, port: number, timeoutMs = 3000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(JSON.parse(body) as Answer));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${host}:${port} timed out`)));
    req.on('error', reject);
  });
}

/** How a TCP connect ends: refused, open, or nothing within the timeout. */
function connectOutcome(host: string, port: number, timeoutMs: number): Promise<{ outcome: 'refused' | 'open' | 'timeout' | string; ms: number }> {
  const start = Date.now();
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (outcome: string) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ outcome, ms: Date.now() - start });
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    s.on('connect', () => done('open'));
    s.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'refused' : (err.code ?? err.message)));
  });
}

async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('service proxy on iptables (root, real network namespaces)', { skip: canRun ? false : 'needs root and iptables' }, () => {
  let ranges: TestRanges;
  let netw: TestNetwork | undefined;
  let server: TestServer | undefined;
  let client: Client | undefined;
  let proxy: ServiceProxy;
  let run: Promise<void> | undefined;
  const ac = new AbortController();
  let prefix: string;
  let saveBefore: string;
  let localnetBefore: string;
  let backends: Backend[];
  const ip = (n: number) => `10.97.${ranges.octet}.${n}`;
  const np = (n: number) => ranges.nodePortRange[0] + n;

  async function createService(name: string, spec: Service['spec']): Promise<Service> {
    return client!.services.create(NS, { metadata: { name, namespace: NS }, spec });
  }
  async function putSlice(service: string, ports: EndpointSlice['ports'], ips: string[]): Promise<void> {
    const name = `${service}-manual`;
    const body: EndpointSlice = {
      metadata: { name, namespace: NS, labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      ports,
      endpoints: ips.map((a) => ({ addresses: [a], conditions: { ready: true } })),
    };
    try {
      const cur = await client!.endpointSlices.get(NS, name);
      await client!.endpointSlices.update({ ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata.resourceVersion } });
    } catch {
      await client!.endpointSlices.create(NS, body);
    }
  }
  const rejectsFor = (cip: string) => proxy.proxier.appliedRules?.filter.get(`${prefix}SERVICES`)?.some((l) => l.includes(`-d ${cip}/32`)) ?? false;

  before(async () => {
    ranges = await pickTestRanges();
    prefix = `ORCH-${ranges.id}-`;
    saveBefore = await normalizedIptablesSave();
    localnetBefore = readFileSync(ROUTE_LOCALNET, 'utf8').trim();
    netw = new TestNetwork(ranges);
    backends = [await netw.addBackend(), await netw.addBackend(), await netw.addBackend()];
    await netw.addSink();
    for (const b of backends) await netw.startServer(b, [8080, 9090]);
    server = await startTestServer('sqlite');
    client = new Client({ server: server.api.url, ca: server.api.caPem, token: server.api.adminToken });
    await client.namespaces.create(undefined, { metadata: { name: NS } });
    proxy = new ServiceProxy({
      client: { server: server.api.url, ca: server.api.caPem, token: server.api.adminToken },
      log: silentLogger(),
      serviceCidr: ranges.serviceCidr,
      clusterCidr: ranges.backendNet,
      nodePortRange: ranges.nodePortRange,
      nodeName: 'e2e-node',
      nodeIPs: ['127.0.0.1', ranges.sinkHostIp],
      chainPrefix: prefix,
      minSyncIntervalMs: 100,
      checkIntervalMs: CHECK_MS,
      canaryIntervalMs: CANARY_MS,
      noEndpoints: { delayMs: 1000 },
    });
    run = proxy.run(ac.signal);
    await proxy.ready;
  });

  after(async () => {
    // Safety net when a test failed half-way: everything goes, whatever happened.
    ac.abort();
    await run?.catch(() => {});
    client?.close();
    await server?.cleanup();
    await netw?.destroy();
  });

  it('inserts exactly the expected rules outside its own chains', async (t) => {
    const save = await sh('/usr/sbin/iptables-save');
    const outside = save.split('\n').filter((l) => /^-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /.test(l) && l.includes(prefix));
    const cfg = resolveRulesConfig({ chainPrefix: prefix, serviceCidr: ranges.serviceCidr, clusterCidr: ranges.backendNet, nodePortRange: ranges.nodePortRange, nodeIPs: ['127.0.0.1', ranges.sinkHostIp], localnetGuard: localnetBefore === '0' });
    const want = hookRules(cfg).map((h) => `-A ${h.chain} ${h.spec}`);
    assert.deepEqual([...outside].sort(), [...want].sort());
    for (const l of outside) t.diagnostic(l);
    assert.equal(readFileSync(ROUTE_LOCALNET, 'utf8').trim(), '1');
  });

  it('ClusterIP reaches the backends and spreads new connections over all three', async () => {
    await createService('web', { type: 'ClusterIP', clusterIP: ip(10), selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    await putSlice('web', [{ name: 'http', port: 8080, protocol: 'TCP' }], backends.map((b) => b.ip));
    await until('rules for web', () => proxy.proxier.hasEndpointsFor(`${NS}/web:http`));
    const seen = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const a = await get(ip(10), 80);
      assert.equal(a.port, 8080);
      seen.set(a.name, (seen.get(a.name) ?? 0) + 1);
    }
    assert.deepEqual([...seen.keys()].sort(), ['b0', 'b1', 'b2'], `spread: ${JSON.stringify([...seen])}`);
    // Off-cluster source (the host): masqueraded to the host end of the backend's veth.
    const a = await get(ip(10), 80);
    assert.equal(a.remote, backends.find((b) => b.name === a.name)!.hostIp);
  });

  it('NodePort answers on 127.0.0.1 and on the node IP', async () => {
    await createService('np', { type: 'NodePort', clusterIP: ip(11), ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: np(1) }] });
    await putSlice('np', [{ name: 'http', port: 8080 }], [backends[1].ip]);
    await until('rules for np', () => proxy.proxier.hasEndpointsFor(`${NS}/np:http`));
    assert.equal((await get('127.0.0.1', np(1))).name, 'b1');
    assert.equal((await get(ranges.sinkHostIp, np(1))).name, 'b1');
    assert.equal((await get(ip(11), 80)).name, 'b1');
  });

  it('LoadBalancer ingress IP (ServiceLB style) answers on exactly that IP and port', async () => {
    const svc = await createService('lb', { type: 'LoadBalancer', clusterIP: ip(12), ports: [{ name: 'http', port: 8081, targetPort: 8080, nodePort: np(2) }] });
    await client!.services.updateStatus({ ...svc, status: { loadBalancer: { ingress: [{ ip: ranges.sinkHostIp }] } } });
    await putSlice('lb', [{ name: 'http', port: 8080 }], [backends[2].ip]);
    await until('LB hook', async () => (await sh('/usr/sbin/iptables', '-t', 'nat', '-S', 'OUTPUT')).includes(`-d ${ranges.sinkHostIp}/32 -p tcp -m tcp --dport 8081`));
    assert.equal((await get(ranges.sinkHostIp, 8081)).name, 'b2');
  });

  it('sessionAffinity ClientIP keeps a client on one backend', async () => {
    await createService('sticky', { type: 'ClusterIP', clusterIP: ip(13), sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    await putSlice('sticky', [{ name: 'http', port: 8080 }], backends.map((b) => b.ip));
    await until('rules for sticky', () => proxy.proxier.hasEndpointsFor(`${NS}/sticky:http`));
    const names = new Set<string>();
    for (let i = 0; i < 30; i++) names.add((await get(ip(13), 80)).name);
    assert.equal(names.size, 1, `one backend, got ${[...names]}`);
  });

  it('a named targetPort goes to the port the EndpointSlice resolved it to', async () => {
    await createService('named', { type: 'ClusterIP', clusterIP: ip(14), ports: [{ name: 'http', port: 80, targetPort: 'alt-http' }] });
    await putSlice('named', [{ name: 'http', port: 9090 }], [backends[0].ip]);
    await until('rules for named', () => proxy.proxier.hasEndpointsFor(`${NS}/named:http`));
    const a = await get(ip(14), 80);
    assert.deepEqual([a.name, a.port], ['b0', 9090]);
  });

  it('a Service without endpoints refuses connections at once, and gets a NoEndpoints event', async () => {
    await createService('empty', { type: 'ClusterIP', clusterIP: ip(15), selector: { app: 'nothing' }, ports: [{ name: 'http', port: 80 }] });
    await until('REJECT for empty', () => rejectsFor(ip(15)));
    const r = await connectOutcome(ip(15), 80, 2000);
    assert.equal(r.outcome, 'refused');
    assert.ok(r.ms < 500, `refused after ${r.ms} ms`);
    const ev = await until('NoEndpoints event', async () => (await client!.events.list(NS)).items.find((e: any) => e.reason === 'NoEndpoints' && e.involvedObject?.name === 'empty'));
    assert.equal(ev.type, 'Warning');
    assert.match(ev.message, /no Pod matches its selector app=nothing/);
  });

  it('scaling endpoints to zero refuses connections, scaling back serves again', async () => {
    await putSlice('web', [{ name: 'http', port: 8080 }], []);
    await until('web rejected', () => rejectsFor(ip(10)));
    assert.equal((await connectOutcome(ip(10), 80, 2000)).outcome, 'refused');
    await putSlice('web', [{ name: 'http', port: 8080 }], [backends[0].ip, backends[2].ip]);
    await until('web served', () => proxy.proxier.hasEndpointsFor(`${NS}/web:http`));
    const names = new Set<string>();
    for (let i = 0; i < 30; i++) names.add((await get(ip(10), 80)).name);
    assert.deepEqual([...names].sort(), ['b0', 'b2']);
  });

  it('restores its rules when someone flushes its chain or deletes its jump rules', async (t) => {
    const repairs = proxy.stats.repairs;
    let start = Date.now();
    await sh('/usr/sbin/iptables', '-w', '5', '-t', 'nat', '-F', `${prefix}SERVICES`);
    await until('SERVICES chain restored', async () => proxy.stats.repairs > repairs && (await sh('/usr/sbin/iptables', '-t', 'nat', '-S', `${prefix}SERVICES`)).includes(`-d ${ip(10)}/32`), CHECK_MS + 3000);
    t.diagnostic(`flushed chain restored after ${Date.now() - start} ms (full check every ${CHECK_MS} ms)`);
    assert.equal((await get(ip(10), 80)).port, 8080);

    // Delete our nat jump rules (only ours: through iptables-restore -D with their exact specs).
    const ours = (await sh('/usr/sbin/iptables', '-t', 'nat', '-S', 'OUTPUT')).split('\n').filter((l) => l.startsWith('-A OUTPUT ') && l.includes(`-j ${prefix}`));
    assert.ok(ours.length >= 3);
    start = Date.now();
    await shInput('/usr/sbin/iptables-restore', ['--noflush', '-w', '5'], `*nat\n${ours.map((l) => `-D ${l.slice(3)}`).join('\n')}\nCOMMIT\n`);
    await until('jump rules restored', async () => (await sh('/usr/sbin/iptables', '-t', 'nat', '-S', 'OUTPUT')).split('\n').filter((l) => l.includes(`-j ${prefix}`)).length === ours.length, CANARY_MS + 3000);
    t.diagnostic(`deleted jump rules restored after ${Date.now() - start} ms (canary every ${CANARY_MS} ms)`);
    assert.equal((await get(ip(10), 80)).port, 8080);
  });

  it('shutdown removes every chain and jump rule, restores route_localnet, and the test network goes', async (t) => {
    ac.abort();
    await run;
    run = undefined;
    const saveAfter = await normalizedIptablesSave();
    assert.doesNotMatch(await sh('/usr/sbin/iptables-save'), new RegExp(prefix));
    if (saveAfter !== saveBefore) {
      // Other tests running beside this one (the agent's CNI chains) may change iptables
      // too: then every difference must be theirs — nothing naming our prefix, service
      // CIDR or node ports.
      const count = (text: string) => text.split('\n').reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
      const before = count(saveBefore);
      const after = count(saveAfter);
      const diff = [...new Set([...before.keys(), ...after.keys()])].filter((l) => before.get(l) !== after.get(l));
      const ours = diff.filter((l) => l.includes(prefix) || l.includes(ranges.serviceCidr) || l.includes(`${ranges.nodePortRange[0]}:${ranges.nodePortRange[1]}`));
      assert.deepEqual(ours, [], 'iptables after shutdown differs from before in rules of ours');
      t.diagnostic(`iptables changed during the test by something else: ${diff.join(' | ')}`);
    }
    assert.equal(readFileSync(ROUTE_LOCALNET, 'utf8').trim(), localnetBefore);
    await netw!.destroy();
    assert.deepEqual(await netw!.leftovers(), []);
    netw = undefined;
  });
});
