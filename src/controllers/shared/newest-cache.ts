/**
 * Remembers the objects a controller has just written until its informer catches up, in
 * the manner of client-go's MutationCache. Without it the next sync reads the informer's
 * older copy, decides from stale numbers and loses an optimistic-concurrency race against
 * its own write. orch's resourceVersions are store revisions (DESIGN.md), so "newer" is a
 * numeric comparison.
 */
interface Entry<T> {
  obj: T;
  rv: bigint;
  at: number;
}

const rvOf = (o: { metadata?: { resourceVersion?: string } }): bigint | undefined => {
  const s = o.metadata?.resourceVersion;
  if (!s || !/^\d+$/.test(s)) return undefined;
  return BigInt(s);
};

export class NewestCache<T extends { metadata?: { uid?: string; resourceVersion?: string } }> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly ttlMs = 60_000) {}

  /** Records an object returned by a write. */
  written(obj: T): void {
    const uid = obj.metadata?.uid;
    const rv = rvOf(obj);
    if (!uid || rv === undefined) return;
    const cur = this.entries.get(uid);
    if (!cur || cur.rv < rv) this.entries.set(uid, { obj, rv, at: Date.now() });
  }

  /** The newer of the informer's copy and the last write; drops entries the informer has caught up with. */
  newest(cached: T): T {
    const uid = cached.metadata?.uid;
    if (!uid) return cached;
    const e = this.entries.get(uid);
    if (!e) return cached;
    const rv = rvOf(cached);
    if (rv === undefined || rv >= e.rv || Date.now() - e.at > this.ttlMs) {
      this.entries.delete(uid);
      return cached;
    }
    return e.obj;
  }

  forget(uid: string | undefined): void {
    if (uid) this.entries.delete(uid);
  }
}
