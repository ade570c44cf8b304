/**
 * Worker-thread entry for the API benchmarks' load generator: runs one `ops` call per
 * message, so the client's TLS, JSON and timers get their own thread (and core) instead of
 * sharing the API server's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { ops, type OpName } from './api-load.js';

interface Call {
  id: number;
  op: OpName;
  args: unknown;
}

parentPort!.on('message', (m: Call) => {
  (ops[m.op] as (args: unknown) => Promise<unknown>)(m.args).then(
    (result) => parentPort!.postMessage({ id: m.id, result }),
    (err: unknown) => parentPort!.postMessage({ id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
