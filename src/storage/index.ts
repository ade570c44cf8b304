/**
 * Picks and opens the backend from the server's config: the embedded SQLite file unless a
 * datastore endpoint names an etcd cluster. Both run the automatic compactor until closed.
 */
import path from 'node:path';
import type { Logger } from '../machinery/log.js';
import type { CompactorOptions } from './compactor.js';
import type { EtcdStore } from './etcd/etcd-store.js';
import type { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export type { Store } from './store.js';
export { StorageError, isStorageError } from './errors.js';

export interface StoreConfig {
  /** The server's data dir; SQLite lives at <dataDir>/db/state.db. */
  dataDir: string;
  /** Comma-separated etcd client URLs (http://, https:// or etcd://); absent means SQLite. */
  datastoreEndpoint?: string;
  log?: Logger;
  /** Automatic compaction (default: every minute, keep 5000 revisions); false turns it off. */
  compaction?: Omit<CompactorOptions, 'onError'> | false;
}

/** Turns "etcd://a:2379,http://b:2379" into client URLs; throws on anything that is not etcd. */
export function parseEtcdEndpoints(endpoint: string): string[] {
  return endpoint
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0)
    .map((e) => {
      const url = new URL(e);
      if (url.protocol === 'etcd:') return `http://${url.host}`;
      if (url.protocol === 'http:' || url.protocol === 'https:') return `${url.protocol}//${url.host}`;
      throw new Error(`datastore endpoint ${e}: expected http://, https:// or etcd:// URLs of etcd members`);
    });
}

export async function openStore(config: StoreConfig): Promise<Store> {
  const endpoints = config.datastoreEndpoint ? parseEtcdEndpoints(config.datastoreEndpoint) : [];
  let store: SqliteStore | EtcdStore;
  if (endpoints.length > 0) {
    // Each backend is loaded only when used: the etcd client (gRPC) alone costs ~15 MB.
    const { EtcdStore } = await import('./etcd/etcd-store.js');
    store = new EtcdStore({ endpoints });
    // Fail at start-up, not at the first request, when the cluster is not there.
    await store.currentRevision().catch(async (err: unknown) => {
      await store.close();
      throw err;
    });
    config.log?.info({ endpoints }, 'storage: using etcd');
  } else {
    const file = path.join(config.dataDir, 'db', 'state.db');
    const { SqliteStore } = await import('./sqlite/sqlite-store.js');
    store = await SqliteStore.open(file);
    config.log?.info({ file }, 'storage: using sqlite');
  }
  if (config.compaction !== false) {
    // The store stops its own compactor on close, so this signal never needs to fire.
    void store.startCompactor(new AbortController().signal, {
      ...config.compaction,
      onError: (err) => config.log?.warn({ err }, 'storage: compaction failed'),
    });
  }
  return store;
}
