/**
 * Storage baselines: what the bare engines do (better-sqlite3 inserts with synchronous=FULL,
 * bare etcd puts) next to what SqliteStore and EtcdStore do with the same writes, so a
 * slow API benchmark can be traced to the layer that costs it.
 *
 *   node dist/bench/storage-raw.js            (after `npx tsc`)
 *   node --import tsx bench/storage-raw.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Etcd3 } from 'etcd3';
import { EtcdStore } from '../src/storage/etcd/etcd-store.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../src/storage/store.js';
import { startEtcd } from '../test/support/etcd.js';

export interface BenchResult {
  name: string;
  concurrency: number;
  writes: number;
  writesPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface BenchOptions {
  concurrency: number;
  writes: number;
  valueBytes?: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

function summarize(name: string, concurrency: number, latencies: number[], elapsedMs: number): BenchResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    name,
    concurrency,
    writes: latencies.length,
    writesPerSec: Math.round(latencies.length / (elapsedMs / 1000)),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

/** Runs `writes` calls of `op` from `concurrency` async writers, timing each call. */
async function drive(name: string, opts: BenchOptions, op: (i: number) => Promise<unknown>): Promise<BenchResult> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < opts.writes) {
        const i = next++;
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return summarize(name, opts.concurrency, latencies, performance.now() - start);
}

