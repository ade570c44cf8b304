/**
 * Typed CRI errors. Every failed call becomes a CriError carrying the gRPC status code and
 * the method; the cases a pod worker branches on have their own classes.
 */

/** gRPC status codes that matter here. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export class CriError extends Error {
  override name = 'CriError';
  constructor(
    /** The CRI method, e.g. 'RunPodSandbox'. */
    readonly method: string,
    /** The gRPC status code (see GrpcCode). */
    readonly code: number,
    /** The runtime's own message, unchanged. */
    readonly details: string,
  ) {
    super(`CRI ${method}: ${details || `gRPC status ${code}`}`);
  }
}

/** The sandbox, container or image does not exist (gRPC NOT_FOUND). */
export class CriNotFoundError extends CriError {
  override name = 'CriNotFoundError';
}

/**
 * The name is taken (gRPC ALREADY_EXISTS, or containerd's "name ... is reserved for ..." which
 * it reports as UNKNOWN): a sandbox or container with the same metadata (name, namespace,
 * uid, attempt) exists. Retry with a higher `attempt`, or reuse `existingId` when known.
 */
export class CriAlreadyExistsError extends CriError {
  override name = 'CriAlreadyExistsError';
  /** The id holding the name, when the runtime said so. */
  readonly existingId?: string;
  constructor(method: string, code: number, details: string) {
    super(method, code, details);
    const m = /is reserved for "([0-9a-f]+)"/.exec(details);
    if (m) this.existingId = m[1];
  }
}

/** The runtime is not reachable (gRPC UNAVAILABLE): containerd is down or restarting. */
export class CriUnavailableError extends CriError {
  override name = 'CriUnavailableError';
}

/** The call's deadline passed (gRPC DEADLINE_EXCEEDED). The operation may still complete. */
export class CriTimeoutError extends CriError {
  override name = 'CriTimeoutError';
}

/** The caller aborted the call (AbortSignal) or the client was closed (gRPC CANCELLED). */
export class CriCancelledError extends CriError {
  override name = 'CriCancelledError';
}

/** A request orch refused to send because it would break the node (see CriClient). */
export class CriRequestRejectedError extends CriError {
  override name = 'CriRequestRejectedError';
  constructor(method: string, details: string) {
    super(method, GrpcCode.INVALID_ARGUMENT, details);
  }
}

const RESERVED_NAME = /is reserved for|already exists|already reserved/;

/** Maps a gRPC status to the matching typed error. */
export function criErrorFromStatus(method: string, code: number, details: string): CriError {
  switch (code) {
    case GrpcCode.NOT_FOUND:
      return new CriNotFoundError(method, code, details);
    case GrpcCode.ALREADY_EXISTS:
      return new CriAlreadyExistsError(method, code, details);
    case GrpcCode.UNAVAILABLE:
      return new CriUnavailableError(method, code, details);
    case GrpcCode.DEADLINE_EXCEEDED:
      return new CriTimeoutError(method, code, details);
    case GrpcCode.CANCELLED:
      return new CriCancelledError(method, code, details);
    case GrpcCode.UNKNOWN:
      // containerd 1.6 reports a duplicate sandbox/container name as code 2 (UNKNOWN).
      if (RESERVED_NAME.test(details)) return new CriAlreadyExistsError(method, code, details);
      return new CriError(method, code, details);
    default:
      return new CriError(method, code, details);
  }
}

/** True when the error says the object is gone: useful for idempotent clean-up. */
export const isCriNotFound = (err: unknown): err is CriNotFoundError => err instanceof CriNotFoundError;
