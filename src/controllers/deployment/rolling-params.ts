/**
 * maxSurge and maxUnavailable as numbers of pods (Kubernetes' ResolveFenceposts): a
 * percentage of spec.replicas, surge rounded up and unavailability rounded down so that
 * neither bound is exceeded; if both come out 0 the rollout could never move, so one pod
 * may be unavailable.
 */
import type { Deployment } from 'kubernetes-types/apps/v1.js';

/** An IntOrString against a total: 3 → 3, "25%" of 10 → 2.5 rounded up or down. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (m) {
    const x = (Number(m[1]) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  // A string without a percent sign is invalid for Kubernetes; read it as a number if it is one.
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** [surge, unavailable] for a desired number of replicas. */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): [number, number] {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

export const replicasOf = (d: Deployment): number => d.spec?.replicas ?? 1;

/** Pods allowed above spec.replicas during a rolling update; 0 for Recreate. */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d))[0];
}

/** Pods allowed to be unavailable during a rolling update, at most spec.replicas; 0 for Recreate. */
export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const u = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas)[1];
  return Math.min(u, replicas);
}
