/**
 * Plans the writes that turn a Service's existing EndpointSlices into the desired ones
 * with as little churn as the Kubernetes reconciler: endpoints stay in the slice they are
 * in, changed slices are updated in place, new endpoints go first into slices that are
 * being written anyway, and a slice that would be deleted is reused instead of creating
 * another. Pure: the controller carries out the plan.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { serviceFamily } from '../endpoints/pod-helpers.js';
import { endpointKey, newSlice, ownedBy, portsKey, sameEndpoint, serviceOwnerRef, sliceLabels, type DesiredGroup } from './desired.js';

export interface SlicePlan {
  /** New slices (metadata.generateName set). */
  create: EndpointSlice[];
  /** Changed copies of existing slices (with their resourceVersion, so stale writes conflict). */
  update: EndpointSlice[];
  /** Existing slices to delete. */
  delete: EndpointSlice[];
}

const sortedEntries = (m: Record<string, string> | undefined) =>
  JSON.stringify(Object.entries(m ?? {}).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));

const refJson = (refs: readonly OwnerReference[] | undefined) =>
  JSON.stringify((refs ?? []).map((r) => [r.apiVersion, r.kind, r.name, r.uid, r.controller ?? false, r.blockOwnerDeletion ?? false]));

function metaUpToDate(slice: EndpointSlice, svc: Service): boolean {
  return sortedEntries(slice.metadata?.labels) === sortedEntries(sliceLabels(svc)) && refJson(slice.metadata?.ownerReferences) === refJson([serviceOwnerRef(svc)]);
}

function rewrite(slice: EndpointSlice, svc: Service, endpoints: Endpoint[], ports = slice.ports): EndpointSlice {
  const next = structuredClone(slice);
  next.metadata!.labels = sliceLabels(svc);
  next.metadata!.ownerReferences = [serviceOwnerRef(svc)];
  next.endpoints = endpoints;
  next.ports = ports;
  return next;
}

const isPlaceholderOf = (slice: EndpointSlice, svc: Service): boolean =>
  !slice.endpoints?.length && !slice.ports?.length && ownedBy(slice, svc) && metaUpToDate(slice, svc);

export function planSlices(svc: Service, desired: ReadonlyMap<string, DesiredGroup>, existing: readonly EndpointSlice[], maxPerSlice: number): SlicePlan {
  const addressType = serviceFamily(svc);
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const byPorts = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    // Slices of an earlier Service of the same name, or of another address family, go.
    if (!ownedBy(s, svc) || s.addressType !== addressType) {
      plan.delete.push(s);
      continue;
    }
    const key = portsKey(s.ports);
    byPorts.set(key, [...(byPorts.get(key) ?? []), s]);
  }

  for (const [key, group] of desired) {
    const want = new Map(group.endpoints.map((e) => [endpointKey(e), e]));
    const updating: EndpointSlice[] = [];
    const unchanged: EndpointSlice[] = [];
    for (const s of byPorts.get(key) ?? []) {
      let changed = !metaUpToDate(s, svc);
      const kept: Endpoint[] = [];
      for (const ep of s.endpoints ?? []) {
        const k = endpointKey(ep);
        const d = want.get(k);
        if (!d) {
          changed = true;
          continue;
        }
        if (!sameEndpoint(ep, d)) changed = true;
        kept.push(d);
        want.delete(k);
      }
      if (!kept.length) plan.delete.push(s);
      else if (changed) updating.push(rewrite(s, svc, kept));
      else unchanged.push(s);
    }
    let rest = [...want.values()];
    // Fill the fullest slices being written first, so slices stay few and full.
    updating.sort((a, b) => b.endpoints.length - a.endpoints.length);
    for (const s of updating) {
      if (!rest.length) break;
      const room = maxPerSlice - s.endpoints.length;
      if (room > 0) s.endpoints.push(...rest.splice(0, room));
    }
    // Then at most one untouched slice, and only if everything left fits: one extra write.
    if (rest.length) {
      const fit = unchanged
        .filter((s) => s.endpoints.length + rest.length <= maxPerSlice)
        .sort((a, b) => b.endpoints.length - a.endpoints.length)[0];
      if (fit) {
        updating.push(rewrite(fit, svc, [...fit.endpoints, ...rest]));
        rest = [];
      }
    }
    while (rest.length) plan.create.push(newSlice(svc, group.ports, rest.splice(0, maxPerSlice)));
    plan.update.push(...updating);
  }
  for (const [key, slices] of byPorts) if (!desired.has(key)) plan.delete.push(...slices);

  // A Service without endpoints keeps one empty slice, as in Kubernetes: readers can tell
  // "no endpoints" from "not processed yet".
  if (!plan.create.length && plan.delete.length === existing.length) {
    if (plan.delete.length === 1 && isPlaceholderOf(plan.delete[0], svc)) plan.delete = [];
    else plan.create.push(newSlice(svc, [], []));
  }

  // Rather than delete one slice and create another, rewrite the one being deleted.
  for (let i = 0; i < plan.delete.length && plan.create.length; ) {
    const old = plan.delete[i];
    if (ownedBy(old, svc) && old.addressType === addressType) {
      const c = plan.create.pop()!;
      plan.update.push(rewrite(old, svc, c.endpoints, c.ports));
      plan.delete.splice(i, 1);
    } else i++;
  }
  return plan;
}
