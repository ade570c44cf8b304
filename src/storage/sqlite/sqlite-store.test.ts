import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runStorageContract } from '../contract.js';
import { SqliteStore } from './sqlite-store.js';

runStorageContract('sqlite', async () => {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orch-sqlite-'));
  const store = await SqliteStore.open(path.join(dir, 'state.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await fs.promises.rm(dir, { recursive: true, force: true });
    },
  };
});
