/**
 * The client side of the API benchmarks: HTTPS requests with keep-alive connections and a
 * bearer token, driven at a fixed concurrency or a fixed rate, and watch streams. Every
 * operation takes and returns plain data, so it runs the same inline (in the server's
 * thread) or in a worker thread (`api-worker.ts`), where it does not steal the server's
 * event loop.
 */
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { configMapJson, podJson } from './api-fixtures.js';

export interface Target {
  url: string;
  ca: string;
  token: string;
}

interface Reply {
  status: number;
  text: string;
  bytes: number;
  /** Until the response headers arrived. */
  ttfbMs: number;
  /** Until the last byte of the body arrived. */
  totalMs: number;
}

export class BenchClient {
  private readonly agent: https.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    private readonly target: Target,
    maxSockets: number,
    keepAlive = true,
  ) {
    const u = new URL(target.url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new https.Agent({ ca: target.ca, keepAlive, maxSockets, maxFreeSockets: maxSockets });
  }

  /** One request; `keepText: false` counts the body's bytes without decoding it. */
  request(method: string, path: string, body?: string, opts: { accept?: string; keepText?: boolean } = {}): Promise<Reply> {
    const headers: Record<string, string | number> = { Accept: opts.accept ?? 'application/json', Authorization: `Bearer ${this.target.token}` };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const keepText = opts.keepText ?? true;
    return new Promise((resolve, reject) => {
      const start = performance.now();
      const req = https.request({ host: this.host, port: this.port, path, method, headers, agent: this.agent }, (res) => {
        const ttfbMs = performance.now() - start;
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (keepText) chunks.push(c);
        });
        res.on('end', () => {
          const totalMs = performance.now() - start;
          resolve({ status: res.statusCode ?? 0, text: keepText ? Buffer.concat(chunks).toString('utf8') : '', bytes, ttfbMs, totalMs });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LoadResult {
  /** Milliseconds per request, in completion order. */
  latencies: Float64Array;
  elapsedMs: number;
  errors: number;
  firstError?: string;
}

const plural = (kind: 'configmap' | 'pod') => (kind === 'pod' ? 'pods' : 'configmaps');

export interface CreateLoadArgs {
  target: Target;
  namespace: string;
  kind: 'configmap' | 'pod';
  concurrency: number;
  count: number;
  /** Object names are `<prefix><i>`. */
  prefix: string;
  bytes?: number;
}

/** `count` creates from `concurrency` clients, each waiting for its previous reply (closed loop). */
export async function createLoad(a: CreateLoadArgs): Promise<LoadResult> {
  const client = new BenchClient(a.target, a.concurrency);
  const path = `/api/v1/namespaces/${a.namespace}/${plural(a.kind)}`;
  const bodies = Array.from({ length: a.count }, (_, i) =>
    a.kind === 'pod' ? podJson(a.namespace, `${a.prefix}${i}`, i) : configMapJson(a.namespace, `${a.prefix}${i}`, a.bytes),
  );
  const latencies = new Float64Array(a.count);
  let done = 0;
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  try {
    await Promise.all(
      Array.from({ length: a.concurrency }, async () => {
        while (next < a.count) {
          const i = next++;
          const r = await client.request('POST', path, bodies[i], { keepText: false });
          latencies[done++] = r.totalMs;
          if (r.status !== 201) {
            errors++;
            firstError ??= `HTTP ${r.status}`;
          }
        }
      }),
    );
    return { latencies, elapsedMs: performance.now() - start, errors, firstError };
  } finally {
    client.close();
  }
}

export interface FixedRateArgs {
  target: Target;
  namespace: string;
  /** Updates go round-robin over this many ConfigMaps, created first. */
  objects: number;
  rate: number;
  durationMs: number;
}

export interface FixedRateResult extends LoadResult {
  /** How late each request left against its schedule (client-side timer lag). */
  lateness: Float64Array;
  /** Latency measured from the scheduled send time (includes client lag; no coordinated omission). */
  fromSchedule: Float64Array;
}

/**
 * Open-loop PUTs at a fixed rate: request i leaves at start + i/rate whether or not earlier
 * ones have finished, each carrying the resourceVersion its object's last update returned.
 */
export async function fixedRateUpdates(a: FixedRateArgs): Promise<FixedRateResult> {
  const client = new BenchClient(a.target, 256);
  const base = `/api/v1/namespaces/${a.namespace}/configmaps`;
  const names = Array.from({ length: a.objects }, (_, i) => `rate-${i}`);
  const rv: string[] = [];
  try {
    for (let i = 0; i < names.length; i++) {
      const r = await client.request('POST', base, configMapJson(a.namespace, names[i]));
      if (r.status !== 201) throw new Error(`creating ${names[i]}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
      rv[i] = JSON.parse(r.text).metadata.resourceVersion;
    }
    const total = Math.round((a.rate * a.durationMs) / 1000);
    const latencies = new Float64Array(total);
    const lateness = new Float64Array(total);
    const fromSchedule = new Float64Array(total);
    let errors = 0;
    let firstError: string | undefined;
    const inflight: Promise<void>[] = [];
    const start = performance.now() + 50;
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / a.rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(Math.ceil(wait));
      const o = i % a.objects;
      const body = JSON.parse(configMapJson(a.namespace, names[o], 1024, `v${i}`));
      body.metadata.resourceVersion = rv[o];
      const sent = performance.now();
      lateness[i] = sent - due;
      inflight.push(
        client.request('PUT', `${base}/${names[o]}`, JSON.stringify(body)).then((r) => {
          const now = performance.now();
          latencies[i] = now - sent;
          fromSchedule[i] = now - due;
          if (r.status === 200) rv[o] = JSON.parse(r.text).metadata.resourceVersion;
          else {
            errors++;
            firstError ??= `HTTP ${r.status} ${r.text.slice(0, 200)}`;
          }
        }),
      );
    }
    await Promise.all(inflight);
    return { latencies, lateness, fromSchedule, elapsedMs: performance.now() - start, errors, firstError };
  } finally {
    client.close();
  }
}

export interface ListArgs {
  target: Target;
  path: string;
  runs: number;
  accept?: string;
}

export interface ListResult {
  /** Request sent to last body byte, per run. */
  latencies: Float64Array;
  /** Request sent to response headers, per run: the server's work before it starts writing. */
  ttfb: Float64Array;
  bytes: number;
  items: number;
  errors: number;
  firstError?: string;
}

/** Sequential GETs of one list; the first reply is parsed to count its items. */
export async function listLatency(a: ListArgs): Promise<ListResult> {
  const client = new BenchClient(a.target, 1);
  const latencies = new Float64Array(a.runs);
  const ttfb = new Float64Array(a.runs);
  let bytes = 0;
  let items = -1;
  let errors = 0;
  let firstError: string | undefined;
  try {
    for (let i = 0; i < a.runs; i++) {
      const r = await client.request('GET', a.path, undefined, { accept: a.accept, keepText: i === 0 });
      latencies[i] = r.totalMs;
      ttfb[i] = r.ttfbMs;
      bytes = r.bytes;
      if (r.status !== 200) {
        errors++;
        firstError ??= `HTTP ${r.status} ${r.text.slice(0, 200)}`;
      } else if (i === 0) {
        const body = JSON.parse(r.text);
        items = (body.items ?? body.rows ?? []).length;
      }
    }
    return { latencies, ttfb, bytes, items, errors, firstError };
  } finally {
    client.close();
  }
}

export interface WatchFanoutArgs {
  target: Target;
  namespace: string;
  watchers: number;
  writes: number;
  /** Writes per second; each write is one create. */
  rate: number;
  bytes?: number;
}

export interface WatchFanoutResult {
  /** Write sent to event received, for every (write, watcher) pair that arrived. */
  latencies: Float64Array;
  /** Write sent to its 201 reply. */
  writeLatencies: Float64Array;
  expected: number;
  received: number;
  /** Time to open every watch (all response headers in). */
  connectMs: number;
  errors: number;
  firstError?: string;
}

/**
 * Opens `watchers` watch streams on one namespace's ConfigMaps, each on its own
 * connection, then creates `writes` ConfigMaps at `rate`, timing each event from the
 * moment its create was sent to the moment each watcher has its full line.
 */
export async function watchFanout(a: WatchFanoutArgs): Promise<WatchFanoutResult> {
  const u = new URL(a.target.url);
  const watchAgent = new https.Agent({ ca: a.target.ca, keepAlive: false, maxSockets: Infinity });
  const writer = new BenchClient(a.target, 64);
  const prefix = 'ev-';
  const nameRe = new RegExp(`"name":"${prefix}(\\d+)"`);
  const sendTs = new Float64Array(a.writes).fill(NaN);
  const pairs = new Float64Array(a.writes * a.watchers).fill(NaN);
  let received = 0;
  let allIn: () => void = () => undefined;
  const allReceived = new Promise<void>((r) => (allIn = r));
  const reqs: ReturnType<typeof https.request>[] = [];
  const path = `/api/v1/namespaces/${a.namespace}/configmaps?watch=true`;

  const openWatch = (w: number) =>
    new Promise<void>((resolve, reject) => {
      const req = https.request(
        { host: u.hostname, port: Number(u.port), path, method: 'GET', agent: watchAgent, headers: { Accept: 'application/json', Authorization: `Bearer ${a.target.token}` } },
        (res) => {
          if (res.statusCode !== 200) return reject(new Error(`watch ${w}: HTTP ${res.statusCode}`));
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const now = performance.now();
            buf += chunk;
            let nl;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const m = nameRe.exec(buf.slice(0, nl));
              buf = buf.slice(nl + 1);
              if (!m) continue;
              const i = Number(m[1]);
              const slot = i * a.watchers + w;
              if (i < a.writes && Number.isNaN(pairs[slot])) {
                pairs[slot] = now - sendTs[i];
                if (++received === a.writes * a.watchers) allIn();
              }
            }
          });
          res.on('error', () => undefined);
          // Headers arrive after the server registered the watch: from here no event is missed.
          resolve();
        },
      );
      req.on('error', (err) => {
        if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
      });
      reqs.push(req);
      req.end();
    });

  const t0 = performance.now();
  try {
    await Promise.all(Array.from({ length: a.watchers }, (_, w) => openWatch(w)));
    const connectMs = performance.now() - t0;
    const writeLatencies = new Float64Array(a.writes);
    let errors = 0;
    let firstError: string | undefined;
    const bodies = Array.from({ length: a.writes }, (_, i) => configMapJson(a.namespace, `${prefix}${i}`, a.bytes));
    const inflight: Promise<void>[] = [];
    const start = performance.now() + 100;
    for (let i = 0; i < a.writes; i++) {
      const wait = start + (i * 1000) / a.rate - performance.now();
      if (wait > 0) await sleep(Math.ceil(wait));
      sendTs[i] = performance.now();
      inflight.push(
        writer.request('POST', `/api/v1/namespaces/${a.namespace}/configmaps`, bodies[i], { keepText: false }).then((r) => {
          writeLatencies[i] = r.totalMs;
          if (r.status !== 201) {
            errors++;
            firstError ??= `HTTP ${r.status}`;
          }
        }),
      );
    }
    await Promise.all(inflight);
    await Promise.race([allReceived, sleep(10_000)]);
    const latencies = pairs.filter((x) => !Number.isNaN(x));
    return { latencies, writeLatencies, expected: a.writes * a.watchers, received, connectMs, errors, firstError };
  } finally {
    for (const r of reqs) r.destroy();
    watchAgent.destroy();
    writer.close();
  }
}

export const ops = { createLoad, fixedRateUpdates, listLatency, watchFanout };
export type LoadOps = typeof ops;
export type OpName = keyof LoadOps;
