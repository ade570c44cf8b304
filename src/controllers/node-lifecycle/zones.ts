/**
 * Zone disruption, as Kubernetes judges it: when many nodes of a zone go down at once the
 * likelier cause is the network between them and the control plane, not the nodes — so
 * evictions slow down or stop instead of emptying the zone. And when every node of every
 * zone is down, the controller assumes it is the one cut off and evicts nothing at all.
 */
import type { Node } from 'kubernetes-types/core/v1.js';

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export interface DisruptionConfig {
  /** Nodes per second that may get a new NoExecute taint in a healthy zone (Kubernetes: 0.1). */
  evictionRate: number;
  /** The rate in a partially disrupted large zone (Kubernetes: 0.01). */
  secondaryEvictionRate: number;
  /** Zones with at most this many nodes stop evicting when partially disrupted (Kubernetes: 50). */
  largeClusterThreshold: number;
  /** Share of not-ready nodes (with more than two) that makes a zone partially disrupted (0.55). */
  unhealthyZoneThreshold: number;
}

export const DEFAULT_DISRUPTION: DisruptionConfig = {
  evictionRate: 0.1,
  secondaryEvictionRate: 0.01,
  largeClusterThreshold: 50,
  unhealthyZoneThreshold: 0.55,
};

/** Nodes with this label are left out of zone health (Kubernetes' labelNodeDisruptionExclusion). */
export const EXCLUDE_DISRUPTION_LABEL = 'node.kubernetes.io/exclude-disruption';

export function zoneOf(node: Node): string {
  const l = node.metadata?.labels ?? {};
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region || zone ? `${region}/${zone}` : '';
}

export function zoneState(ready: number, notReady: number, threshold: number): ZoneState {
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / (ready + notReady) >= threshold) return 'PartialDisruption';
  return 'Normal';
}

/** How many nodes per second may newly get a NoExecute taint in a zone of this state. */
export function zoneEvictionRate(state: ZoneState, zoneSize: number, cfg: DisruptionConfig): number {
  if (state === 'PartialDisruption') return zoneSize > cfg.largeClusterThreshold ? cfg.secondaryEvictionRate : 0;
  // A zone that is wholly down while others are up is really down: evict at the normal rate.
  return cfg.evictionRate;
}

/** A token bucket (burst 1 by default): one node tainted now, the next after 1/rate seconds. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private rate: number,
    private readonly burst = 1,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  setRate(rate: number, now = Date.now()): void {
    this.refill(now);
    this.rate = rate;
  }

  /** Takes a token if one is there. */
  take(now = Date.now()): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** When the next token will be there (ms), or undefined at rate 0. */
  nextAt(now = Date.now()): number | undefined {
    this.refill(now);
    if (this.tokens >= 1) return now;
    if (this.rate <= 0) return undefined;
    return now + Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  private refill(now: number): void {
    if (now > this.last) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = Math.max(this.last, now);
  }
}
