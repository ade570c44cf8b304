/**
 * What the PV controller and the scheduler's VolumeBinding plugin must agree on, as
 * Kubernetes keeps it in component-helpers/storage/volume: the annotations of the binding
 * protocol, which claims a pod uses, and which volume a claim may bind to.
 */
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { labelSelectorFromObject } from './labels.js';
import { compareQuantities, tryParseQuantity, type Quantity } from './quantity.js';

/** orch's one provisioner: a directory (or a sized image) on the node the claim was placed on. */
export const LOCAL_PATH_PROVISIONER = 'orch.io/local-path';

export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** The pre-GA way to name a class; where present it wins over spec.storageClassName. */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
export const ANN_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BETA_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

type Annotated = { metadata?: { annotations?: Record<string, string> } };
type Classed = Annotated & { spec?: { storageClassName?: string } };

/** The class a claim or volume belongs to; '' means "no class". */
export const storageClassOf = (obj: Classed): string => obj.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] ?? obj.spec?.storageClassName ?? '';

export const isDefaultClass = (sc: StorageClass): boolean =>
  sc.metadata?.annotations?.[ANN_DEFAULT_CLASS] === 'true' || sc.metadata?.annotations?.[ANN_BETA_DEFAULT_CLASS] === 'true';

/**
 * The class a claim without one gets. Several defaults can exist while an administrator
 * switches; Kubernetes (1.26+) then takes the newest, ties broken by name.
 */
export function defaultClassName(classes: readonly StorageClass[]): string | undefined {
  let best: StorageClass | undefined;
  for (const sc of classes) {
    if (!isDefaultClass(sc)) continue;
    const t = sc.metadata?.creationTimestamp ?? '';
    const bt = best?.metadata?.creationTimestamp ?? '';
    if (!best || t > bt || (t === bt && (sc.metadata?.name ?? '') < (best.metadata?.name ?? ''))) best = sc;
  }
  return best?.metadata?.name;
}

export const isWaitForFirstConsumer = (sc: StorageClass | undefined): boolean => sc?.volumeBindingMode === 'WaitForFirstConsumer';

/** Bound in the sense of the binding protocol: named its volume and the controller finished. */
export const isClaimFullyBound = (c: PersistentVolumeClaim): boolean => !!c.spec?.volumeName && c.metadata?.annotations?.[ANN_BIND_COMPLETED] !== undefined;

/** A claim the pod mounts: its name, and for generic ephemeral volumes that the pod must own it. */
export interface PodClaim {
  name: string;
  /** Set for ephemeral volumes: the claim is the pod's own, created for it. */
  ephemeral: boolean;
}

/** The claims a pod's volumes use, persistentVolumeClaim and ephemeral (`<pod>-<volume>`). */
export function podClaims(pod: Pod): PodClaim[] {
  const out: PodClaim[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push({ name: v.persistentVolumeClaim.claimName, ephemeral: false });
    else if (v.ephemeral) out.push({ name: `${pod.metadata?.name ?? ''}-${v.name}`, ephemeral: true });
  }
  return out;
}

export const isPodTerminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** The volume is reserved for this very claim (its claimRef names it, with the claim's uid if it has one). */
export function isVolumeBoundToClaim(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata?.name || (ref.namespace ?? '') !== (claim.metadata?.namespace ?? '')) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

/** Every mode the claim asks for is one the volume offers. */
export function accessModesSatisfied(claimModes: readonly string[] | undefined, volumeModes: readonly string[] | undefined): boolean {
  const offered = new Set(volumeModes ?? []);
  return (claimModes ?? []).every((m) => offered.has(m));
}

const storageOf = (q: unknown): Quantity | undefined => (typeof q === 'string' || typeof q === 'number' ? tryParseQuantity(q) : undefined);

export const requestedStorage = (c: PersistentVolumeClaim): Quantity | undefined => storageOf(c.spec?.resources?.requests?.storage);
export const volumeStorage = (pv: PersistentVolume): Quantity | undefined => storageOf(pv.spec?.capacity?.storage);

export interface MatchOptions {
  /**
   * The claim's class binds on first consumer: without a node (the PV controller) only a
   * volume already reserved for the claim may match, so the scheduler keeps the choice.
   */
  delayBinding?: boolean;
  /** The node the pod would run on; volumes whose node affinity excludes it do not match. */
  fitsNode?: (pv: PersistentVolume) => boolean;
  /** Volume names not to pick (already chosen for another claim of the same pod). */
  exclude?: ReadonlySet<string>;
}

/**
 * The volume a claim should bind to, as component-helpers' FindMatchingVolume: a volume
 * reserved for the claim (claimRef) wins outright; otherwise the smallest free volume of
 * the claim's class, volume mode and selector whose capacity and access modes cover the
 * request. Volumes being deleted, or reserved for another claim, never match.
 */
export function findMatchingVolume(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], opts: MatchOptions = {}): PersistentVolume | undefined {
  const requested = requestedStorage(claim);
  if (!requested) return undefined;
  const cls = storageClassOf(claim);
  const claimMode = claim.spec?.volumeMode ?? 'Filesystem';
  let selector: ReturnType<typeof labelSelectorFromObject> | undefined;
  try {
    // No selector matches every volume; an invalid one (refused at admission) matches none.
    selector = claim.spec?.selector ? labelSelectorFromObject(claim.spec.selector) : undefined;
  } catch {
    return undefined;
  }
  let best: PersistentVolume | undefined;
  let bestSize: Quantity | undefined;
  for (const pv of volumes) {
    if ((pv.spec?.volumeMode ?? 'Filesystem') !== claimMode) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    const fitsNode = !opts.fitsNode || opts.fitsNode(pv);
    if (isVolumeBoundToClaim(pv, claim)) {
      // Reserved for this claim: it is the answer, or there is none on this node.
      return fitsNode ? pv : undefined;
    }
    if (opts.delayBinding && !opts.fitsNode) continue;
    if (pv.spec?.claimRef) continue;
    if (opts.exclude?.has(pv.metadata?.name ?? '')) continue;
    const phase = pv.status?.phase;
    if (phase === 'Released' || phase === 'Failed') continue;
    if (storageClassOf(pv) !== cls) continue;
    if (selector && !selector.matches(pv.metadata?.labels)) continue;
    if (!fitsNode) continue;
    if (!accessModesSatisfied(claim.spec?.accessModes, pv.spec?.accessModes)) continue;
    const size = volumeStorage(pv);
    if (!size || compareQuantities(size, requested) < 0) continue;
    if (!bestSize || compareQuantities(size, bestSize) < 0) {
      best = pv;
      bestSize = size;
    }
  }
  return best;
}

/**
 * The node names a volume's required node affinity pins it to through the hostname label
 * (how local volumes are placed); undefined when it is not pinned that way.
 */
export function volumeHostnames(pv: PersistentVolume): string[] | undefined {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  const names: string[] = [];
  for (const t of terms) {
    for (const e of t.matchExpressions ?? []) if (e.key === HOSTNAME_LABEL && e.operator === 'In') names.push(...(e.values ?? []));
  }
  return names.length ? names : undefined;
}
