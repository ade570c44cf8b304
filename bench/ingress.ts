/**
 * Ingress proxy throughput and latency, against the same client hitting the backend
 * directly in the same run:
 *
 *   1. throughput: closed loop, `--concurrency` keep-alive connections: direct to the
 *      backend, through minimal pass-through proxies with node:http's client and with
 *      undici's (the floors a Node proxy stands on, for reference; the ingress uses
 *      undici), and through the ingress; target >= 0.5x direct;
 *   2. latency at moderate load: open loop at a fixed `--rate`; target: the ingress p99
 *      <= 10 ms. Latency runs from when a request is sent; the p99 from when it was due
 *      (wrk2's way: a stall is not hidden by the client waiting it out) is printed too,
 *      but on a shared two-core machine it also counts the load generator's own thread
 *      being descheduled, which is no part of the proxy.
 *
 *   node dist/bench/ingress.js [--rounds 5] [--seconds 2] [--concurrency 16] [--rate 1000]
 *                              [--json] [--profile-ingress]
 *
 * The targets are measured in `--rounds` alternating rounds and reported as medians (the
 * ratio as the median of per-round ratios), so that load from other processes on the
 * machine lands on both sides instead of skewing one.
 *
 * Threads: the API server and the IngressController on the main thread (as `orch server`
 * runs them); the backend, a small keep-alive HTTP server on 127.0.0.1, in one worker;
 * the load generator in another, so neither competes with the proxy's event loop. On two
 * cores the proxied run has three busy threads to the direct run's two, and twice the
 * socket reads and writes per request: the ratio includes that.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';

const TARGET = { ratio: 0.5, p99Ms: 10 };

interface LoadSpec {
  port: number;
  host: string;
  path: string;
  seconds: number;
  concurrency: number;
  /** Requests per second (open loop); undefined: closed loop as fast as replies come. */
  rate?: number;
}

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Open loop only: the p99 counted from when requests were due rather than sent. */
  p99FromDue?: number;
}

// ---- worker: the backend ---------------------------------------------------------------

function backendMain(): void {
  const body = Buffer.from(JSON.stringify({ backend: 'bench', ok: true }));
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => parentPort!.postMessage({ port: (server.address() as AddressInfo).port }));
  parentPort!.on('message', (m) => {
    if (m === 'close') {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
}

// ---- worker: the load generator --------------------------------------------------------

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency, maxFreeSockets: spec.concurrency });
  const latencies: number[] = [];
  const fromDue: number[] = [];
  let errors = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: spec.port, path: spec.path, headers: { Host: spec.host }, agent }, (res) => {
        if (res.statusCode !== 200) errors++;
        res.resume();
        res.on('end', resolve);
        res.on('error', () => {
          errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });

  const start = performance.now();
  const end = start + spec.seconds * 1000;
  if (spec.rate === undefined) {
    const loop = async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await one();
        latencies.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, loop));
  } else {
    const interval = 1000 / spec.rate;
    const inFlight = new Set<Promise<void>>();
    let next = start;
    while (next < end) {
      const now = performance.now();
      while (next <= now && next < end) {
        const due = next;
        const sent = performance.now();
        const p = one().then(() => {
          const t = performance.now();
          latencies.push(t - sent);
          fromDue.push(t - due);
          inFlight.delete(p);
        });
        inFlight.add(p);
        next += interval;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(inFlight);
  }
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    ...(fromDue.length ? { p99FromDue: percentile(Float64Array.from(fromDue).sort(), 99) } : {}),
  };
}

function loadMain(): void {
  parentPort!.on('message', async (spec: LoadSpec | 'close') => {
    if (spec === 'close') process.exit(0);
    parentPort!.postMessage(await runLoad(spec));
  });
}

// ---- main thread -----------------------------------------------------------------------

function startWorker(role: 'backend' | 'load'): Worker {
  return new Worker(new URL(import.meta.url), { workerData: { role } });
}

const once = <T>(w: Worker): Promise<T> =>
  new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    w.once('error', onError);
    w.once('message', (m: T) => {
      w.off('error', onError);
      resolve(m);
    });
  });

