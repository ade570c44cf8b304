/**
 * Pure functions from API objects to the files of a volume (a Payload), following the
 * kubelet's MakePayload of the configMap, secret, downwardAPI and projected plugins.
 */
import os from 'node:os';
import type {
  ConfigMap,
  ConfigMapProjection,
  ConfigMapVolumeSource,
  DownwardAPIVolumeFile,
  KeyToPath,
  Pod,
  ResourceFieldSelector,
  Secret,
  SecretProjection,
  SecretVolumeSource,
} from 'kubernetes-types/core/v1.js';
import { parseQuantity, value, milliValue } from '../../machinery/quantity.js';
import type { Payload } from './atomic-writer.js';
import { VolumeError } from './errors.js';

/** The mode of files in configMap, secret, downwardAPI and projected volumes when none is given. */
export const DEFAULT_MODE = 0o644;

/** What the node has when a container sets no limit (the kubelet uses node allocatable). */
export interface NodeAllocatable {
  cpuMilli: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
}

export const hostAllocatable = (): NodeAllocatable => ({
  cpuMilli: os.cpus().length * 1000,
  memoryBytes: os.totalmem(),
  ephemeralStorageBytes: 0,
});

interface KeyedSource {
  items?: KeyToPath[];
  optional?: boolean;
}

/** Files from key/value data: every key, or the listed items; a missing key is an error unless optional. */
function keyedPayload(kind: 'configmap' | 'secret', data: Map<string, Buffer>, src: KeyedSource, defaultMode: number, out: Payload): void {
  if (!src.items || src.items.length === 0) {
    for (const [k, v] of data) out.set(k, { data: v, mode: defaultMode });
    return;
  }
  for (const item of src.items) {
    const v = data.get(item.key);
    if (v === undefined) {
      if (src.optional) continue;
      throw new VolumeError(
        kind === 'configmap' ? 'ConfigMapKeyNotFound' : 'SecretKeyNotFound',
        kind === 'configmap' ? `configmap references non-existent config key: ${item.key}` : `secret references non-existent secret key: ${item.key}`,
      );
    }
    out.set(item.path, { data: v, mode: item.mode ?? defaultMode });
  }
}

/** data (UTF-8) and binaryData (base64) of a ConfigMap. */
export function configMapData(cm: ConfigMap): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) m.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) m.set(k, Buffer.from(v, 'base64'));
  return m;
}

/** data (base64, as the API serves it) of a Secret; stringData too if a writer left it unfolded. */
export function secretData(s: Secret): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s.data ?? {})) m.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(s.stringData ?? {})) m.set(k, Buffer.from(v, 'utf8'));
  return m;
}

/** The Kubernetes message for a missing source: `configmap "x" not found`. */
export const notFound = (kind: 'configmap' | 'secret', name: string): VolumeError =>
  new VolumeError(kind === 'configmap' ? 'ConfigMapNotFound' : 'SecretNotFound', `${kind} "${name}" not found`);

/**
 * Files of a configMap volume or projection. `cm` undefined means the object does not
 * exist: an empty volume when optional, else ConfigMapNotFound.
 */
export function configMapPayload(src: ConfigMapVolumeSource | ConfigMapProjection, cm: ConfigMap | undefined, defaultMode: number, out: Payload = new Map()): Payload {
  if (!cm) {
    if (src.optional) return out;
    throw notFound('configmap', src.name ?? '');
  }
  keyedPayload('configmap', configMapData(cm), src, defaultMode, out);
  return out;
}

export function secretPayload(src: SecretVolumeSource | SecretProjection, name: string, secret: Secret | undefined, defaultMode: number, out: Payload = new Map()): Payload {
  if (!secret) {
    if (src.optional) return out;
    throw notFound('secret', name);
  }
  keyedPayload('secret', secretData(secret), src, defaultMode, out);
  return out;
}

/** Go's %q for the strings labels hold: JSON escaping is the same for printable text. */
const quote = (s: string) => JSON.stringify(s);

/** `key="value"` lines sorted by key, as the kubelet renders labels and annotations. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${quote(m![k])}`)
    .join('\n');
}

/** The value of a downward API fieldRef for a volume file. */
export function fieldValue(pod: Pod, fieldPath: string): string {
  const md = pod.metadata ?? {};
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (sub) {
    const m = sub[1] === 'labels' ? md.labels : md.annotations;
    return m?.[sub[2]] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return md.name ?? '';
    case 'metadata.namespace':
      return md.namespace ?? '';
    case 'metadata.uid':
      return md.uid ?? '';
    case 'metadata.labels':
      return formatMap(md.labels);
    case 'metadata.annotations':
      return formatMap(md.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    default:
      throw new VolumeError('FailedMount', `unsupported fieldPath: ${fieldPath}`);
  }
}

/**
 * The value of a resourceFieldRef: the container's limit (node allocatable when unset) or
 * request, divided by the divisor and rounded up, as the kubelet does.
 */
export function resourceValue(pod: Pod, ref: ResourceFieldSelector, alloc: NodeAllocatable = hostAllocatable()): string {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const c = containers.find((x) => x.name === ref.containerName);
  if (!c) throw new VolumeError('FailedMount', `container ${ref.containerName ?? ''} not found`);
  const divisor = parseQuantity(ref.divisor ?? '1');
  const dot = ref.resource.indexOf('.');
  const kind = ref.resource.slice(0, dot);
  const res = ref.resource.slice(dot + 1);
  if (dot < 0 || (kind !== 'limits' && kind !== 'requests')) throw new VolumeError('FailedMount', `unsupported container resource: ${ref.resource}`);
  const raw = (kind === 'limits' ? c.resources?.limits : c.resources?.requests)?.[res];
  if (res === 'cpu') {
    const milli = raw !== undefined ? milliValue(parseQuantity(raw)) : kind === 'limits' ? alloc.cpuMilli : 0;
    return String(Math.ceil(milli / Math.max(milliValue(divisor), 1)));
  }
  if (res === 'memory' || res === 'ephemeral-storage') {
    const fallback = kind === 'limits' ? (res === 'memory' ? alloc.memoryBytes : alloc.ephemeralStorageBytes) : 0;
    const bytes = raw !== undefined ? value(parseQuantity(raw)) : fallback;
    return String(Math.ceil(bytes / Math.max(value(divisor), 1)));
  }
  if (res.startsWith('hugepages-')) {
    const bytes = raw !== undefined ? value(parseQuantity(raw)) : 0;
    return String(Math.ceil(bytes / Math.max(value(divisor), 1)));
  }
  throw new VolumeError('FailedMount', `unsupported container resource: ${ref.resource}`);
}

export function downwardAPIPayload(pod: Pod, items: DownwardAPIVolumeFile[] | undefined, defaultMode: number, out: Payload = new Map(), alloc?: NodeAllocatable): Payload {
  for (const item of items ?? []) {
    let text: string;
    if (item.fieldRef) text = fieldValue(pod, item.fieldRef.fieldPath);
    else if (item.resourceFieldRef) text = resourceValue(pod, item.resourceFieldRef, alloc);
    else throw new VolumeError('FailedMount', `downwardAPI item ${item.path} has neither fieldRef nor resourceFieldRef`);
    out.set(item.path, { data: Buffer.from(text, 'utf8'), mode: item.mode ?? defaultMode });
  }
  return out;
}
