/**
 * Resource amounts as the scheduler counts them: CPU in millicores, everything else in
 * whole units (bytes, pods, devices). Quantities are parsed once per pod, not per node.
 */
import type { Pod, PodSpec, Container, Node } from 'kubernetes-types/core/v1.js';
import { milliValue, tryParseQuantity, value } from '../../machinery/quantity.js';

export interface Resources {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources (nvidia.com/gpu, hugepages-2Mi...), only those present. */
  scalar: Record<string, number> | undefined;
}

export interface Allocatable extends Resources {
  pods: number;
}

/** What kube-scheduler assumes a container uses for scoring when it asks for nothing. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export const emptyResources = (): Resources => ({ milliCpu: 0, memory: 0, ephemeralStorage: 0, scalar: undefined });

// Specs repeat the same few strings ("100m", "128Mi"); parsing through bigint each time
// would dominate scheduling a pod, so results are memoised (bounded, cleared when full).
const memo = new Map<string, number>();
function amount(q: unknown, milli: boolean): number {
  if (q === undefined || q === null) return 0;
  const k = (milli ? 'm' : 'u') + String(q);
  let v = memo.get(k);
  if (v === undefined) {
    const parsed = tryParseQuantity(q as string | number);
    v = parsed ? Math.max(0, milli ? milliValue(parsed) : value(parsed)) : 0;
    if (memo.size > 10_000) memo.clear();
    memo.set(k, v);
  }
  return v;
}

/** Reads a ResourceList (requests, overhead, allocatable) into Resources. */
export function readResourceList(list: Record<string, unknown> | undefined): Resources {
  const r = emptyResources();
  if (!list) return r;
  for (const name of Object.keys(list)) {
    const q = list[name];
    if (name === 'cpu') r.milliCpu = amount(q, true);
    else if (name === 'memory') r.memory = amount(q, false);
    else if (name === 'ephemeral-storage') r.ephemeralStorage = amount(q, false);
    else if (name !== 'pods') (r.scalar ??= {})[name] = amount(q, false);
  }
  return r;
}

export function addInto(into: Resources, r: Resources, sign = 1): void {
  into.milliCpu += sign * r.milliCpu;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  if (r.scalar) {
    const s = (into.scalar ??= {});
    for (const k of Object.keys(r.scalar)) s[k] = (s[k] ?? 0) + sign * r.scalar[k];
  }
}

function maxInto(into: Resources, r: Resources): void {
  into.milliCpu = Math.max(into.milliCpu, r.milliCpu);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  if (r.scalar) {
    const s = (into.scalar ??= {});
    for (const k of Object.keys(r.scalar)) s[k] = Math.max(s[k] ?? 0, r.scalar[k]);
  }
}

const clone = (r: Resources): Resources => ({ ...r, scalar: r.scalar ? { ...r.scalar } : undefined });

const isSidecar = (c: Container): boolean => c.restartPolicy === 'Always';

/**
 * The requests a pod needs from a node, as kubelet admits it: app containers run together
 * (sum), ordinary init containers run one at a time before them (max), sidecars (init
 * containers with restartPolicy Always) start in order and keep running beside everything
 * after them; pod overhead comes on top. `reader` turns a container into its requests,
 * which lets scoring substitute defaults for containers that ask for nothing.
 */
export function podRequests(spec: PodSpec | undefined, reader: (c: Container) => Resources = containerRequests): Resources {
  const total = emptyResources();
  for (const c of spec?.containers ?? []) addInto(total, reader(c));
  const sidecars = emptyResources();
  const initPeak = emptyResources();
  for (const c of spec?.initContainers ?? []) {
    const req = reader(c);
    if (isSidecar(c)) {
      addInto(total, req);
      addInto(sidecars, req);
      maxInto(initPeak, sidecars);
    } else {
      const during = clone(req);
      addInto(during, sidecars);
      maxInto(initPeak, during);
    }
  }
  maxInto(total, initPeak);
  if (spec?.overhead) addInto(total, readResourceList(spec.overhead as Record<string, unknown>));
  return total;
}

export const containerRequests = (c: Container): Resources => readResourceList(c.resources?.requests as Record<string, unknown> | undefined);

/** kube-scheduler's GetNonzeroRequests: an absent cpu/memory request counts as 100m / 200Mi. */
export function nonZeroContainerRequests(c: Container): Resources {
  const req = c.resources?.requests as Record<string, unknown> | undefined;
  const r = emptyResources();
  r.milliCpu = req && 'cpu' in req ? amount(req.cpu, true) : DEFAULT_MILLI_CPU_REQUEST;
  r.memory = req && 'memory' in req ? amount(req.memory, false) : DEFAULT_MEMORY_REQUEST;
  return r;
}

export const podNonZeroRequests = (pod: Pod): Resources => podRequests(pod.spec, nonZeroContainerRequests);

/** A node's allocatable resources; a resource missing from status.allocatable falls back to capacity. */
export function nodeAllocatable(node: Node): Allocatable {
  const alloc = (node.status?.allocatable ?? {}) as Record<string, unknown>;
  const cap = (node.status?.capacity ?? {}) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...cap, ...alloc };
  const r = readResourceList(merged);
  return { ...r, pods: amount(merged.pods, false) };
}
