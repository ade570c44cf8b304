/**
 * The "why does my Service refuse connections" event: a Warning on a Service that has a
 * selector but has had no usable endpoint for a while. Once per episode (until endpoints
 * appear again), no more often than `repeatMs` per Service, and at most `maxPerMinute`
 * across all Services so a broken namespace cannot flood the API server.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { slicesByService } from './service-ports.js';

export const NO_ENDPOINTS_REASON = 'NoEndpoints';

export interface EndpointCount {
  service: Service;
  /** Endpoints in the Service's slices, whatever their conditions. */
  total: number;
  /** Endpoints that may take traffic (ready, or serving while terminating). */
  usable: number;
}

const selectorText = (sel: Record<string, string>) =>
  Object.keys(sel)
    .sort()
    .map((k) => `${k}=${sel[k]}`)
    .join(',');

/** Services with a selector, with how many endpoints their slices list. Pure. */
export function countEndpoints(services: readonly Service[], slices: readonly EndpointSlice[]): EndpointCount[] {
  const bySvc = slicesByService(slices);
  const out: EndpointCount[] = [];
  for (const svc of services) {
    if (!svc.spec?.selector || Object.keys(svc.spec.selector).length === 0 || svc.spec.type === 'ExternalName') continue;
    let total = 0;
    let usable = 0;
    for (const s of bySvc.get(`${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`) ?? []) {
      for (const ep of s.endpoints ?? []) {
        total++;
        const c = ep.conditions ?? {};
        if ((c.ready ?? true) || (c.serving && c.terminating)) usable++;
      }
    }
    out.push({ service: svc, total, usable });
  }
  return out;
}

export function noEndpointsMessage(c: EndpointCount): string {
  const sel = selectorText(c.service.spec?.selector ?? {});
  return c.total === 0
    ? `Service has no endpoints: no Pod matches its selector ${sel}; connections to it are refused`
    : `Service has no ready endpoints: ${c.total} Pod${c.total === 1 ? '' : 's'} match${c.total === 1 ? 'es' : ''} its selector ${sel} but none is ready; connections to it are refused`;
}

export interface NoEndpointsOptions {
  /** How long a Service must lack endpoints before the event (default 10 s: pods take a moment to start). */
  delayMs?: number;
  /** Least time between two events for one Service (default 10 min). */
  repeatMs?: number;
  /** Cap on events per minute across Services (default 20). */
  maxPerMinute?: number;
}

interface Episode {
  since: number;
  reported: boolean;
}

export class NoEndpointsTracker {
  private readonly episodes = new Map<string, Episode>();
  private readonly lastEvent = new Map<string, number>();
  private sent: number[] = [];
  private readonly delay: number;
  private readonly repeat: number;
  private readonly perMinute: number;

  constructor(opts: NoEndpointsOptions = {}) {
    this.delay = opts.delayMs ?? 10_000;
    this.repeat = opts.repeatMs ?? 10 * 60_000;
    this.perMinute = opts.maxPerMinute ?? 20;
  }

  /** Feeds the current counts; returns the events to record now. */
  observe(now: number, counts: readonly EndpointCount[]): { service: Service; message: string }[] {
    const out: { service: Service; message: string }[] = [];
    const seen = new Set<string>();
    this.sent = this.sent.filter((t) => now - t < 60_000);
    for (const c of counts) {
      const uid = c.service.metadata?.uid ?? `${c.service.metadata?.namespace}/${c.service.metadata?.name}`;
      seen.add(uid);
      if (c.usable > 0) {
        this.episodes.delete(uid);
        continue;
      }
      let ep = this.episodes.get(uid);
      if (!ep) this.episodes.set(uid, (ep = { since: now, reported: false }));
      if (ep.reported || now - ep.since < this.delay) continue;
      const last = this.lastEvent.get(uid);
      if (last !== undefined && now - last < this.repeat) {
        ep.reported = true;
        continue;
      }
      if (this.sent.length >= this.perMinute) continue; // try again on a later tick
      ep.reported = true;
      this.lastEvent.set(uid, now);
      this.sent.push(now);
      out.push({ service: c.service, message: noEndpointsMessage(c) });
    }
    for (const uid of this.episodes.keys()) if (!seen.has(uid)) this.episodes.delete(uid);
    for (const [uid, t] of this.lastEvent) if (!seen.has(uid) && now - t >= this.repeat) this.lastEvent.delete(uid);
    return out;
  }
}
