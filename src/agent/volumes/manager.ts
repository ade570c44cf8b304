/**
 * The node agent's volume manager: prepares each volume of a pod on the host under
 * `<podsDir>/<uid>/volumes/<plugin>/<name>` (the kubelet's layout and plugin names), keeps
 * configMap/secret/downwardAPI/projected contents in sync, and removes it all at the end.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/client.js';
import { ApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import { parseQuantity, value } from '../../machinery/quantity.js';
import { writeAtomic, type Payload } from './atomic-writer.js';
import { VolumeError } from './errors.js';
import { checkHostPath } from './host-path.js';
import { applyFsGroup } from './ownership.js';
import { configMapPayload, DEFAULT_MODE, downwardAPIPayload, hostAllocatable, secretPayload, type NodeAllocatable } from './payload.js';
import { SourceWatches, sourceKey, type SourcePlural } from './source-watches.js';
import { isMountPoint, mountTmpfs, unmountUnder } from './tmpfs.js';

export interface VolumeMount {
  hostPath: string;
  readOnly: boolean;
}

export interface VolumeManager {
  /** Prepares every volume of the pod on the host; returns where each volume lives, by volume name. Idempotent. */
  setUp(pod: Pod): Promise<Map<string, VolumeMount>>;
  /** Re-syncs configMap/secret/downwardAPI/projected contents in place (atomic swap) when their sources changed. */
  refresh(pod: Pod): Promise<void>;
  /** Removes everything of this pod (unmount tmpfs, delete dirs); emptyDir data goes with it. Idempotent. */
  tearDown(podUid: string): Promise<void>;
}

export interface VolumeManagerOptions {
  client: Client;
  podsDir: string;
  log: Logger;
  /** Called when a ConfigMap or Secret a set-up pod mounts changes: the pod worker should call refresh. */
  onSourceChange?: (podUid: string) => void;
  /** Stops the source watches (they otherwise stop as pods are torn down). */
  signal?: AbortSignal;
  /**
   * Called before a pod uses a `local` PV (the node's provisioner mounts a size-enforced
   * volume's image here); a throw is a FailedMount.
   */
  prepareLocalVolume?: (pv: PersistentVolume) => Promise<void>;
  /** What resourceFieldRef reports for unset limits; the host's CPUs and memory by default. */
  allocatable?: NodeAllocatable;
}

/** The kubelet's plugin directory names, so that the layout is familiar. */
export const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

const SUPPORTED = new Set(['emptyDir', 'hostPath', 'configMap', 'secret', 'downwardAPI', 'projected', 'persistentVolumeClaim']);
/** Kinds whose contents come from the API and are re-synced by refresh. */
const SYNCED = new Set(['configMap', 'secret', 'downwardAPI', 'projected']);

/** The source type of a volume: its one field besides `name` (emptyDir when none, as the API defaults). */
export function volumeKind(v: Volume): string {
  for (const [k, val] of Object.entries(v)) if (k !== 'name' && val !== undefined && val !== null) return k;
  return 'emptyDir';
}

