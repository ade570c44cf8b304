/**
 * Cluster DNS against the real API server: Services and hand-made EndpointSlices created
 * through the API are answered over UDP and TCP on 127.0.0.1; names outside the cluster
 * domain go to a fake upstream resolver this test runs on 127.0.0.1 (never a real one).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server as TcpServer } from 'node:net';
import * as packet from 'dns-packet';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { Client } from '../../src/client/client.js';
import type { ClientConfig } from '../../src/client/config.js';
import { silentLogger } from '../../src/machinery/log.js';
import { DnsServer } from '../../src/dns/server.js';

type Reply = packet.DecodedPacket & { rcode: string };

// ---- a tiny DNS client ---------------------------------------------------------------------

function encodeQuery(name: string, type: packet.RecordType, id: number, edns?: number): Buffer {
  return packet.encode({
    type: 'query',
    id,
    flags: packet.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
  });
}

/** Sends raw bytes over UDP and waits for one datagram back (undefined on timeout). */
function udpRaw(port: number, msg: Buffer, timeoutMs = 3000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m);
    });
    s.send(msg, port, '127.0.0.1');
  });
}

async function udpQuery(port: number, name: string, type: packet.RecordType, edns?: number): Promise<Reply> {
  const id = Math.floor(Math.random() * 65536);
  // UDP may drop a datagram on a loaded machine: retry once before failing.
  for (let attempt = 0; attempt < 3; attempt++) {
    const raw = await udpRaw(port, encodeQuery(name, type, id, edns));
    if (!raw) continue;
    const r = packet.decode(raw) as Reply;
    assert.equal(r.id, id, 'response ID');
    return r;
  }
  throw new Error(`no UDP answer for ${name} ${type}`);
}

