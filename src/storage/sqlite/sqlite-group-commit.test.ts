import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isStorageError } from '../errors.js';
import type { WatchEvent } from '../store.js';
import { SqliteStore } from './sqlite-store.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('sqlite group commit', () => {
  let dir: string;
  let store: SqliteStore;
  before(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orch-sqlite-group-'));
    store = await SqliteStore.open(path.join(dir, 'state.db'));
  });
  after(async () => {
    await store.close();
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  it('commits one tick of writes as one batch, each write with its own outcome', async () => {
    const base = await store.create('/registry/g/existing', enc('0'));
    const batches: WatchEvent[][] = [];
    const watch = store.watch('/registry/g/', base.modRevision, { onEvents: (e) => batches.push(e), onError: () => {} });
    try {
      // Issued in one tick: good and bad writes interleaved, two of them racing on one key.
      const results = await Promise.allSettled([
        store.create('/registry/g/n1', enc('1')),
        store.create('/registry/g/existing', enc('dup')),
        store.update('/registry/g/existing', enc('win'), base.modRevision),
        store.update('/registry/g/existing', enc('lose'), base.modRevision),
        store.delete('/registry/g/missing'),
        store.create('/registry/g/n2', enc('2')),
        store.update('/registry/g/missing', enc('x'), 1),
      ]);
      const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : isStorageError(r.reason) ? r.reason.code : String(r.reason)));
      assert.deepEqual(codes, ['ok', 'AlreadyExists', 'ok', 'Conflict', 'NotFound', 'ok', 'NotFound']);

      const revs = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.modRevision] : []));
      assert.deepEqual(revs, [base.modRevision + 1, base.modRevision + 2, base.modRevision + 3], 'successes take consecutive revisions in call order');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(batches.length, 1, 'one commit is one watch batch');
      assert.deepEqual(batches[0].map((e) => e.kv.modRevision), revs);
      assert.equal(new TextDecoder().decode((await store.get('/registry/g/existing'))!.value), 'win');
    } finally {
      watch.close();
    }
  });

  it('replays a history longer than one page and then live writes, in order, once each', async () => {
    const from = await store.currentRevision();
    for (let i = 0; i < 25; i++) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => store.create(`/registry/h/k${i}-${j}`, enc('x'))));
    }
    const seen: number[] = [];
    const watch = store.watch('/registry/h/', from, { onEvents: (e) => seen.push(...e.map((x) => x.kv.modRevision)), onError: assert.fail });
    try {
      const live = await Promise.all(Array.from({ length: 50 }, (_, j) => store.create(`/registry/h/live${j}`, enc('y'))));
      const last = live[live.length - 1].modRevision;
      while (seen.length === 0 || seen[seen.length - 1] < last) await new Promise((r) => setTimeout(r, 10));
      const expected = Array.from({ length: last - from }, (_, i) => from + 1 + i);
      assert.deepEqual(seen, expected);
    } finally {
      watch.close();
    }
  });
});
