/**
 * The names the node-local provisioner and the control plane agree on (issue 6), and where a
 * volume lives on the node: `<agent data dir>/storage/pvc-<uid>_<namespace>_<name>`, the
 * layout of k3s's local-path-provisioner, so an operator finds a claim's data by its name.
 */
import path from 'node:path';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';

// The binding protocol's names are shared with the PV controller and the scheduler.
export {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  HOSTNAME_LABEL,
  LOCAL_PATH_PROVISIONER as PROVISIONER,
} from '../../machinery/persistent-volumes.js';
/** StorageClass parameter: "true" makes each volume a filesystem image of exactly the requested size. */
export const PARAM_ENFORCE_SIZE = 'enforceSize';

/** Where every volume of this node lives. Nothing of the agent's clean-up touches it. */
export function storageDirOf(agentDataDir: string): string {
  return path.join(path.resolve(agentDataDir), 'storage');
}

/** The PV a claim's dynamic volume is named after, as Kubernetes names them. */
export function pvNameFor(claim: PersistentVolumeClaim): string {
  return `pvc-${claim.metadata!.uid}`;
}

/** `pvc-<uid>_<namespace>_<name>`: unique by uid, readable by name. */
export function volumeDirName(claim: PersistentVolumeClaim): string {
  const m = claim.metadata!;
  return `pvc-${m.uid}_${m.namespace}_${m.name}`;
}

/** The filesystem image of a size-enforced volume sits beside its mount point. */
export function imagePathFor(volumeDir: string): string {
  return `${volumeDir}.img`;
}

/**
 * True when `p` is a volume directory this provisioner could have made: a direct child of
 * the storage dir named `pvc-...`. Data is only ever removed at such paths, whatever a PV says.
 */
export function isOwnedVolumeDir(storageDir: string, p: string | undefined): boolean {
  if (!p || !path.isAbsolute(p)) return false;
  const resolved = path.resolve(p);
  if (resolved !== p.replace(/\/+$/, '')) return false;
  const base = path.basename(resolved);
  return path.dirname(resolved) === path.resolve(storageDir) && base.startsWith('pvc-') && !base.endsWith('.img');
}
