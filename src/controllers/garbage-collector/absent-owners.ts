/**
 * Owner uids the API server has confirmed gone. A uid never comes back, so a hit is always
 * right; the bound only keeps memory flat. Saves one GET per dependent when an owner with
 * many dependents goes (Kubernetes' absentOwnerCache).
 */
export class AbsentOwners {
  private readonly uids = new Set<string>();

  constructor(private readonly max = 4096) {}

  has(uid: string): boolean {
    if (!this.uids.has(uid)) return false;
    // Refresh: a Set iterates in insertion order, so the oldest-used goes first.
    this.uids.delete(uid);
    this.uids.add(uid);
    return true;
  }

  add(uid: string): void {
    this.uids.delete(uid);
    this.uids.add(uid);
    if (this.uids.size > this.max) this.uids.delete(this.uids.values().next().value!);
  }
}
