/** Starts the API server in-process on a temp SQLite store or a real etcd, for integration tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServer } from '../../src/apiserver/server.js';
import { openStore } from '../../src/storage/index.js';
import { silentLogger } from '../../src/machinery/log.js';
import type { Store } from '../../src/storage/store.js';
import { startEtcd } from './etcd.js';
import { TestClient } from './http.js';

export type Backend = 'sqlite' | 'etcd';

export interface TestServer {
  api: ApiServer;
  client: TestClient;
  dataDir: string;
  store: Store;
  /** Stops the API server but keeps its data, for restart tests. */
  stop(): Promise<void>;
  /** Stops everything and removes the data. */
  cleanup(): Promise<void>;
  /** Starts a new API server on the same data. */
  restart(): Promise<TestServer>;
}

export async function startTestServer(backend: Backend, reuse?: { dataDir: string; etcd?: { endpoint: string; stop(): Promise<void> } }): Promise<TestServer> {
  const dataDir = reuse?.dataDir ?? (await mkdtemp(join(tmpdir(), 'orch-it-')));
  const etcd = backend === 'etcd' ? (reuse?.etcd ?? (await startEtcd())) : undefined;
  const store = await openStore({ dataDir, datastoreEndpoint: etcd?.endpoint });
  const api = new ApiServer({
    dataDir,
    bindAddress: '127.0.0.1',
    port: 0,
    tlsSans: [],
    serviceCidr: '10.96.0.0/12',
    nodePortRange: [30000, 32767],
    store,
    log: silentLogger(),
  });
  await api.start();
  const client = new TestClient(api.url, api.caPem, api.adminToken);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    client.close();
    await api.stop();
    await store.close();
  };
  return {
    api,
    client,
    dataDir,
    store,
    stop,
    async cleanup() {
      await stop();
      await etcd?.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      return startTestServer(backend, { dataDir, etcd });
    },
  };
}
