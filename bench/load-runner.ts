/**
 * Where the load generator runs: `inline` on the server's own event loop (one thread for
 * both, the distortion the 2-core machine makes worst), or `worker` in a worker thread so
 * server and client can use different cores.
 */
import { Worker } from 'node:worker_threads';
import { ops, type LoadOps, type OpName } from './api-load.js';

export type ClientMode = 'worker' | 'inline';

export interface LoadRunner {
  readonly mode: ClientMode;
  run<K extends OpName>(op: K, args: Parameters<LoadOps[K]>[0]): ReturnType<LoadOps[K]>;
  close(): Promise<void>;
}

export function inlineRunner(): LoadRunner {
  return {
    mode: 'inline',
    run: (op, args) => (ops[op] as (a: unknown) => any)(args),
    close: async () => undefined,
  };
}

export function workerRunner(): LoadRunner {
  const worker = new Worker(new URL('./api-worker.js', import.meta.url));
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 0;
  worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(`load worker: ${m.error}`));
    else p.resolve(m.result);
  });
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`load worker exited with code ${code}`)));
  return {
    mode: 'worker',
    run: (op, args) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, op, args });
      }) as any,
    close: async () => {
      await worker.terminate();
    },
  };
}
