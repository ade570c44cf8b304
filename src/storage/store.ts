/**
 * The narrow storage interface every backend implements (SQLite log, etcd).
 *
 * It speaks keys, revisions and watches only: nothing about HTTP, kinds or JSON.
 * A revision is a global, strictly increasing integer; every successful write
 * (create, update, delete) produces exactly one new revision.
 */

/** One stored key at one revision. */
export interface KeyValue {
  key: string;
  /** Opaque bytes as written (the API server stores JSON text as UTF-8). */
  value: Uint8Array;
  /** Revision of the write that produced this value (etcd's mod_revision). */
  modRevision: number;
  /** Revision at which the key was created (etcd's create_revision). */
  createRevision: number;
}

export type WatchEventType = 'create' | 'update' | 'delete';

/** A change delivered by `watch`, in revision order, never duplicated. */
export interface WatchEvent {
  type: WatchEventType;
  /** For delete: the last value before deletion, with modRevision = the delete's revision. */
  kv: KeyValue;
  /** The value before this change (absent for create). */
  prev?: KeyValue;
}

export interface ListOptions {
  /** Maximum number of items to return; 0 or absent means all. */
  limit?: number;
  /** Return only keys strictly greater than this key (for paging). */
  after?: string;
  /** Read as of this revision; absent means the current revision. Throws Compacted if too old. */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when `limit` cut the result short and more keys follow the last one. */
  more: boolean;
}

export interface Watch {
  /** Stops delivery; no callback runs after close() returns. */
  close(): void;
}

export interface WatchHandlers {
  /** Called with events in revision order; batches keep one commit's events together. */
  onEvents(events: WatchEvent[]): void;
  /** Called once if the watch cannot continue (Compacted start revision, backend lost). */
  onError(err: Error): void;
}

export interface Store {
  /** Current value of a key, or undefined if it does not exist. */
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys with the prefix, ordered by key; see ListOptions. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Number of live keys under the prefix. */
  count(prefix: string): Promise<number>;
  /** Creates a key that must not exist; throws StorageError AlreadyExists. Durable when resolved. */
  create(key: string, value: Uint8Array): Promise<KeyValue>;
  /**
   * Replaces a key whose current modRevision equals expectedRevision.
   * Throws NotFound if absent, Conflict if the revision differs. Durable when resolved.
   */
  update(key: string, value: Uint8Array, expectedRevision: number): Promise<KeyValue>;
  /**
   * Deletes a key; when expectedRevision is given it must match (else Conflict).
   * Returns the deleted value with modRevision = the delete's revision.
   */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  /**
   * Delivers every change under prefix with revision > fromRevision, first replaying
   * retained history, then live changes. Fails with Compacted if fromRevision is older
   * than the oldest retained revision.
   */
  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Watch;
  /** The latest revision written (0 for an empty store). */
  currentRevision(): Promise<number>;
  /** The oldest revision a watch or list may still start from. */
  compactedRevision(): Promise<number>;
  /** Discards history at and below revision (keeping each key's latest value) and reclaims space. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
