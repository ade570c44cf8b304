/**
 * Cluster DNS throughput and latency over UDP on 127.0.0.1, in the manner of dnsperf: a
 * load generator keeps a fixed number of queries in flight and measures each one's round
 * trip, for
 *
 *   - a Service A lookup          (answered from the in-memory zone),
 *   - an NXDOMAIN in the zone     (answered from the zone, with its SOA),
 *   - a headless SRV (20 pods)    (a bigger answer: 20 SRV + 20 A records),
 *   - a forwarded name            (relayed to a fake upstream resolver on 127.0.0.1).
 *
 * The zone answers are measured twice: through the server's response cache (a repeated
 * question is answered from ready-encoded bytes) and on a second server without it (every
 * question parsed, looked up in the maps and encoded).
 *
 *   node dist/bench/dns.js [--duration 5] [--concurrency 64] [--json]
 *
 * Threads: the API server and the DNS server share the main thread (the API server idles
 * once the informers have synced); the load generator runs in one worker thread and the
 * fake upstream in another, so the DNS server's event loop is measured, not the client's.
 * The main thread's event-loop utilisation is reported per scenario: near 1 means the DNS
 * server was the bottleneck, well below 1 means the load generator (or the machine) was.
 * `server µs/query` is the server thread's busy time per answer (socket syscalls included):
 * 1e6 / that is what the server could answer with a core of its own.
 */
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as packet from 'dns-packet';

const TARGET = { qps: 20_000, p99Ms: 5 };

interface LoadRequest {
  name: string;
  type: packet.RecordType;
  port: number;
  durationMs: number;
  warmupMs: number;
  concurrency: number;
}

interface LoadResult {
  sent: number;
  /** Answers within the measured window. */
  answered: number;
  /** Answers from the first query to the last, warm-up included. */
  totalAnswered: number;
  lost: number;
  badRcode: number;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

// ---- worker: the load generator -------------------------------------------------------------

function runLoad(req: LoadRequest): Promise<LoadResult> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const template = packet.encode({ type: 'query', id: 0, flags: packet.RECURSION_DESIRED, questions: [{ name: req.name, type: req.type, class: 'IN' }] });
    const inflight = new Map<number, number>();
    const latencies: number[] = [];
    let nextId = 0;
    let sent = 0;
    let lost = 0;
    let badRcode = 0;
    let measuring = false;
    let stopping = false;
    let measureStart = 0;
    let answeredAtStart = 0;
    let answered = 0;
    const send = () => {
      let id = nextId;
      while (inflight.has(id)) id = (id + 1) & 0xffff;
      nextId = (id + 1) & 0xffff;
      const msg = Buffer.from(template);
      msg.writeUInt16BE(id, 0);
      inflight.set(id, performance.now());
      sent++;
      sock.send(msg, req.port, '127.0.0.1');
    };
    sock.on('message', (m) => {
      const id = m.readUInt16BE(0);
      const t0 = inflight.get(id);
      if (t0 === undefined) return;
      inflight.delete(id);
      answered++;
      const rcode = m[3] & 0xf;
      if (rcode !== 0 && rcode !== 3) badRcode++;
      if (measuring) latencies.push(performance.now() - t0);
      if (!stopping) send();
    });
    // Queries lost (dropped by a full socket buffer) are replaced, so the window stays full.
    const sweeper = setInterval(() => {
      const now = performance.now();
      for (const [id, t0] of inflight) {
        if (now - t0 < 1000) continue;
        inflight.delete(id);
        lost++;
        if (!stopping) send();
      }
    }, 200);
    sock.bind(0, '127.0.0.1', () => {
      sock.setRecvBufferSize(4 << 20);
      sock.setSendBufferSize(4 << 20);
      for (let i = 0; i < req.concurrency; i++) send();
      setTimeout(() => {
        measuring = true;
        measureStart = performance.now();
        answeredAtStart = answered;
        setTimeout(() => {
          measuring = false;
          stopping = true;
          const elapsedMs = performance.now() - measureStart;
          const count = answered - answeredAtStart;
          clearInterval(sweeper);
          setTimeout(() => {
            sock.close();
            latencies.sort((a, b) => a - b);
            const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
            resolve({ sent, answered: count, totalAnswered: answered, lost, badRcode, elapsedMs, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: latencies.at(-1) ?? NaN });
          }, 200);
        }, req.durationMs);
      }, req.warmupMs);
    });
  });
}

// ---- worker: the fake upstream ------------------------------------------------------------------

function runUpstream(): void {
  const s = createSocket('udp4');
  s.on('message', (m, rinfo) => {
    let q: packet.DecodedPacket;
    try {
      q = packet.decode(m);
    } catch {
      return;
    }
    const question = q.questions![0];
    const resp = packet.encode({
      type: 'response',
      id: q.id,
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
      questions: q.questions,
      answers: question.type === 'A' ? [{ name: question.name, type: 'A', ttl: 60, data: '192.0.2.1' }] : [],
    });
    s.send(resp, rinfo.port, rinfo.address);
  });
  s.bind(0, '127.0.0.1', () => {
    s.setRecvBufferSize(4 << 20);
    parentPort!.postMessage({ port: s.address().port });
  });
  parentPort!.on('message', () => s.close());
}

if (!isMainThread) {
  if ((workerData as { role: string }).role === 'upstream') runUpstream();
  else parentPort!.on('message', (req: LoadRequest) => void runLoad(req).then((r) => parentPort!.postMessage(r)));
}