const valueOf = (bytes = 1024) => Buffer.alloc(bytes, 0x61);

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orch-bench-'));
  try {
    return await fn(dir);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

function openRawSqlite(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, created INTEGER, deleted INTEGER,
    create_revision INTEGER, prev_revision INTEGER, value BLOB);
    CREATE UNIQUE INDEX log_key_prev ON log (key, prev_revision); CREATE INDEX log_key_id ON log (key, id);`);
  return { db, insert: db.prepare('INSERT INTO log (key, created, deleted, create_revision, prev_revision, value) VALUES (?, 1, 0, 0, 0, ?)') };
}

/**
 * Bare better-sqlite3, one transaction (and fsync) per insert. Synchronous, so concurrency
 * cannot overlap anything: this is the floor of "one commit per write".
 */
export function rawSqlitePerWrite(opts: BenchOptions): Promise<BenchResult> {
  return withTempDir(async (dir) => {
    const { db, insert } = openRawSqlite(path.join(dir, 'raw.db'));
    const value = valueOf(opts.valueBytes);
    try {
      return await drive('sqlite raw, txn per write', opts, async (i) => insert.run(`/registry/bench/k${i}`, value));
    } finally {
      db.close();
    }
  });
}

/**
 * Bare better-sqlite3 with the writes grouped `concurrency` to a transaction: the ceiling a
 * group-committing store can approach. Latency of a write is its whole group's commit.
 */
export function rawSqliteGrouped(opts: BenchOptions): Promise<BenchResult> {
  return withTempDir(async (dir) => {
    const { db, insert } = openRawSqlite(path.join(dir, 'raw.db'));
    const value = valueOf(opts.valueBytes);
    const group = db.transaction((from: number, n: number) => {
      for (let i = from; i < from + n; i++) insert.run(`/registry/bench/k${i}`, value);
    });
    try {
      const latencies: number[] = [];
      const start = performance.now();
      for (let from = 0; from < opts.writes; from += opts.concurrency) {
        const n = Math.min(opts.concurrency, opts.writes - from);
        const t = performance.now();
        group(from, n);
        const ms = performance.now() - t;
        for (let j = 0; j < n; j++) latencies.push(ms);
      }
      return summarize('sqlite raw, grouped', opts.concurrency, latencies, performance.now() - start);
    } finally {
      db.close();
    }
  });
}

/** Bare etcd puts (no compare, no read-back) through the same npm client. */
export async function rawEtcdPuts(endpoint: string, opts: BenchOptions): Promise<BenchResult> {
  const client = new Etcd3({ hosts: endpoint });
  const value = valueOf(opts.valueBytes);
  const run = `${Date.now()}`;
  try {
    return await drive('etcd raw put', opts, (i) => client.put(`/registry/bench-raw/${run}/k${i}`).value(value).exec());
  } finally {
    client.close();
  }
}

/**
 * Bare etcd compare-and-put transactions, as a create needs: tells etcd's own cost of a
 * transaction apart from what EtcdStore adds on top.
 */
export async function rawEtcdTxnCreates(endpoint: string, opts: BenchOptions): Promise<BenchResult> {
  const client = new Etcd3({ hosts: endpoint });
  const value = valueOf(opts.valueBytes);
  const run = `${Date.now()}`;
  try {
    return await drive('etcd raw txn create', opts, (i) => {
      const key = `/registry/bench-txn/${run}/k${i}`;
      return client.if(key, 'Create', '==', 0).then(client.put(key).value(value)).commit();
    });
  } finally {
    client.close();
  }
}

/** Creates of distinct keys through the Store interface. */
export function storeCreates(name: string, store: Store, opts: BenchOptions): Promise<BenchResult> {
  const value = valueOf(opts.valueBytes);
  const run = `${Date.now()}`;
  return drive(name, opts, (i) => store.create(`/registry/bench/${run}/k${i}`, value));
}

export async function sqliteStoreCreates(opts: BenchOptions): Promise<BenchResult> {
  return withTempDir(async (dir) => {
    const store = await SqliteStore.open(path.join(dir, 'state.db'));
    try {
      return await storeCreates('SqliteStore create', store, opts);
    } finally {
      await store.close();
    }
  });
}

export async function etcdStoreCreates(endpoint: string, opts: BenchOptions): Promise<BenchResult> {
  const store = new EtcdStore({ endpoints: [endpoint] });
  try {
    return await storeCreates('EtcdStore create', store, opts);
  } finally {
    await store.close();
  }
}

const fmt = (r: BenchResult, baseline?: BenchResult) =>
  [
    r.name.padEnd(28),
    `c=${r.concurrency}`.padEnd(6),
    `${r.writesPerSec} writes/s`.padStart(16),
    `p50 ${r.p50Ms.toFixed(2)} ms`.padStart(14),
    `p99 ${r.p99Ms.toFixed(2)} ms`.padStart(14),
    baseline ? `  ${(r.writesPerSec / baseline.writesPerSec).toFixed(2)}x of ${baseline.name}` : '',
  ].join(' ');

/** Runs every baseline and store measurement at concurrency 1, 10 and 100 and prints them. */
export async function runStorageBaselines(log: (line: string) => void = console.log): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const writesAt = (c: number) => (c === 1 ? 2000 : 10_000);
  // The first writes to a new WAL also grow the file, which costs more per fsync than reusing it.
  await rawSqlitePerWrite({ concurrency: 1, writes: 2000 });
  for (const c of [1, 10, 100]) {
    const opts = { concurrency: c, writes: writesAt(c) };
    const perWrite = await rawSqlitePerWrite(opts);
    const grouped = await rawSqliteGrouped(opts);
    const store = await sqliteStoreCreates(opts);
    results.push(perWrite, grouped, store);
    log(fmt(perWrite));
    log(fmt(grouped));
    log(fmt(store, grouped));
  }
  const etcd = await startEtcd();
  try {
    for (const c of [1, 10, 100]) {
      const opts = { concurrency: c, writes: c === 1 ? 1000 : 5000 };
      const raw = await rawEtcdPuts(etcd.endpoint, opts);
      const txn = await rawEtcdTxnCreates(etcd.endpoint, opts);
      const store = await etcdStoreCreates(etcd.endpoint, opts);
      results.push(raw, txn, store);
      log(fmt(raw));
      log(fmt(txn, raw));
      log(fmt(store, raw));
    }
  } finally {
    await etcd.stop();
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runStorageBaselines();
}