/** A pass-through proxy with no routing at all: what node:http costs by itself. */
async function startFloorProxy(backendPort: number): Promise<http.Server> {
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const up = http.request({ host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers, agent }, (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      ures.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('close', () => agent.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** The same with undici's client: what the ingress's upstream side costs by itself. */
async function startUndiciFloorProxy(backendPort: number): Promise<http.Server> {
  const pool = new Pool(`http://127.0.0.1:${backendPort}`);
  const server = http.createServer((req, res) => {
    pool.dispatch(
      { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers as Record<string, string>, body: req.headers['content-length'] ? req : null },
      {
        // Its presence marks the handler as undici's current API (not the deprecated one).
        onRequestStart: () => undefined,
        onResponseStart: (_c, status, headers) => void res.writeHead(status, headers),
        onResponseData: (_c, chunk) => void res.write(chunk),
        onResponseEnd: () => void res.end(),
        onResponseError: () => void res.destroy(),
      },
    );
  });
  server.on('close', () => void pool.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The median of each field over rounds. */
function medianResult(rs: LoadResult[]): LoadResult {
  const out = {} as LoadResult;
  for (const k of Object.keys(rs[0]) as (keyof LoadResult)[]) out[k] = median(rs.map((r) => r[k] ?? NaN));
  out.errors = rs.reduce((a, r) => a + r.errors, 0);
  out.requests = rs.reduce((a, r) => a + r.requests, 0);
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '16' },
      rate: { type: 'string', default: '1000' },
      json: { type: 'boolean', default: false },
      'profile-ingress': { type: 'boolean', default: false },
    },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const rate = Number(values.rate);

  // Imported here: the workers need none of it.
  const { startTestServer } = await import('../test/support/api-server.js');
  const { Client } = await import('../src/client/client.js');
  const { silentLogger } = await import('../src/machinery/log.js');
  const { IngressController } = await import('../src/ingress/index.js');

  const backend = startWorker('backend');
  const backendPort = (await once<{ port: number }>(backend)).port;
  const load = startWorker('load');
  const floor = await startFloorProxy(backendPort);
  const floorPort = (floor.address() as AddressInfo).port;
  const ufloor = await startUndiciFloorProxy(backendPort);
  const ufloorPort = (ufloor.address() as AddressInfo).port;
  const s = await startTestServer('sqlite');
  const config = { server: s.api.url, ca: s.api.caPem, token: s.api.adminToken };
  const client = new Client(config);
  const ac = new AbortController();
  const ctl = new IngressController({ client: config, log: silentLogger(), httpListen: { host: '127.0.0.1', port: 0 }, httpsListen: { host: '127.0.0.1', port: 0 }, statusAddress: '127.0.0.1' });
  const run = ctl.run(ac.signal);
  try {
    await client.namespaces.create(undefined, { metadata: { name: 'bench' } });
    await client.services.create('bench', { metadata: { name: 'echo' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    await client.endpointSlices.create('bench', {
      metadata: { name: 'echo-1', labels: { 'kubernetes.io/service-name': 'echo' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: backendPort, protocol: 'TCP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    } as any);
    await client.resource('ingresses', 'networking.k8s.io').create('bench', {
      metadata: { name: 'echo' },
      spec: { ingressClassName: 'orch', rules: [{ host: 'echo.bench', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 80 } } } }] } }] },
    });
    await ctl.ready;
    const ingressPort = ctl.httpAddress.port;
    // Wait for the route (the Ingress may land after the first table).
    for (let i = 0; ; i++) {
      const r = await new Promise<number>((resolve) => {
        http
          .get({ host: '127.0.0.1', port: ingressPort, path: '/', headers: { Host: 'echo.bench' }, agent: false }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', () => resolve(0));
      });
      if (r === 200) break;
      if (i > 200) throw new Error(`ingress never routed echo.bench (last status ${r})`);
      await new Promise((r) => setTimeout(r, 25));
    }

    const measure = async (port: number, spec: Partial<LoadSpec> = {}): Promise<LoadResult> => {
      load.postMessage({ port, host: 'echo.bench', path: '/', seconds, concurrency, ...spec });
      return once<LoadResult>(load);
    };
    // Warm-up: connections opened, JIT warm, on every path.
    for (const port of [backendPort, floorPort, ufloorPort, ingressPort]) await measure(port, { seconds: 1 });
    if (values['profile-ingress']) {
      const r = await measure(ingressPort, { seconds: seconds * rounds });
      console.log(`through the ingress: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(2)} ms`);
      return;
    }

    const runs = { direct: [] as LoadResult[], floor: [] as LoadResult[], undiciFloor: [] as LoadResult[], ingress: [] as LoadResult[], directRate: [] as LoadResult[], floorRate: [] as LoadResult[], ingressRate: [] as LoadResult[] };
    const ratios: number[] = [];
    const floorRatios: number[] = [];
    const undiciRatios: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const d = await measure(backendPort);
      const f = await measure(floorPort);
      const u = await measure(ufloorPort);
      const g = await measure(ingressPort);
      runs.direct.push(d);
      runs.floor.push(f);
      runs.undiciFloor.push(u);
      runs.ingress.push(g);
      ratios.push(g.rps / d.rps);
      floorRatios.push(f.rps / d.rps);
      undiciRatios.push(u.rps / d.rps);
      runs.directRate.push(await measure(backendPort, { rate }));
      runs.floorRate.push(await measure(floorPort, { rate }));
      runs.ingressRate.push(await measure(ingressPort, { rate }));
    }
    const direct = medianResult(runs.direct);
    const floorR = medianResult(runs.floor);
    const undiciFloor = medianResult(runs.undiciFloor);
    const ingress = medianResult(runs.ingress);
    const directRate = medianResult(runs.directRate);
    const floorRate = medianResult(runs.floorRate);
    const ingressRate = medianResult(runs.ingressRate);
    const ratio = median(ratios);
    const floorRatio = median(floorRatios);
    const errorsSeen = [direct, floorR, undiciFloor, ingress, directRate, floorRate, ingressRate].reduce((a, r) => a + r.errors, 0);
    if (values.json) {
      console.log(JSON.stringify({ rounds, seconds, concurrency, rate, direct, floor: floorR, undiciFloor, ingress, directRate, floorRate, ingressRate, ratio, floorRatio, undiciFloorRatio: median(undiciRatios), ratios, errors: errorsSeen }, null, 2));
      return;
    }
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    const row = (name: string, r: LoadResult) =>
      `  ${name.padEnd(30)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${ms(r.p50).padStart(9)}   p90 ${ms(r.p90).padStart(9)}   p99 ${ms(r.p99).padStart(9)}   max ${ms(r.max).padStart(9)}`;
    console.log(`ingress benchmark: ${rounds} rounds of ${seconds} s per run, ${concurrency} keep-alive connections; load generator and backend in worker threads; medians over rounds`);
    console.log('throughput (closed loop):');
    console.log(row('direct to backend', direct));
    console.log(row('minimal node:http proxy (floor)', floorR));
    console.log(row('minimal undici proxy (floor)', undiciFloor));
    console.log(row('through the ingress', ingress));
    console.log(`latency at moderate load (open loop, ${rate} req/s):`);
    console.log(row('direct to backend', directRate));
    console.log(row('minimal node:http proxy (floor)', floorRate));
    console.log(row('through the ingress', ingressRate));
    console.log(`per-round ingress/direct ratios: ${ratios.map((r) => r.toFixed(2)).join(' ')}   (floor/direct median: node:http ${floorRatio.toFixed(2)}, undici ${median(undiciRatios).toFixed(2)})`);
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
    console.log(`target: throughput >= ${TARGET.ratio}x direct: ${ratio.toFixed(2)}x  ${verdict(ratio >= TARGET.ratio)}`);
    console.log(`  p99 counted from when due: direct ${ms(directRate.p99FromDue ?? NaN)}, floor ${ms(floorRate.p99FromDue ?? NaN)}, through the ingress ${ms(ingressRate.p99FromDue ?? NaN)}`);
    console.log(`target: p99 <= ${TARGET.p99Ms} ms at ${rate} req/s through the ingress: ${ms(ingressRate.p99)} (direct ${ms(directRate.p99)})  ${verdict(ingressRate.p99 <= TARGET.p99Ms)}`);
    console.log(`errors: ${errorsSeen}  ${verdict(errorsSeen === 0)}`);
  } finally {
    ac.abort();
    await run.catch(() => undefined);
    for (const f of [floor, ufloor]) {
      f.closeAllConnections();
      f.close();
    }
    client.close();
    await s.cleanup();
    backend.postMessage('close');
    load.postMessage('close');
    await Promise.all([new Promise((r) => backend.once('exit', r)), new Promise((r) => load.once('exit', r))]);
  }
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
} else if ((workerData as { role: string }).role === 'backend') backendMain();
else loadMain();