// ---- main -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '64' },
      json: { type: 'boolean', default: false },
    },
  });
  const durationMs = Number(values.duration) * 1000;
  const concurrency = Number(values.concurrency);
  const say = (s: string) => values.json || process.stderr.write(`${s}\n`);

  // Imported here so that the worker threads do not load the API server.
  const { startTestServer } = await import('../test/support/api-server.js');
  const { Client } = await import('../src/client/client.js');
  const { silentLogger } = await import('../src/machinery/log.js');
  const { DnsServer } = await import('../src/dns/server.js');

  const upstreamWorker = new Worker(new URL(import.meta.url), { workerData: { role: 'upstream' } });
  const upstreamPort = await new Promise<number>((r) => upstreamWorker.once('message', (m: { port: number }) => r(m.port)));
  const loadWorker = new Worker(new URL(import.meta.url), { workerData: { role: 'load' } });

  const s = await startTestServer('sqlite');
  const config = { server: s.api.url, ca: s.api.caPem, token: s.api.adminToken };
  const client = new Client(config);
  await client.namespaces.create(undefined, { metadata: { name: 'bench' } });
  // Some bulk, so that the maps are not trivially small.
  for (let i = 0; i < 200; i++) await client.services.create('bench', { metadata: { name: `svc-${i}` }, spec: { ports: [{ name: 'http', port: 80 }] } });
  await client.services.create('bench', { metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 80 }] } });
  await client.services.create('bench', { metadata: { name: 'db' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } });
  await client.endpointSlices.create('bench', {
    metadata: { name: 'db-1', labels: { 'kubernetes.io/service-name': 'db' } },
    addressType: 'IPv4',
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    endpoints: Array.from({ length: 20 }, (_, i) => ({ addresses: [`10.244.0.${i + 10}`], hostname: `db-${i}`, conditions: { ready: true } })),
  });

  // The same server twice: as configured by default, and without its response cache, to
  // show what answering from the maps costs when every question is new.
  const ac = new AbortController();
  const servers = [0, 10_000].map((responseCacheSize) => new DnsServer({ client: config, log: silentLogger(), listen: [{ host: '127.0.0.1', port: 0 }], upstreams: [`127.0.0.1:${upstreamPort}`], responseCacheSize }));
  const runs = servers.map((d) => d.run(ac.signal));
  await Promise.all(servers.map((d) => d.ready));
  const [uncached, cached] = servers.map((d) => d.addresses[0].port);

  const scenarios: { name: string; q: string; type: packet.RecordType; port: number }[] = [
    { name: 'service A', q: 'web.bench.svc.cluster.local', type: 'A', port: cached },
    { name: 'service A, no cache', q: 'web.bench.svc.cluster.local', type: 'A', port: uncached },
    { name: 'NXDOMAIN', q: 'nope.bench.svc.cluster.local', type: 'A', port: cached },
    { name: 'NXDOMAIN, no cache', q: 'nope.bench.svc.cluster.local', type: 'A', port: uncached },
    { name: 'headless SRV (20 pods)', q: '_pg._tcp.db.bench.svc.cluster.local', type: 'SRV', port: cached },
    { name: 'headless SRV, no cache', q: '_pg._tcp.db.bench.svc.cluster.local', type: 'SRV', port: uncached },
    { name: 'forwarded A', q: 'www.example.test', type: 'A', port: cached },
  ];
  const results: (LoadResult & { scenario: string; qps: number; serverElu: number; serverUsPerQuery: number })[] = [];
  for (const sc of scenarios) {
    say(`${sc.name}: ${sc.q} ${sc.type}, ${concurrency} in flight, ${durationMs / 1000}s...`);
    const elu0 = performance.eventLoopUtilization();
    const r = await new Promise<LoadResult>((resolve) => {
      loadWorker.once('message', resolve);
      loadWorker.postMessage({ name: sc.q, type: sc.type, port: sc.port, durationMs, warmupMs: 1000, concurrency } satisfies LoadRequest);
    });
    const elu = performance.eventLoopUtilization(elu0);
    // Busy time of the server's thread per answer (syscalls included): what one query costs
    // the server however fast the load generator manages to be. Measured over the warm-up,
    // the run and the drain, so divided by every answer in that span.
    const serverUsPerQuery = (elu.active * 1000) / r.totalAnswered;
    results.push({ scenario: sc.name, qps: Math.round((r.answered / r.elapsedMs) * 1000), serverElu: elu.utilization, serverUsPerQuery, ...r });
  }

  ac.abort();
  await Promise.all(runs);
  client.close();
  await s.cleanup();
  upstreamWorker.postMessage('stop');
  await upstreamWorker.terminate();
  await loadWorker.terminate();

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ target: TARGET, concurrency, durationMs, results }, null, 2)}\n`);
    return;
  }
  const rows = results.map((r) => [
    r.scenario,
    String(r.qps),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    r.maxMs.toFixed(1),
    String(r.lost),
    String(r.badRcode),
    r.serverElu.toFixed(2),
    r.serverUsPerQuery.toFixed(1),
  ]);
  const head = ['scenario', 'qps', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'errors', 'server ELU', 'server µs/query'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`DNS over UDP on 127.0.0.1, ${concurrency} queries in flight, ${durationMs / 1000}s per scenario (target: ${TARGET.qps} qps, p99 < ${TARGET.p99Ms} ms)\n`);
  process.stdout.write(`${line(head)}\n${rows.map(line).join('\n')}\n`);
}

if (isMainThread) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
