/**
 * Remembers the slices this controller just wrote, so that a sync running before the
 * informer has seen those writes does not act on the old picture — it would create a
 * second slice for endpoints that already have one. Kubernetes' EndpointSliceTracker does
 * the same with generations; orch's resourceVersions are increasing revisions, so they do.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

interface Expectation {
  /** Seen once the cache holds this slice at this revision or later. */
  rv?: number;
  /** Seen once the cache no longer holds the slice. */
  deleted?: boolean;
  at: number;
}

/** A write whose event never arrives (e.g. lost across a relist) stops blocking after this. */
const EXPIRE_MS = 10_000;

export class SliceTracker {
  private readonly byService = new Map<string, Map<string, Expectation>>();

  constructor(private readonly now: () => number = Date.now) {}

  private entries(serviceKey: string): Map<string, Expectation> {
    let m = this.byService.get(serviceKey);
    if (!m) this.byService.set(serviceKey, (m = new Map()));
    return m;
  }

  /** Records a slice as created or updated by us (the object the API server returned). */
  written(serviceKey: string, slice: EndpointSlice): void {
    this.entries(serviceKey).set(slice.metadata!.name!, { rv: Number(slice.metadata!.resourceVersion), at: this.now() });
  }

  deleted(serviceKey: string, slice: EndpointSlice): void {
    this.entries(serviceKey).set(slice.metadata!.name!, { deleted: true, at: this.now() });
  }

  /** True while the cached slices of the Service do not yet show every write we made. */
  stale(serviceKey: string, cached: readonly EndpointSlice[]): boolean {
    const m = this.byService.get(serviceKey);
    if (!m) return false;
    let stale = false;
    for (const [name, e] of m) {
      if (this.now() - e.at > EXPIRE_MS) {
        m.delete(name);
        continue;
      }
      const c = cached.find((s) => s.metadata?.name === name);
      const seen = e.deleted ? !c : c !== undefined && Number(c.metadata?.resourceVersion) >= e.rv!;
      if (seen) m.delete(name);
      else stale = true;
    }
    if (!m.size) this.byService.delete(serviceKey);
    return stale;
  }

  forget(serviceKey: string): void {
    this.byService.delete(serviceKey);
  }
}
