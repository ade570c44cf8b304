import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openStore, parseEtcdEndpoints } from './index.js';

describe('openStore', () => {
  it('opens SQLite at <dataDir>/db/state.db when no endpoint is given', async () => {
    const dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orch-open-'));
    try {
      const store = await openStore({ dataDir, compaction: false });
      await store.create('/registry/x', new Uint8Array([1]));
      await store.close();
      assert.ok(fs.existsSync(path.join(dataDir, 'db', 'state.db')));
    } finally {
      await fs.promises.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('reads etcd endpoints in the forms a datastore endpoint may take', () => {
    assert.deepEqual(parseEtcdEndpoints('http://10.0.0.1:2379, https://10.0.0.2:2379,etcd://10.0.0.3:2379'), [
      'http://10.0.0.1:2379',
      'https://10.0.0.2:2379',
      'http://10.0.0.3:2379',
    ]);
    assert.throws(() => parseEtcdEndpoints('mysql://db:3306'), /expected http:\/\/, https:\/\/ or etcd:\/\//);
  });
});
