import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteStore } from './sqlite-store.js';

describe('sqlite compaction', () => {
  let dir: string;
  before(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orch-sqlite-compact-'));
  });
  after(async () => {
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  it('keeps the file bounded while 50 Lease-like keys are updated 20,000 times', async () => {
    // Compaction runs as the compactor would, after every 1,000 writes, but awaited, so the
    // sizes sampled do not depend on how busy the machine is.
    const store = await SqliteStore.open(path.join(dir, 'churn.db'));
    const retain = 1000;
    try {
      const value = (n: number) => new TextEncoder().encode(JSON.stringify({ renewTime: n, holder: 'x'.repeat(1000) }));
      const revs = await Promise.all(Array.from({ length: 50 }, (_, k) => store.create(`/registry/leases/node-${k}`, value(0))));
      const current = revs.map((kv) => kv.modRevision);
      const samples: number[] = [];
      const total = 20_000;
      for (let round = 0; round < total / 1000; round++) {
        await Promise.all(
          revs.map(async (kv, k) => {
            for (let n = 0; n < 20; n++) current[k] = (await store.update(kv.key, value(round * 20 + n), current[k])).modRevision;
          }),
        );
        await store.compact((await store.currentRevision()) - retain);
        const st = store.stats();
        samples.push(st.dbBytes + st.walBytes);
      }
      const end = store.stats();
      const mb = (b: number) => (b / 2 ** 20).toFixed(1);
      const peak = Math.max(...samples);
      const written = total * 1.05 * 1024;
      console.log(`churn: peak db+wal ${mb(peak)} MiB, end db ${mb(end.dbBytes)} + wal ${mb(end.walBytes)} MiB, ${end.rows} rows; ${mb(written)} MiB written`);
      assert.ok(end.rows <= retain + 50, `expected at most ${retain + 50} rows after compaction, found ${end.rows}`);
      assert.ok(peak < written * 0.6, `db+wal peaked at ${mb(peak)} MiB of ${mb(written)} MiB written`);
      const lateHalf = Math.max(...samples.slice(samples.length / 2));
      const earlyHalf = Math.max(...samples.slice(0, samples.length / 2));
      assert.ok(lateHalf <= earlyHalf * 1.25, `size still growing: early peak ${mb(earlyHalf)} MiB, late peak ${mb(lateHalf)} MiB`);
    } finally {
      await store.close();
    }
  });

  it('runs compaction on its own with startCompactor', async () => {
    const store = await SqliteStore.open(path.join(dir, 'auto.db'));
    const stop = new AbortController();
    const failures: unknown[] = [];
    const compactor = store.startCompactor(stop.signal, { intervalMs: 20, retainRevisions: 100, onError: (e) => failures.push(e) });
    try {
      let kv = await store.create('/registry/leases/a', new Uint8Array([1]));
      for (let i = 0; i < 1000; i++) kv = await store.update(kv.key, new Uint8Array([i & 0xff]), kv.modRevision);
      const deadline = Date.now() + 10_000;
      while (store.stats().rows > 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(failures, []);
      assert.ok(store.stats().rows <= 200, `compactor left ${store.stats().rows} rows`);
      assert.ok((await store.compactedRevision()) > 0);
    } finally {
      stop.abort();
      await compactor;
      await store.close();
    }
  });

  it('finishes a compaction that was interrupted by close on the next pass', async () => {
    const file = path.join(dir, 'resume.db');
    let store = await SqliteStore.open(file);
    let kv = await store.create('/registry/k', new Uint8Array([0]));
    for (let i = 0; i < 3000; i++) kv = await store.update('/registry/k', new Uint8Array([i & 0xff]), kv.modRevision);
    const target = kv.modRevision;
    const pass = store.compact(target);
    // Let the first batch of the pass run, then close in the middle of it.
    await new Promise((r) => setImmediate(r));
    await store.close();
    await pass;
    store = await SqliteStore.open(file);
    try {
      assert.equal(await store.compactedRevision(), target, 'the compaction point is recorded before rows go');
      assert.ok(store.stats().rows > 1, 'the interrupted pass left rows behind');
      await store.compact(target);
      assert.equal(store.stats().rows, 1);
      assert.equal((await store.get('/registry/k'))?.modRevision, target);
    } finally {
      await store.close();
    }
  });
});
