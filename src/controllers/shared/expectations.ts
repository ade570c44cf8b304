/**
 * Expectations (Kubernetes' UIDTrackingControllerExpectations): after a controller asks for
 * N creations or deletions it must not act on that object again until its informer has
 * seen them, or it would count stale state and create (or delete) twice. A record that is
 * never fulfilled (a lost watch event) expires after a TTL, so a controller cannot wedge.
 */

interface Record {
  adds: number;
  dels: number;
  /** Keys of the pods we asked to delete; a deletion is observed once per key. */
  deleting: Set<string>;
  at: number;
}

export const EXPECTATIONS_TTL_MS = 5 * 60_000;

export class Expectations {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the controller may act on `key`: nothing outstanding, or the record expired. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.adds <= 0 && r.dels <= 0) return true;
    return this.now() - r.at > this.ttlMs;
  }

  /** Replaces any record: `adds` creations are about to be requested. */
  expectCreations(key: string, adds: number): void {
    this.records.set(key, { adds, dels: 0, deleting: new Set(), at: this.now() });
  }

  /** Replaces any record: these pods (namespace/name keys) are about to be deleted. */
  expectDeletions(key: string, podKeys: string[]): void {
    this.records.set(key, { adds: 0, dels: podKeys.length, deleting: new Set(podKeys), at: this.now() });
  }

  /** The informer saw one of our creations, or a creation will never happen (it failed). */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.adds--;
  }

  /** The informer saw a pod go (or start terminating); counted once per pod. */
  deletionObserved(key: string, podKey: string): void {
    const r = this.records.get(key);
    if (r?.deleting.delete(podKey)) r.dels--;
  }

  /** Forgets the controller's record (the object was deleted). */
  delete(key: string): void {
    this.records.delete(key);
  }

  /** Outstanding counts, for tests and logs. */
  pending(key: string): { adds: number; dels: number } | undefined {
    const r = this.records.get(key);
    return r && { adds: r.adds, dels: r.dels };
  }
}
