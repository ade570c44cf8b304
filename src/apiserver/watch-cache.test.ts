import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../storage/index.js';
import { silentLogger } from '../machinery/log.js';
import { WatchCacheSet } from './watch-cache.js';

const value = (name: string) => new TextEncoder().encode(JSON.stringify({ metadata: { name } }));

test('the cache loads a store larger than one page as one snapshot', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'orch-watch-cache-'));
  const store = await openStore({ dataDir: dir, log: silentLogger() });
  try {
    for (let i = 0; i < 23; i++) await store.create(`/registry/configmaps/default/cm-${String(i).padStart(2, '0')}`, value(`cm-${i}`));
    for (let i = 0; i < 4; i++) await store.create(`/registry/secrets/default/s-${i}`, value(`s-${i}`));
    // Count the list calls: 27 keys in pages of 5 take 6.
    const pages: (number | undefined)[] = [];
    const list = store.list.bind(store);
    store.list = (prefix, opts) => {
      pages.push(opts?.revision);
      return list(prefix, opts);
    };
    const set = new WatchCacheSet(store, '/registry/', { loadPageSize: 5, replayRevisions: 0 });
    const configmaps = set.add('/registry/configmaps/');
    const secrets = set.add('/registry/secrets/');
    await set.start();
    try {
      assert.equal(configmaps.keys().length, 23);
      assert.equal(secrets.keys().length, 4);
      assert.equal(configmaps.get('/registry/configmaps/default/cm-22')?.obj.metadata.name, 'cm-22');
      assert.equal(set.currentRevision, await store.currentRevision());
      assert.equal(pages.length, 6);
      assert.equal(new Set(pages.slice(1)).size, 1, 'every page after the first reads at one revision');
    } finally {
      set.stop();
    }
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
