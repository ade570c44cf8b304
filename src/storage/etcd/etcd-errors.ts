import { StorageError, unavailable } from '../errors.js';

// gRPC status codes that mean "could not reach a healthy etcd", not "etcd said no".
const UNREACHABLE_CODES = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);
// Names of the etcd3 client's and its fault-handling library's errors for the same condition.
const UNREACHABLE_NAMES = new Set([
  'GRPCUnavailableError',
  'GRPCDeadlineExceededError',
  'GRPCCancelledError',
  'BrokenCircuitError',
  'ClientClosedError',
  'EtcdWatchStreamEnded',
]);

export const isCompactedError = (err: unknown) =>
  err instanceof Error && err.message.includes('required revision has been compacted');

/** Maps a failed etcd call to Unavailable when the cluster was out of reach; other errors pass through. */
export function fromEtcdError(err: unknown): unknown {
  if (err instanceof StorageError) return err;
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (
    UNREACHABLE_NAMES.has(err.constructor.name) ||
    (typeof code === 'number' && UNREACHABLE_CODES.has(code)) ||
    err.message.includes('etcdserver: no leader') ||
    err.message.includes('etcdserver: request timed out')
  ) {
    return unavailable(`etcd unavailable: ${err.message}`);
  }
  return err;
}
