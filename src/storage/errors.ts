/** Typed storage errors with stable codes; the API server maps them to a v1 Status in one place. */
export type StorageErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Compacted' | 'Unavailable';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message: string,
    /** For Compacted: the oldest revision still available. For Conflict: the current revision. */
    readonly revision?: number,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export const notFound = (key: string) => new StorageError('NotFound', key, `key ${key} not found`);
export const alreadyExists = (key: string) => new StorageError('AlreadyExists', key, `key ${key} already exists`);
export const conflict = (key: string, current?: number) =>
  new StorageError('Conflict', key, `key ${key} was modified (current revision ${current ?? 'unknown'})`, current);
export const compacted = (requested: number, oldest: number) =>
  new StorageError('Compacted', '', `revision ${requested} has been compacted; oldest available is ${oldest}`, oldest);
export const unavailable = (message: string) => new StorageError('Unavailable', '', message);

export const isStorageError = (err: unknown, code?: StorageErrorCode): err is StorageError =>
  err instanceof StorageError && (code === undefined || err.code === code);
