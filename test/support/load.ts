/**
 * Helpers for end-to-end tests that drive a real `orch server` hard: bounded waits, an
 * HTTPS client built from the server's kubeconfig, a raw watch stream that can outlive the
 * server, and a ConfigMap write load that records exactly which writes were acknowledged.
 */
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { EtcdServer } from './etcd.js';
import { TestClient } from './http.js';
import { startOrchServer, type OrchServer } from './orch-process.js';

/**
 * startOrchServer, but one that fails to start leaves nothing behind. startOrchServer
 * rejects without ending its child (whose pipes then keep the test process alive
 * forever), so the child is found among this process's own children by its unique data
 * dir and killed by PID; a data dir made here is removed. The etcd, if any, is the
 * caller's to stop.
 */
export async function startServer(opts: { backend: 'sqlite' | 'etcd'; etcd?: EtcdServer; dataDir?: string }): Promise<OrchServer> {
  if (opts.backend === 'etcd' && !opts.etcd) throw new Error('startServer: pass the etcd for the etcd backend, so that it can always be stopped');
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'orch-e2e-')));
  try {
    return await startOrchServer({ backend: opts.backend, etcd: opts.etcd, dataDir });
  } catch (err) {
    killChildrenUsing(dataDir);
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** Stops a server (SIGTERM, keeping its data) and starts it again on the same data dir. */
export async function restartServer(s: OrchServer, opts: { backend: 'sqlite' | 'etcd'; etcd?: EtcdServer }): Promise<OrchServer> {
  await s.stop();
  return startServer({ ...opts, dataDir: s.dataDir });
}

function killChildrenUsing(dataDir: string): void {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return; // no children at all
  }
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (m && m[2].includes(`--data-dir ${dataDir}`)) {
      try {
        process.kill(Number(m[1]), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Polls `probe` until it returns something truthy; fails with `what()` after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs: number, what: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves when `p` settles, or rejects after `ms` naming `what`: no test step may hang. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ClusterAccess {
  url: string;
  ca: string;
  token: string;
}

/** Server URL, CA (PEM) and bearer token from the kubeconfig `orch server` writes. */
export async function readAccess(kubeconfigPath: string): Promise<ClusterAccess> {
  const doc = parseYaml(await readFile(kubeconfigPath, 'utf8'));
  const cluster = doc.clusters[0].cluster;
  return {
    url: cluster.server,
    ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8'),
    token: doc.users[0].user.token,
  };
}

export async function clientFor(kubeconfigPath: string): Promise<TestClient> {
  const a = await readAccess(kubeconfigPath);
  return new TestClient(a.url, a.ca, a.token);
}

export interface WatchEvent {
  type: string;
  object: any;
}

/**
 * A raw watch (`?watch=true`) kept open until closed by either side. Unlike
 * TestClient.watch it survives the server going away: `ended` resolves however the stream
 * stops (end, reset, abort), which is what restart tests need.
 */
export class WatchStream {
  readonly events: WatchEvent[] = [];
  /** HTTP status of the watch request (0 until the response head arrives). */
  status = 0;
  readonly ended: Promise<void>;
  private req?: import('node:http').ClientRequest;

  constructor(access: ClusterAccess, path: string) {
    const url = new URL(path, access.url);
    url.searchParams.set('watch', 'true');
    this.ended = new Promise<void>((resolve) => {
      let buf = '';
      const req = https.request(url, { method: 'GET', ca: access.ca, agent: false, headers: { Accept: 'application/json', Authorization: `Bearer ${access.token}` } }, (res) => {
        this.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (line.trim()) this.events.push(JSON.parse(line));
          }
        });
        res.on('error', () => resolve());
        res.on('close', () => resolve());
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.end();
      this.req = req;
    });
  }

  /** Waits until at least `n` events arrived; an ERROR event (the server ending the watch) fails at once. */
  async waitForEvents(n: number, timeoutMs = 15_000): Promise<WatchEvent[]> {
    const what = () => `${n} watch events; got ${JSON.stringify(this.events.map(brief))}`;
    await waitFor(
      () => {
        if (this.events.length < n && this.events.some((e) => e.type === 'ERROR')) throw new Error(`the server ended the watch while waiting for ${what()}: ${JSON.stringify(this.events.find((e) => e.type === 'ERROR')!.object)}`);
        return this.events.length >= n;
      },
      timeoutMs,
      what,
    );
    return this.events;
  }

  close(): Promise<void> {
    this.req?.destroy();
    return this.ended;
  }
}

/** type, name and resourceVersion of a watch event: enough to compare event sequences. */
export const brief = (e: WatchEvent): string => `${e.type} ${e.object?.metadata?.name ?? e.object?.reason ?? ''} ${e.object?.metadata?.resourceVersion ?? e.object?.code ?? ''}`;

export interface Ack {
  name: string;
  op: 'create' | 'update';
  rv: number;
  /** The `v` the write carried: 0 for the create, 1, 2, ... for each update. */
  v: number;
  data: Record<string, string>;
}

/**
 * Concurrent writers creating ConfigMaps with distinct names and now and then updating one
 * of their own (a conditional PUT from the last acknowledged resourceVersion). Every write
 * is recorded before it is sent (`attempts`) and again when the server acknowledges it
 * (`acks`), so after a crash one can tell what must be there from what may be there.
 */
export class ConfigMapWriteLoad {
  readonly acks: Ack[] = [];
  /** Every data payload ever sent for a name, in order; index = `v`. */
  readonly attempts = new Map<string, Record<string, string>[]>();
  /** Replies that are neither the expected success nor a dropped connection. */
  readonly unexpected: string[] = [];
  /** Requests that failed at the transport level (the server went away under them). */
  transportErrors = 0;
  inFlight = 0;
  private stopped = false;
  private done?: Promise<void>;

  constructor(
    private readonly client: TestClient,
    private readonly namespace: string,
    private readonly opts: { writers: number; updateEvery: number; padding?: number },
  ) {}

  start(): void {
    this.done = Promise.all(Array.from({ length: this.opts.writers }, (_, i) => this.writer(i))).then(() => undefined);
  }

  /** Stops issuing writes and waits for the writers to return. */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.stopped = true;
    await within(this.done ?? Promise.resolve(), timeoutMs, 'the write load');
  }

  get updatesAcked(): number {
    return this.acks.filter((a) => a.op === 'update').length;
  }

  /** The newest acknowledged write of each name. */
  latestAcks(): Map<string, Ack> {
    const m = new Map<string, Ack>();
    for (const a of this.acks) {
      const cur = m.get(a.name);
      if (!cur || a.rv > cur.rv) m.set(a.name, a);
    }
    return m;
  }

  private async send(method: 'POST' | 'PUT', path: string, body: unknown) {
    this.inFlight++;
    try {
      return await this.client.request(method, path, body);
    } catch {
      this.transportErrors++;
      return undefined;
    } finally {
      this.inFlight--;
    }
  }

  private async writer(id: number): Promise<void> {
    const base = `/api/v1/namespaces/${this.namespace}/configmaps`;
    const mine: { name: string; rv: number; v: number }[] = [];
    const pad = 'x'.repeat(this.opts.padding ?? 256);
    for (let seq = 0; !this.stopped; seq++) {
      const name = `w${id}-${seq}`;
      const data = { writer: String(id), seq: String(seq), v: '0', pad };
      this.attempts.set(name, [data]);
      const r = await this.send('POST', base, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { load: 'true' } }, data });
      if (!r) return;
      if (r.status !== 201) {
        this.unexpected.push(`POST ${name}: ${r.status} ${r.text.slice(0, 200)}`);
        return;
      }
      const rv = Number(r.body.metadata.resourceVersion);
      this.acks.push({ name, op: 'create', rv, v: 0, data });
      mine.push({ name, rv, v: 0 });

      if (seq % this.opts.updateEvery !== this.opts.updateEvery - 1 || this.stopped) continue;
      const target = mine[(seq * 7 + id) % mine.length];
      const v = target.v + 1;
      const next = { writer: String(id), seq: target.name.split('-')[1], v: String(v), pad };
      this.attempts.get(target.name)!.push(next);
      const u = await this.send('PUT', `${base}/${target.name}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: target.name, labels: { load: 'true' }, resourceVersion: String(target.rv) },
        data: next,
      });
      if (!u) return;
      if (u.status !== 200) {
        this.unexpected.push(`PUT ${target.name}: ${u.status} ${u.text.slice(0, 200)}`);
        return;
      }
      target.rv = Number(u.body.metadata.resourceVersion);
      target.v = v;
      this.acks.push({ name: target.name, op: 'update', rv: target.rv, v, data: next });
    }
  }
}
