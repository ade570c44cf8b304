import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDatabase } from './schema.js';
import { SqliteStore } from './sqlite-store.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('sqlite store durability', () => {
  let dir: string;
  before(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orch-sqlite-durable-'));
  });
  after(async () => {
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  it('opens the file in WAL mode with a full fsync per commit and incremental vacuum', () => {
    const db = openDatabase(path.join(dir, 'pragmas.db'));
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous=FULL');
      assert.equal(db.pragma('auto_vacuum', { simple: true }), 2, 'auto_vacuum=INCREMENTAL');
    } finally {
      db.close();
    }
  });

  it('keeps data, revision and compaction point across close and reopen', async () => {
    const file = path.join(dir, 'reopen.db');
    let store = await SqliteStore.open(file);
    const a = await store.create('/registry/a', enc('a'));
    await store.create('/registry/b', enc('b'));
    const gone = await store.delete('/registry/b');
    // The newest row is now a tombstone that compaction removes: the next revision must still be new.
    await store.compact(gone.modRevision);
    await store.close();

    store = await SqliteStore.open(file);
    try {
      assert.equal(await store.currentRevision(), gone.modRevision);
      assert.equal(await store.compactedRevision(), gone.modRevision);
      assert.deepEqual((await store.list('/registry/')).items.map((i) => [i.key, i.modRevision]), [['/registry/a', a.modRevision]]);
      const next = await store.create('/registry/c', enc('c'));
      assert.equal(next.modRevision, gone.modRevision + 1);
    } finally {
      await store.close();
    }
  });

  it('commits writes still queued when close is called', async () => {
    const file = path.join(dir, 'close-flush.db');
    let store = await SqliteStore.open(file);
    const writes = Array.from({ length: 10 }, (_, i) => store.create(`/registry/k${i}`, enc(String(i))));
    await store.close();
    const done = await Promise.all(writes);
    store = await SqliteStore.open(file);
    try {
      assert.equal(await store.count('/registry/'), 10);
      assert.equal(await store.currentRevision(), Math.max(...done.map((d) => d.modRevision)));
    } finally {
      await store.close();
    }
  });

  it('keeps every acknowledged write when the writing process is SIGKILLed', async () => {
    const file = path.join(dir, 'crash.db');
    const acks = path.join(dir, 'crash.acks');
    fs.writeFileSync(acks, '');
    const self = fileURLToPath(import.meta.url);
    const child = path.join(path.dirname(self), `crash-writer${path.extname(self)}`);
    // Under tsx the child needs the same loader; compiled tests run plain JavaScript.
    const args = self.endsWith('.ts') ? ['--import', 'tsx', child, file, acks] : [child, file, acks];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

    const deadline = Date.now() + 30_000;
    while (fs.readFileSync(acks, 'utf8').split('\n').length < 3000) {
      assert.ok(proc.exitCode === null, `writer exited early: ${stderr}`);
      assert.ok(Date.now() < deadline, `writer acknowledged too few writes in 30s: ${stderr}`);
      await sleep(20);
    }
    process.kill(proc.pid!, 'SIGKILL');
    await exited;

    // Only lines the writer finished count as acknowledged; the kill may cut the last one.
    const lines = fs.readFileSync(acks, 'utf8').split('\n');
    const acked = lines.slice(0, -1).map((l) => l.split(' '));
    const store = await SqliteStore.open(file);
    try {
      const missing: string[] = [];
      for (const [key, rev] of acked) {
        const kv = await store.get(key);
        if (kv?.modRevision !== Number(rev)) missing.push(`${key}@${rev}`);
      }
      assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${acked.length} acknowledged writes lost`);
      assert.ok((await store.currentRevision()) >= Math.max(...acked.map(([, r]) => Number(r))));
    } finally {
      await store.close();
    }
  });
});
