/**
 * The pure half of VolumeBinding: sorting a pod's claims into bound ones (their volume's
 * node affinity constrains the node) and ones still to bind on first consumer (a node
 * fits if it can reach a free matching volume, or if orch can provision one there), and
 * deciding per node what PreBind must do. Reasons are kube-scheduler's wording.
 */
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import {
  ANN_SELECTED_NODE,
  LOCAL_PATH_PROVISIONER,
  findMatchingVolume,
  isWaitForFirstConsumer,
  podClaims,
  storageClassOf,
} from '../../../machinery/persistent-volumes.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { SUCCESS, unresolvable, type Status } from '../../framework/status.js';
import type { Lister } from '../../framework/types.js';
import { compileNodeSelector, type NodeMatcher } from '../node-affinity/node-selector.js';

export const UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";

export interface VolumeListers {
  claims: Lister<PersistentVolumeClaim>;
  volumes: Lister<PersistentVolume>;
  classes: Lister<StorageClass>;
}

export interface BoundClaim {
  claim: PersistentVolumeClaim;
  volume: PersistentVolume;
}

export interface ClaimToBind {
  claim: PersistentVolumeClaim;
  storageClass: StorageClass;
}

export interface PodVolumes {
  /** Every claim the pod mounts (`ns/name`), to wait for at PreBind. */
  claimKeys: string[];
  bound: BoundClaim[];
  toBind: ClaimToBind[];
}

/** For one claim on one node: bind this static volume, or have orch provision one there. */
export type BindDecision = { claim: PersistentVolumeClaim; volume: PersistentVolume } | { claim: PersistentVolumeClaim; provision: true };

// Compiled once per volume object: informers replace objects on change, so this never goes stale.
const affinityCache = new WeakMap<PersistentVolume, NodeMatcher>();

/** Whether the volume's required node affinity admits the node (no affinity: every node). */
export function volumeFitsNode(pv: PersistentVolume, node: NodeInfo): boolean {
  const required = pv.spec?.nodeAffinity?.required;
  if (!required) return true;
  let m = affinityCache.get(pv);
  if (!m) affinityCache.set(pv, (m = compileNodeSelector(required)));
  return m(node);
}

/** PreFilter: the pod's claims sorted out, or why no node can take the pod as things stand. */
export function podVolumes(pod: Pod, l: VolumeListers): { status: Status; volumes?: PodVolumes } {
  const claims = podClaims(pod);
  if (claims.length === 0) return { status: SUCCESS };
  const ns = pod.metadata?.namespace ?? '';
  const out: PodVolumes = { claimKeys: [], bound: [], toBind: [] };
  for (const { name, ephemeral } of claims) {
    const claim = l.claims.get(`${ns}/${name}`);
    if (!claim) return { status: unresolvable(`persistentvolumeclaim "${name}" not found`) };
    if (claim.metadata?.deletionTimestamp) return { status: unresolvable(`persistentvolumeclaim "${name}" is being deleted`) };
    if (ephemeral && !claim.metadata?.ownerReferences?.some((r) => r.controller && r.uid === pod.metadata?.uid)) {
      return { status: unresolvable(`PVC ${ns}/${name} was not created for pod ${ns}/${pod.metadata?.name ?? ''} (pod is not owner)`) };
    }
    out.claimKeys.push(`${ns}/${name}`);
    const volumeName = claim.spec?.volumeName;
    if (volumeName) {
      const volume = l.volumes.get(volumeName);
      if (!volume) return { status: unresolvable(`persistentvolume "${volumeName}" not found`) };
      out.bound.push({ claim, volume });
      continue;
    }
    const className = storageClassOf(claim);
    const sc = className ? l.classes.get(className) : undefined;
    // A claim of no class, or of a class that does not exist, binds at once (or never): the
    // PV controller's business, not the scheduler's.
    if (!sc || !isWaitForFirstConsumer(sc)) return { status: unresolvable(UNBOUND_IMMEDIATE) };
    out.toBind.push({ claim, storageClass: sc });
  }
  return { status: SUCCESS, volumes: out };
}

/** Filter: whether the node suits every claim, and for the unbound ones what PreBind will do there. */
export function decideNode(v: PodVolumes, node: NodeInfo, volumes: () => PersistentVolume[]): { status: Status; decisions?: BindDecision[] } {
  for (const b of v.bound) if (!volumeFitsNode(b.volume, node)) return { status: unresolvable(NODE_CONFLICT) };
  if (v.toBind.length === 0) return { status: SUCCESS, decisions: [] };
  const decisions: BindDecision[] = [];
  const chosen = new Set<string>();
  let all: PersistentVolume[] | undefined;
  for (const { claim, storageClass } of v.toBind) {
    const selected = claim.metadata?.annotations?.[ANN_SELECTED_NODE];
    // Provisioning already asked for on another node: the volume will be there.
    if (selected && selected !== node.name) return { status: unresolvable(BIND_CONFLICT) };
    all ??= volumes();
    const pv = selected ? undefined : findMatchingVolume(claim, all, { delayBinding: true, fitsNode: (p) => volumeFitsNode(p, node), exclude: chosen });
    if (pv) {
      chosen.add(pv.metadata?.name ?? '');
      decisions.push({ claim, volume: pv });
    } else if (storageClass.provisioner === LOCAL_PATH_PROVISIONER) {
      decisions.push({ claim, provision: true });
    } else {
      return { status: unresolvable(BIND_CONFLICT) };
    }
  }
  return { status: SUCCESS, decisions };
}
