/** Arithmetic over a Deployment's ReplicaSets (Kubernetes' deployment util and controller helpers). */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { DESIRED_REPLICAS, maxReplicasOf } from './annotations.js';
import { maxSurge, replicasOf } from './rolling-params.js';
import { equalIgnoreHash } from './template.js';

export const specReplicas = (rs: ReplicaSet | undefined): number => rs?.spec?.replicas ?? 0;

const created = (rs: ReplicaSet): number => Date.parse(rs.metadata?.creationTimestamp ?? '') || 0;
const nameOf = (rs: ReplicaSet): string => rs.metadata?.name ?? '';

/** Oldest first; ties by name so the order is total. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return created(a) - created(b) || (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0);
}

/** Largest first; ties newest first (where to add replicas). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(b) - specReplicas(a) || byCreation(b, a);
}

/** Largest first; ties oldest first (where to remove replicas). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(b) - specReplicas(a) || byCreation(a, b);
}

/** The ReplicaSet whose template is the Deployment's: the oldest such, if several. */
export function findNewReplicaSet(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

export const filterActive = (rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] => rss.filter((rs): rs is ReplicaSet => !!rs && specReplicas(rs) > 0);

const sum = (rss: readonly (ReplicaSet | undefined)[], f: (rs: ReplicaSet) => number): number => {
  let n = 0;
  for (const rs of rss) if (rs) n += f(rs);
  return n;
};

/** Sum of spec.replicas. */
export const specReplicaCount = (rss: readonly (ReplicaSet | undefined)[]) => sum(rss, specReplicas);
/** Sum of status.replicas: the pods that exist. */
export const actualReplicaCount = (rss: readonly (ReplicaSet | undefined)[]) => sum(rss, (rs) => rs.status?.replicas ?? 0);
export const readyReplicaCount = (rss: readonly (ReplicaSet | undefined)[]) => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicaCount = (rss: readonly (ReplicaSet | undefined)[]) => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

/**
 * Pods that may exist for these ReplicaSets: the larger of what is asked for and what was
 * last seen. Kubernetes counts spec.replicas alone, so a new ReplicaSet can be scaled up
 * while an old one's pods are still being deleted and the pods briefly exceed
 * replicas+maxSurge; counting status too keeps the bound on real pods.
 */
export const podUpperBound = (rss: readonly (ReplicaSet | undefined)[]) => sum(rss, (rs) => Math.max(specReplicas(rs), rs.status?.replicas ?? 0));

/**
 * Available pods we can count on: a ReplicaSet just scaled down still reports the
 * availability of pods it is deleting, so never more than it is asked to keep.
 */
export const availableLowerBound = (rss: readonly (ReplicaSet | undefined)[]) => sum(rss, (rs) => Math.min(specReplicas(rs), rs.status?.availableReplicas ?? 0));

/**
 * The ReplicaSet to give all replicas when at most one has any: the active one, else the
 * new one, else the newest old one. Undefined when several are active.
 */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && !oldRSs.length) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** The new ReplicaSet runs all the Deployment's replicas and they are all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const want = replicasOf(d);
  const desired = rs.metadata?.annotations?.[DESIRED_REPLICAS];
  return desired === String(want) && specReplicas(rs) === want && (rs.status?.availableReplicas ?? 0) === want;
}

/**
 * How big the new ReplicaSet may be now. Rolling update: grow toward spec.replicas while
 * the pods of all ReplicaSets stay within replicas+maxSurge. Recreate: all at once (its
 * caller waits for the old pods to go first).
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const want = replicasOf(d);
  if ((d.spec?.strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return want;
  const current = podUpperBound(allRSs);
  const maxTotal = want + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, want - specReplicas(newRS));
  return specReplicas(newRS) + Math.max(0, up);
}

/**
 * This ReplicaSet's share of a change of `toAdd` replicas across all of them, in
 * proportion to its size against the size the Deployment had when it was last scaled
 * (the max-replicas annotation); never more than what is left to hand out.
 */
export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const want = replicasOf(d);
  if (want === 0) return -specReplicas(rs);
  const deploymentReplicas = want + maxSurge(d);
  const annotated = maxReplicasOf(rs) ?? d.status?.replicas ?? 0;
  if (!annotated) return 0;
  const size = (specReplicas(rs) * deploymentReplicas) / annotated;
  return roundHalfAway(size) - specReplicas(rs);
}

/** Go's math.Round: halves away from zero. */
const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));
