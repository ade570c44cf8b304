import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { startEtcd, type EtcdServer } from '../../../test/support/etcd.js';
import { runStorageContract } from '../contract.js';
import { isStorageError } from '../errors.js';
import { EtcdStore } from './etcd-store.js';

// One etcd for the whole file: contract tests run one at a time under their own key prefixes.
let etcd: Promise<EtcdServer> | undefined;
after(async () => {
  if (etcd) await (await etcd).stop();
});

runStorageContract('etcd', async () => {
  etcd ??= startEtcd();
  const store = new EtcdStore({ endpoints: [(await etcd).endpoint] });
  return { store, cleanup: () => store.close() };
});

/** A loopback port with nothing listening on it. */
async function deadEndpoint(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('etcd store without a reachable cluster', () => {
  it('fails reads and writes with Unavailable', async () => {
    const store = new EtcdStore({ endpoints: [await deadEndpoint()], callTimeoutMs: 2000 });
    try {
      for (const call of [() => store.get('/registry/x'), () => store.create('/registry/x', new Uint8Array([1]))]) {
        await assert.rejects(call(), (err) => isStorageError(err, 'Unavailable'), 'expected Unavailable');
      }
    } finally {
      await store.close();
    }
  });

  it('ends a watch with Unavailable', async () => {
    const store = new EtcdStore({ endpoints: [await deadEndpoint()], callTimeoutMs: 2000 });
    try {
      const err = await new Promise<Error>((resolve) => {
        store.watch('/registry/', 0, { onEvents: () => {}, onError: resolve });
      });
      assert.ok(isStorageError(err, 'Unavailable'), `expected Unavailable, got ${String(err)}`);
    } finally {
      await store.close();
    }
  });
});
