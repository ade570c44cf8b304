/**
 * The status conditions a terminating Namespace reports while its content is deleted,
 * worded as Kubernetes words them (users and tools grep for them when a namespace is stuck).
 */
import type { NamespaceCondition } from 'kubernetes-types/core/v1.js';

/** What one pass over the namespace's content found. */
export interface ContentReport {
  /** Objects still present, by qualified resource (`pods`, `deployments.apps`). */
  remaining: Map<string, number>;
  /** Objects still present, by finalizer they carry. */
  finalizers: Map<string, number>;
  /** Resources whose delete or list failed, with why. */
  failures: string[];
}

interface Cond {
  type: string;
  ok: { reason: string; message: string };
  bad?: (r: ContentReport) => { reason: string; message: string } | undefined;
}

const joinSorted = (m: Map<string, number>, fmt: (k: string, n: number) => string) =>
  [...m]
    .filter(([, n]) => n > 0)
    .map(([k, n]) => fmt(k, n))
    .sort()
    .join(', ');

const CONDITIONS: Cond[] = [
  // orch's resources are a fixed table, so discovery and parsing cannot fail; the
  // conditions are still reported, as clients expect all five.
  { type: 'NamespaceDeletionDiscoveryFailure', ok: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' } },
  { type: 'NamespaceDeletionGroupVersionParsingFailure', ok: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' } },
  {
    type: 'NamespaceDeletionContentFailure',
    ok: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
    bad: (r) =>
      r.failures.length
        ? { reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${r.failures.length} remaining: ${[...r.failures].sort().join(', ')}` }
        : undefined,
  },
  {
    type: 'NamespaceContentRemaining',
    ok: { reason: 'ContentRemoved', message: 'All content successfully removed' },
    bad: (r) => {
      const s = joinSorted(r.remaining, (k, n) => `${k} has ${n} resource instances`);
      return s ? { reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${s}` } : undefined;
    },
  },
  {
    type: 'NamespaceFinalizersRemaining',
    ok: { reason: 'ContentRemoved', message: 'All content successfully removed' },
    bad: (r) => {
      const s = joinSorted(r.finalizers, (k, n) => `${k} in ${n} resource instances`);
      return s ? { reason: 'SomeFinalizersRemain', message: `Some finalizers are remaining: ${s}` } : undefined;
    },
  },
];

/**
 * The namespace's conditions after this report: ours replaced, others kept. The
 * transition time moves only when a status flips. `changed` says whether to write.
 */
export function nextConditions(current: readonly NamespaceCondition[] | undefined, report: ContentReport, now: string): { conditions: NamespaceCondition[]; changed: boolean } {
  const out = (current ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const c of CONDITIONS) {
    const bad = c.bad?.(report);
    const want = { type: c.type, status: bad ? 'True' : 'False', ...(bad ?? c.ok) };
    const have = out.find((x) => x.type === c.type);
    if (!have) {
      out.push({ ...want, lastTransitionTime: now });
      changed = true;
    } else if (have.status !== want.status || have.reason !== want.reason || have.message !== want.message) {
      if (have.status !== want.status) have.lastTransitionTime = now;
      Object.assign(have, want);
      changed = true;
    }
  }
  return { conditions: out, changed };
}

/** Nothing is left and no deletion failed: the namespace may be finalized. */
export const isEmpty = (r: ContentReport): boolean => !r.failures.length && ![...r.remaining.values()].some((n) => n > 0);