/** The source type of a PV (nfs, csi, awsElasticBlockStore ...), for messages. */
function pvSourceKind(pv: PersistentVolume): string {
  const skip = new Set(['capacity', 'accessModes', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName', 'mountOptions', 'volumeMode', 'nodeAffinity', 'volumeAttributesClassName']);
  return Object.keys(pv.spec ?? {}).find((k) => !skip.has(k)) ?? 'unknown';
}

/** Fails before anything touches the disk when the pod has a volume this node cannot provide. */
export function checkSupported(pod: Pod): void {
  for (const v of pod.spec?.volumes ?? []) {
    const kind = volumeKind(v);
    if (!SUPPORTED.has(kind)) throw new VolumeError('UnsupportedVolume', `volume "${v.name}" uses ${kind}, which this node does not support`);
    if (kind === 'emptyDir') {
      const medium = v.emptyDir?.medium ?? '';
      if (medium !== '' && medium !== 'Memory') throw new VolumeError('UnsupportedVolume', `volume "${v.name}" uses emptyDir medium ${medium}, which this node does not support`);
    }
    if (kind === 'projected') {
      for (const s of v.projected?.sources ?? []) {
        // orch has no token issuer yet: a placeholder token would only fail later, inside
        // the application, so the pod is refused here with a reason the user can act on.
        if (s.serviceAccountToken)
          throw new VolumeError('UnsupportedVolume', `volume "${v.name}" projects a serviceAccountToken, which orch cannot issue yet (no token issuer)`);
        const other = Object.keys(s).find((k) => !['configMap', 'secret', 'downwardAPI'].includes(k) && (s as any)[k] != null);
        if (other) throw new VolumeError('UnsupportedVolume', `volume "${v.name}" projects ${other}, which this node does not support`);
      }
    }
  }
}

/**
 * The size of a memory-backed volume, as the kubelet sizes it: the pod's memory limit (when
 * every container has one), else node allocatable memory; a sizeLimit can only lower it.
 * Without it a tmpfs could grow to half the host's RAM whatever the pod's limit says.
 */
export function memoryVolumeSize(pod: Pod, sizeLimit: string | undefined, alloc: NodeAllocatable): number {
  const containers = pod.spec?.containers ?? [];
  const limits = containers.map((c) => c.resources?.limits?.memory);
  let size = containers.length && limits.every((l) => l !== undefined) ? limits.reduce((sum, l) => sum + value(parseQuantity(l!)), 0) : alloc.memoryBytes;
  if (sizeLimit !== undefined) {
    const limit = value(parseQuantity(sizeLimit));
    if (limit > 0) size = Math.min(size, limit);
  }
  return size;
}

/** A name that is one path component and cannot climb out of its directory. */
function safeComponent(what: string, s: string | undefined): string {
  if (!s || s === '.' || s === '..' || s.includes('/') || s.includes('\0')) throw new VolumeError('FailedMount', `invalid ${what} ${JSON.stringify(s ?? '')}`);
  return s;
}

const wrap = (volume: string, err: unknown): VolumeError =>
  err instanceof VolumeError ? err : new VolumeError('FailedMount', `MountVolume.SetUp failed for volume "${volume}": ${(err as Error).message}`);

export function createVolumeManager(opts: VolumeManagerOptions): VolumeManager {
  const log = opts.log;
  const podsDir = path.resolve(opts.podsDir);
  const alloc = opts.allocatable ?? hostAllocatable();
  const watches = opts.onSourceChange ? new SourceWatches(opts.client, log, opts.onSourceChange, opts.signal) : undefined;
  // setUp, refresh and tearDown of one pod run one at a time: two atomic writes into the same
  // directory at once would race on `..data_tmp`.
  const locks = new Map<string, Promise<unknown>>();
  const serial = <T>(uid: string, fn: () => Promise<T>): Promise<T> => {
    const prev = locks.get(uid) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    locks.set(uid, tail);
    void tail.then(() => {
      if (locks.get(uid) === tail) locks.delete(uid);
    });
    return next;
  };

  const volumesDir = (uid: string) => path.join(podsDir, safeComponent('pod uid', uid), 'volumes');

  /** GET one object; undefined when it does not exist. */
  async function getObject<T>(plural: string, ns: string, name: string): Promise<T | undefined> {
    try {
      return await opts.client.resource<any>(plural).get(ns, name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw new VolumeError('FailedMount', `cannot read ${plural.replace(/s$/, '')} "${name}": ${(err as Error).message}`);
    }
  }

  /** Reads a ConfigMap or Secret and notes the version it was read at, for the source watches. */
  async function source<T extends { metadata?: any }>(plural: SourcePlural, ns: string, name: string, seen: Map<string, string>): Promise<T | undefined> {
    const obj = await getObject<T>(plural, ns, name);
    seen.set(sourceKey(plural, ns, name), obj?.metadata?.resourceVersion ?? '');
    return obj;
  }

  /** The files of a synced volume, read from the API now. */
  async function payloadOf(pod: Pod, v: Volume, kind: string, seen: Map<string, string>): Promise<Payload> {
    const ns = pod.metadata?.namespace ?? 'default';
    switch (kind) {
      case 'configMap': {
        const src = v.configMap!;
        const cm = await source<any>('configmaps', ns, src.name ?? '', seen);
        return configMapPayload(src, cm, src.defaultMode ?? DEFAULT_MODE);
      }
      case 'secret': {
        const src = v.secret!;
        const s = await source<any>('secrets', ns, src.secretName ?? '', seen);
        return secretPayload(src, src.secretName ?? '', s, src.defaultMode ?? DEFAULT_MODE);
      }
      case 'downwardAPI':
        return downwardAPIPayload(pod, v.downwardAPI!.items, v.downwardAPI!.defaultMode ?? DEFAULT_MODE, new Map(), alloc);
      case 'projected': {
        const mode = v.projected!.defaultMode ?? DEFAULT_MODE;
        const out: Payload = new Map();
        for (const s of v.projected!.sources ?? []) {
          if (s.configMap) configMapPayload(s.configMap, await source<any>('configmaps', ns, s.configMap.name ?? '', seen), mode, out);
          else if (s.secret) secretPayload(s.secret, s.secret.name ?? '', await source<any>('secrets', ns, s.secret.name ?? '', seen), mode, out);
          else if (s.downwardAPI) downwardAPIPayload(pod, s.downwardAPI.items, mode, out, alloc);
        }
        return out;
      }
      default:
        throw new Error(`not a synced volume kind: ${kind}`);
    }
  }

  async function setUpSynced(pod: Pod, v: Volume, kind: string, seen: Map<string, string>): Promise<VolumeMount> {
    const uid = pod.metadata!.uid!;
    const plugin = PLUGIN_DIRS[kind as keyof typeof PLUGIN_DIRS];
    const dir = path.join(volumesDir(uid), plugin, safeComponent('volume name', v.name));
    const payload = await payloadOf(pod, v, kind, seen);
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    // Secrets never touch the disk; projected volumes may carry secrets, so they too live in memory.
    if (kind === 'secret' || kind === 'projected') await mountTmpfs(dir, { sizeBytes: memoryVolumeSize(pod, undefined, alloc) });
    const fsGroup = pod.spec?.securityContext?.fsGroup;
    if (fsGroup !== undefined) {
      await fs.chown(dir, -1, fsGroup);
      await fs.chmod(dir, 0o2755);
    }
    const changed = await writeAtomic(dir, payload, { fsGroup });
    if (changed) log.debug({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, volume: v.name, files: payload.size }, 'volume contents written');
    return { hostPath: dir, readOnly: true };
  }

  async function setUpEmptyDir(pod: Pod, v: Volume): Promise<VolumeMount> {
    const dir = path.join(volumesDir(pod.metadata!.uid!), PLUGIN_DIRS.emptyDir, safeComponent('volume name', v.name));
    const medium = v.emptyDir?.medium ?? '';
    let fresh = false;
    try {
      await fs.mkdir(dir);
      fresh = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        await fs.mkdir(dir, { recursive: true });
        fresh = true;
      }
    }
    if (medium === 'Memory' && !isMountPoint(dir)) {
      await mountTmpfs(dir, { sizeBytes: memoryVolumeSize(pod, v.emptyDir?.sizeLimit, alloc), mode: 0o777 });
      fresh = true;
    }
    if (fresh) {
      // emptyDirs are world-writable as in the kubelet: containers run as any user.
      const fsGroup = pod.spec?.securityContext?.fsGroup;
      if (fsGroup !== undefined) await fs.chown(dir, -1, fsGroup);
      await fs.chmod(dir, fsGroup !== undefined ? 0o2777 : 0o777);
    }
    return { hostPath: dir, readOnly: false };
  }

  async function setUpPvc(pod: Pod, v: Volume): Promise<VolumeMount> {
    const ns = pod.metadata?.namespace ?? 'default';
    const claimName = v.persistentVolumeClaim!.claimName;
    const pvc = await getObject<PersistentVolumeClaim>('persistentvolumeclaims', ns, claimName);
    if (!pvc) throw new VolumeError('FailedMount', `persistentvolumeclaim "${claimName}" not found`);
    // The kubelet's check: a claim on its way out must not gain a new user.
    if (pvc.metadata?.deletionTimestamp) throw new VolumeError('FailedMount', `persistentvolumeclaim "${claimName}" is being deleted`);
    const pvName = pvc.spec?.volumeName;
    if (!pvName || pvc.status?.phase !== 'Bound') throw new VolumeError('FailedMount', `PersistentVolumeClaim is not bound: "${claimName}"`);
    const pv = await getObject<PersistentVolume>('persistentvolumes', '', pvName);
    if (!pv) throw new VolumeError('FailedMount', `persistentvolume "${pvName}" not found`);
    if (pv.spec?.claimRef?.uid && pv.spec.claimRef.uid !== pvc.metadata?.uid)
      throw new VolumeError('FailedMount', `persistentvolume "${pvName}" is bound to another claim (${pv.spec.claimRef.namespace}/${pv.spec.claimRef.name})`);
    const readOnly = v.persistentVolumeClaim!.readOnly === true;
    if (pv.spec?.hostPath) {
      // As in Kubernetes, hostPath volumes are not given to fsGroup: the path is the host's.
      await checkHostPath(pv.spec.hostPath.path, pv.spec.hostPath.type);
      return { hostPath: pv.spec.hostPath.path, readOnly };
    }
    if (pv.spec?.local) {
      const p = pv.spec.local.path;
      // e.g. a size-enforced local-path volume: its image is mounted before anybody writes.
      await opts.prepareLocalVolume?.(pv);
      try {
        await fs.stat(p);
      } catch {
        throw new VolumeError('FailedMount', `path "${p}" does not exist`);
      }
      const sc = pod.spec?.securityContext;
      if (sc?.fsGroup !== undefined) {
        const changed = await applyFsGroup(p, sc.fsGroup, { readOnly, policy: sc.fsGroupChangePolicy });
        if (changed) log.debug({ pod: `${ns}/${pod.metadata?.name}`, volume: v.name, fsGroup: sc.fsGroup, entries: changed }, 'volume ownership set');
      }
      return { hostPath: p, readOnly };
    }
    throw new VolumeError(
      'UnsupportedVolume',
      `volume "${v.name}" uses persistentVolumeClaim "${claimName}" bound to PersistentVolume "${pvName}", whose ${pvSourceKind(pv)} source this node does not support (only hostPath and local)`,
    );
  }

  async function setUpVolume(pod: Pod, v: Volume, seen: Map<string, string>): Promise<VolumeMount> {
    const kind = volumeKind(v);
    switch (kind) {
      case 'emptyDir':
        return setUpEmptyDir(pod, v);
      case 'hostPath': {
        const p = v.hostPath!.path;
        if (!path.isAbsolute(p)) throw new VolumeError('FailedMount', `hostPath ${p} must be an absolute path`);
        await checkHostPath(p, v.hostPath!.type);
        return { hostPath: p, readOnly: false };
      }
      case 'persistentVolumeClaim':
        return setUpPvc(pod, v);
      default:
        return setUpSynced(pod, v, kind, seen);
    }
  }

  function podUid(pod: Pod): string {
    return safeComponent('pod uid', pod.metadata?.uid);
  }

  return {
    async setUp(pod) {
      const uid = podUid(pod);
      return serial(uid, async () => {
        checkSupported(pod);
        const out = new Map<string, VolumeMount>();
        const seen = new Map<string, string>();
        try {
          for (const v of pod.spec?.volumes ?? []) {
            try {
              out.set(v.name, await setUpVolume(pod, v, seen));
            } catch (err) {
              throw wrap(v.name, err);
            }
          }
        } finally {
          // Watch even what failed (a missing ConfigMap): its creation should wake the pod.
          watches?.setPodRefs(uid, seen);
        }
        return out;
      });
    },

    async refresh(pod) {
      const uid = podUid(pod);
      return serial(uid, async () => {
        checkSupported(pod);
        const seen = new Map<string, string>();
        try {
          for (const v of pod.spec?.volumes ?? []) {
            const kind = volumeKind(v);
            if (!SYNCED.has(kind)) continue;
            try {
              await setUpSynced(pod, v, kind, seen);
            } catch (err) {
              throw wrap(v.name, err);
            }
          }
        } finally {
          watches?.setPodRefs(uid, seen);
        }
      });
    },

    async tearDown(uid) {
      safeComponent('pod uid', uid);
      return serial(uid, async () => {
        watches?.dropPod(uid);
        const dir = volumesDir(uid);
        const left = await unmountUnder(dir);
        // Never delete through a mount that is still there: it could be somebody else's.
        if (left.length) throw new VolumeError('FailedUnmount', `cannot unmount ${left.join(', ')}`);
        await fs.rm(dir, { recursive: true, force: true });
        await fs.rmdir(path.dirname(dir)).catch(() => undefined);
        log.debug({ podUid: uid }, 'pod volumes removed');
      });
    },
  };
}
