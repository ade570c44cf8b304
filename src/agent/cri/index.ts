/** orch's CRI v1 client: see cri-client.ts (methods), cri-types.ts (shapes), cri-errors.ts. */
export { CriClient, DEFAULT_CRI_TIMEOUTS, type CriCallOptions, type CriClientOptions, type CriTimeouts, type StreamRequest } from './cri-client.js';
export {
  CriAlreadyExistsError,
  CriCancelledError,
  CriError,
  CriNotFoundError,
  CriRequestRejectedError,
  CriTimeoutError,
  CriUnavailableError,
  GrpcCode,
  isCriNotFound,
} from './cri-errors.js';
export type * from './cri-types.js';