/** One TCP connection carrying several queries at once (pipelined); halfClose ends our side right after them. */
function tcpQueries(port: number, qs: { name: string; type: packet.RecordType }[], o: { halfClose?: boolean } = {}, timeoutMs = 5000): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    const ids = qs.map((_, i) => 1000 + i);
    const out = new Map<number, Reply>();
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('TCP query timed out'));
    }, timeoutMs);
    sock.on('connect', () => {
      for (const [i, q] of qs.entries()) sock.write(packet.streamEncode({ type: 'query', id: ids[i], flags: packet.RECURSION_DESIRED, questions: [{ name: q.name, type: q.type, class: 'IN' }] }));
      if (o.halfClose) sock.end();
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        const r = packet.decode(msg) as Reply;
        out.set(r.id!, r);
      }
      if (out.size === qs.length) {
        clearTimeout(timer);
        sock.destroy();
        resolve(ids.map((id) => out.get(id)!));
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

const data = (r: Reply, type?: string) => (r.answers ?? []).filter((a) => !type || a.type === type).map((a) => (a as any).data);

/** Polls until `check` stops throwing, or throws its last error at the deadline. */
async function eventually(what: string, check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${(err as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- a fake upstream resolver on 127.0.0.1 ------------------------------------------------------

interface FakeUpstream {
  port: number;
  queries: { name: string; type: string; transport: 'udp' | 'tcp' }[];
  close(): Promise<void>;
}

/**
 * Answers `*.example.test` A with 192.0.2.1 (documentation address, only ever data here),
 * `big.example.test` TXT with ~2 KB (truncated over UDP, as a real server would), and
 * NXDOMAIN for everything else.
 */
async function startFakeUpstream(): Promise<FakeUpstream> {
  const queries: FakeUpstream['queries'] = [];
  const answer = (msg: Buffer, transport: 'udp' | 'tcp'): Buffer => {
    const q = packet.decode(msg);
    const question = q.questions![0];
    queries.push({ name: question.name, type: question.type, transport });
    const base = { type: 'response' as const, id: q.id, flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE, questions: q.questions };
    if (question.name === 'big.example.test' && question.type === 'TXT') {
      if (transport === 'udp') return packet.encode({ ...base, flags: base.flags | packet.TRUNCATED_RESPONSE });
      return packet.encode({ ...base, answers: Array.from({ length: 10 }, (_, i) => ({ name: question.name, type: 'TXT' as const, ttl: 60, data: `${i}`.repeat(200) })) });
    }
    if (question.name.endsWith('.example.test') && question.type === 'A') return packet.encode({ ...base, answers: [{ name: question.name, type: 'A', ttl: 60, data: '192.0.2.1' }] });
    return packet.encode({ ...base, flags: base.flags | 3 });
  };
  const udp = createSocket('udp4');
  udp.on('message', (m, rinfo) => udp.send(answer(m, 'udp'), rinfo.port, rinfo.address));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const port = udp.address().port;
  const conns = new Set<import('node:net').Socket>();
  const tcp: TcpServer = createServer((sock) => {
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        const resp = answer(msg, 'tcp');
        const frame = Buffer.alloc(2 + resp.length);
        frame.writeUInt16BE(resp.length, 0);
        resp.copy(frame, 2);
        sock.write(frame);
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    queries,
    async close() {
      udp.close();
      for (const c of conns) c.destroy();
      await new Promise((r) => tcp.close(r));
    },
  };
}

/** A UDP port on 127.0.0.1 that nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s: UdpSocket = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A UDP socket that receives queries and never answers. */
async function blackHole(): Promise<{ port: number; close(): void }> {
  const s = createSocket('udp4');
  s.on('message', () => undefined);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return { port: s.address().port, close: () => s.close() };
}

async function startDns(config: ClientConfig, upstreams: string[], timeoutMs = 500) {
  const dns = new DnsServer({ client: config, log: silentLogger(), listen: [{ host: '127.0.0.1', port: 0 }], upstreams, upstreamTimeoutMs: timeoutMs });
  const ac = new AbortController();
  const run = dns.run(ac.signal);
  await Promise.race([dns.ready, run]);
  return {
    dns,
    port: dns.addresses[0].port,
    async stop() {
      ac.abort();
      await run;
    },
  };
}

// ---- the tests ------------------------------------------------------------------------------

describe('cluster DNS', () => {
  let s: TestServer;
  let client: Client;
  let config: ClientConfig;
  let upstream: FakeUpstream;
  let server: Awaited<ReturnType<typeof startDns>>;
  let port: number;
  const ns = 'dns-test';
  const zone = `${ns}.svc.cluster.local`;
  let webIp = '';

  before(async () => {
    s = await startTestServer('sqlite');
    config = { server: s.api.url, ca: s.api.caPem, token: s.api.adminToken };
    client = new Client(config);
    await client.namespaces.create(undefined, { metadata: { name: ns } });
    const web: Service = await client.services.create(ns, {
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }] },
    });
    webIp = web.spec!.clusterIP!;
    await client.services.create(ns, { metadata: { name: 'db' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] } });
    const slice: EndpointSlice = {
      metadata: { name: 'db-abc', labels: { 'kubernetes.io/service-name': 'db' } },
      addressType: 'IPv4',
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.244.0.11'], hostname: 'db-0', conditions: { ready: true } },
        { addresses: ['10.244.0.12'], conditions: { ready: true } },
        { addresses: ['10.244.0.13'], conditions: { ready: false } },
      ],
    };
    await client.endpointSlices.create(ns, slice);
    await client.services.create(ns, { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'www.example.test' } });
    upstream = await startFakeUpstream();
    server = await startDns(config, [`127.0.0.1:${upstream.port}`]);
    port = server.port;
  });

  after(async () => {
    await server?.stop();
    await upstream?.close();
    client?.close();
    await s?.cleanup();
  });

  it('answers A for a ClusterIP Service with its cluster IP', async () => {
    const r = await udpQuery(port, `web.${zone}`, 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.flag_aa, true);
    assert.deepEqual(data(r, 'A'), [webIp]);
    assert.equal(r.answers![0].name, `web.${zone}`);
    assert.equal((r.answers![0] as any).ttl, 5);
    // The same question again comes from the response cache, with its own ID.
    const hits = server.dns.stats.cacheHits;
    const again = await udpQuery(port, `web.${zone}`, 'A');
    assert.deepEqual(data(again, 'A'), [webIp]);
    assert.ok(server.dns.stats.cacheHits > hits, 'expected a cache hit');
  });

  it('resolves full names only: short names are the client search path’s job', async () => {
    const before = upstream.queries.length;
    for (const short of ['web', `web.${ns}`, `web.${ns}.svc`]) {
      const r = await udpQuery(port, short, 'A');
      assert.equal(r.rcode, 'NXDOMAIN', short);
    }
    // They went upstream (as any name outside the cluster domain does).
    assert.deepEqual(
      upstream.queries.slice(before).map((q) => q.name),
      ['web', `web.${ns}`, `web.${ns}.svc`],
    );
  });

  it('ignores case in names and echoes the question as asked', async () => {
    const name = `WEB.${ns.toUpperCase()}.Svc.Cluster.LOCAL`;
    const r = await udpQuery(port, name, 'A');
    assert.deepEqual(data(r, 'A'), [webIp]);
    assert.equal(r.questions![0].name, name);
  });

  it('answers a headless Service with its ready endpoints only, and endpoints by hostname', async () => {
    const r = await udpQuery(port, `db.${zone}`, 'A');
    assert.deepEqual(data(r, 'A').sort(), ['10.244.0.11', '10.244.0.12']);
    assert.deepEqual(data(await udpQuery(port, `db-0.db.${zone}`, 'A'), 'A'), ['10.244.0.11']);
    assert.deepEqual(data(await udpQuery(port, `10-244-0-12.db.${zone}`, 'A'), 'A'), ['10.244.0.12']);
    assert.equal((await udpQuery(port, `10-244-0-13.db.${zone}`, 'A')).rcode, 'NXDOMAIN');
  });

  it('answers SRV for named ports, with addresses in the additional section', async () => {
    const r = await udpQuery(port, `_http._tcp.web.${zone}`, 'SRV');
    assert.deepEqual(data(r, 'SRV'), [{ priority: 0, weight: 100, port: 80, target: `web.${zone}` }]);
    assert.deepEqual(
      (r.additionals ?? []).map((a) => [a.name, (a as any).data]),
      [[`web.${zone}`, webIp]],
    );
    const m = await udpQuery(port, `_metrics._tcp.web.${zone}`, 'SRV');
    assert.equal(data(m, 'SRV')[0].port, 9090);
    assert.equal((await udpQuery(port, `_nope._tcp.web.${zone}`, 'SRV')).rcode, 'NXDOMAIN');

    const h = await udpQuery(port, `_pg._tcp.db.${zone}`, 'SRV');
    assert.deepEqual(data(h, 'SRV').map((d: any) => `${d.port} ${d.target}`).sort(), [`5432 10-244-0-12.db.${zone}`, `5432 db-0.db.${zone}`]);
    assert.deepEqual((h.additionals ?? []).map((a) => `${a.name} ${(a as any).data}`).sort(), [`10-244-0-12.db.${zone} 10.244.0.12`, `db-0.db.${zone} 10.244.0.11`]);
  });

  it('answers an ExternalName Service with a CNAME', async () => {
    const r = await udpQuery(port, `ext.${zone}`, 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(
      (r.answers ?? []).map((a) => [a.type, (a as any).data]),
      [['CNAME', 'www.example.test']],
    );
  });

  it('gives NXDOMAIN with the SOA for unknown Services and namespaces, NODATA for AAAA of a name that exists', async () => {
    for (const name of [`nope.${zone}`, 'web.no-such-ns.svc.cluster.local', 'no-such-ns.svc.cluster.local']) {
      const r = await udpQuery(port, name, 'A');
      assert.equal(r.rcode, 'NXDOMAIN', name);
      assert.equal(r.authorities?.[0]?.type, 'SOA', name);
      assert.equal((r.authorities![0] as any).data.mname, 'ns.dns.cluster.local');
    }
    const r = await udpQuery(port, `web.${zone}`, 'AAAA');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(r.answers, []);
    assert.equal(r.authorities?.[0]?.type, 'SOA');
  });

  it('answers PTR for a cluster IP and pod names carrying their IP', async () => {
    const rev = `${webIp.split('.').reverse().join('.')}.in-addr.arpa`;
    assert.deepEqual(data(await udpQuery(port, rev, 'PTR')), [`web.${zone}`]);
    assert.deepEqual(data(await udpQuery(port, `10-244-3-4.${ns}.pod.cluster.local`, 'A')), ['10.244.3.4']);
  });

  it('sees Service changes: creation, ExternalName retargeting and deletion', async () => {
    await client.services.create(ns, { metadata: { name: 'late' }, spec: { ports: [{ port: 8080 }] } });
    const late: Service = await client.services.get(ns, 'late');
    await eventually('the new Service to resolve', async () => assert.deepEqual(data(await udpQuery(port, `late.${zone}`, 'A')), [late.spec!.clusterIP]));

    await client.services.patch(ns, 'ext', { spec: { externalName: 'other.example.test' } });
    await eventually('the CNAME to follow the Service', async () => assert.deepEqual(data(await udpQuery(port, `ext.${zone}`, 'CNAME')), ['other.example.test']));

    await client.services.delete(ns, 'late');
    await eventually('the deleted Service to go', async () => assert.equal((await udpQuery(port, `late.${zone}`, 'A')).rcode, 'NXDOMAIN'));
  });

  it('sees EndpointSlice changes of a headless Service', async () => {
    const cur: EndpointSlice = await client.endpointSlices.get(ns, 'db-abc');
    await client.endpointSlices.update({ ...cur, endpoints: [...cur.endpoints, { addresses: ['10.244.0.14'], conditions: { ready: true } }] });
    await eventually('the new endpoint to resolve', async () => assert.deepEqual(data(await udpQuery(port, `db.${zone}`, 'A')).sort(), ['10.244.0.11', '10.244.0.12', '10.244.0.14']));
  });

  it('forwards names outside the cluster domain to the upstream', async () => {
    const r = await udpQuery(port, 'www.example.test', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(data(r, 'A'), ['192.0.2.1']);
    assert.equal((await udpQuery(port, 'missing.test', 'A')).rcode, 'NXDOMAIN');
  });

  it('retries upstream over TCP when the UDP answer is truncated', async () => {
    const before = upstream.queries.length;
    const big = await udpQuery(port, 'big.example.test', 'TXT', 4096);
    assert.equal(big.flag_tc, false);
    assert.equal(big.answers!.length, 10);
    assert.deepEqual(
      upstream.queries.slice(before).map((q) => q.transport),
      ['udp', 'tcp'],
    );
    // A client without EDNS gets TC (the answer is bigger than 512 bytes) and can retry over TCP.
    const small = await udpQuery(port, 'big.example.test', 'TXT');
    assert.equal(small.flag_tc, true);
    const [tcp] = await tcpQueries(port, [{ name: 'big.example.test', type: 'TXT' }]);
    assert.equal(tcp.answers!.length, 10);
  });

  it('answers over TCP, several pipelined queries on one connection', async () => {
    const [a, srv, fwd, nx] = await tcpQueries(port, [
      { name: `web.${zone}`, type: 'A' },
      { name: `_http._tcp.web.${zone}`, type: 'SRV' },
      { name: 'tcp.example.test', type: 'A' },
      { name: `nope.${zone}`, type: 'A' },
    ]);
    assert.deepEqual(data(a, 'A'), [webIp]);
    assert.equal(data(srv, 'SRV')[0].port, 80);
    assert.deepEqual(data(fwd, 'A'), ['192.0.2.1']);
    assert.equal(nx.rcode, 'NXDOMAIN');
    // A client that half-closes after writing still gets every answer, forwarded ones included.
    const [fwd2, a2] = await tcpQueries(port, [{ name: 'half.example.test', type: 'A' }, { name: `web.${zone}`, type: 'A' }], { halfClose: true });
    assert.deepEqual(data(fwd2, 'A'), ['192.0.2.1']);
    assert.deepEqual(data(a2, 'A'), [webIp]);
  });

  it('survives malformed packets and keeps answering', async () => {
    const formerrBefore = server.dns.stats.formerr;
    const good = encodeQuery(`web.${zone}`, 'A', 77);
    const garbage = [
      Buffer.alloc(0),
      Buffer.from([1, 2, 3]),
      good.subarray(0, 20),
      Buffer.concat([good.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]),
      Buffer.from(good.map((b, i) => (i > 12 ? 0x3f : b))),
      Buffer.alloc(600, 0xff),
    ];
    // Names at the 255-byte limit are fine; beyond it they are FORMERR.
    const longName = Array.from({ length: 3 }, () => 'a'.repeat(63)).join('.');
    const tooLong = Array.from({ length: 4 }, () => 'a'.repeat(61)).join('.');
    for (const g of garbage) {
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.send(g, port, '127.0.0.1', () => r()));
      s.close();
    }
    // A truncated question gets FORMERR, not silence.
    const formerr = await udpRaw(port, good.subarray(0, 20));
    assert.ok(formerr, 'FORMERR expected');
    assert.equal((packet.decode(formerr) as Reply).rcode, 'FORMERR');
    // TCP: a frame claiming a length that never comes, then a connection that closes mid-frame.
    const sock = connect({ port, host: '127.0.0.1' });
    await new Promise((r) => sock.on('connect', r));
    sock.end(Buffer.from([0, 200, 1, 2, 3]));
    await new Promise((r) => sock.on('close', r));

    assert.equal((await udpQuery(port, `${longName}.example.test`, 'A')).rcode, 'NOERROR');
    assert.equal((await udpQuery(port, `${tooLong}.example.test`, 'A')).rcode, 'FORMERR');
    assert.deepEqual(data(await udpQuery(port, `web.${zone}`, 'A')), [webIp]);
    assert.deepEqual(data((await tcpQueries(port, [{ name: `web.${zone}`, type: 'A' }]))[0]), [webIp]);
    assert.ok(server.dns.stats.formerr > formerrBefore);
  });

  it('returns SERVFAIL when every upstream is down, and fails over to one that is up', async () => {
    const hole = await blackHole();
    const dead = await closedPort();
    const failing = await startDns(config, [`127.0.0.1:${dead}`, `127.0.0.1:${hole.port}`], 300);
    const failover = await startDns(config, [`127.0.0.1:${dead}`, `127.0.0.1:${upstream.port}`], 300);
    try {
      const r = await udpQuery(failing.port, 'www.example.test', 'A');
      assert.equal(r.rcode, 'SERVFAIL');
      const [t] = await tcpQueries(failing.port, [{ name: 'www.example.test', type: 'A' }]);
      assert.equal(t.rcode, 'SERVFAIL');
      // The cluster domain does not depend on the upstreams.
      assert.deepEqual(data(await udpQuery(failing.port, `web.${zone}`, 'A')), [webIp]);

      assert.deepEqual(data(await udpQuery(failover.port, 'www.example.test', 'A')), ['192.0.2.1']);
    } finally {
      await failing.stop();
      await failover.stop();
      hole.close();
    }
  });

  it('stops cleanly: the port is free again after the signal aborts', async () => {
    const extra = await startDns(config, []);
    const p = extra.port;
    await extra.stop();
    // Nothing answers any more.
    assert.equal(await udpRaw(p, encodeQuery(`web.${zone}`, 'A', 9), 300), undefined);
  });
});
