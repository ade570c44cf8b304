/**
 * VolumeBinding, after kube-scheduler's plugin of that name. PreFilter rejects a pod whose
 * claims are missing, being deleted, or unbound in an Immediate class; Filter keeps the
 * nodes that satisfy bound volumes' node affinity and can serve the claims still waiting
 * for their first consumer; PreBind carries out the choice for the chosen node — reserves
 * the static volume for the claim (claimRef) or asks orch's provisioner for one there
 * (`volume.kubernetes.io/selected-node`) — and waits until the PV controller has bound
 * every claim, so the pod reaches its node only with its volumes ready.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, isClaimFullyBound } from '../../../machinery/persistent-volumes.js';
import { SUCCESS, errorStatus, type Status } from '../../framework/status.js';
import type { FilterPlugin, PluginFactory, PreBindPlugin, PreFilterPlugin } from '../../framework/types.js';
import { decideNode, podVolumes, type BindDecision, type PodVolumes, type VolumeListers } from './pod-volumes.js';

export const NAME = 'VolumeBinding';
const PRE_FILTER_KEY = `PreFilter${NAME}`;
const DECISIONS_KEY = `Filter${NAME}`;
/** kube-scheduler's bindTimeoutSeconds default. */
export const DEFAULT_BIND_TIMEOUT_MS = 600_000;
const POLL_MS = 100;

/** The writes PreBind makes: full-object updates with the cached resourceVersion, so a stale choice conflicts. */
export interface VolumeWriter {
  updateVolume(pv: PersistentVolume): Promise<unknown>;
  updateClaim(claim: PersistentVolumeClaim): Promise<unknown>;
}

export interface VolumeBindingOptions {
  bindTimeoutMs?: number;
}

export function create(listers: VolumeListers | undefined, writer: VolumeWriter | undefined, opts: VolumeBindingOptions = {}) {
  const timeout = opts.bindTimeoutMs ?? DEFAULT_BIND_TIMEOUT_MS;
  return {
    name: NAME,
    preFilter(pod, state) {
      const claims = pod.pod.spec?.volumes?.some((v) => v.persistentVolumeClaim || v.ephemeral);
      if (!claims) return SUCCESS;
      if (!listers) return errorStatus('volume listers are not available');
      const { status, volumes } = podVolumes(pod.pod, listers);
      if (volumes) {
        state.write(PRE_FILTER_KEY, volumes);
        state.write(DECISIONS_KEY, new Map<string, BindDecision[]>());
      }
      return status;
    },
    filter(_pod, node, state) {
      const volumes = state.read<PodVolumes>(PRE_FILTER_KEY);
      if (!volumes || !listers) return SUCCESS;
      const { status, decisions } = decideNode(volumes, node, () => listers.volumes.list());
      if (decisions) state.read<Map<string, BindDecision[]>>(DECISIONS_KEY)!.set(node.name, decisions);
      return status;
    },
    async preBind(_pod, nodeName, state, signal): Promise<Status> {
      const volumes = state.read<PodVolumes>(PRE_FILTER_KEY);
      if (!volumes || !listers || !writer) return SUCCESS;
      const decisions = state.read<Map<string, BindDecision[]>>(DECISIONS_KEY)?.get(nodeName) ?? [];
      try {
        for (const d of decisions) await carryOut(d, nodeName, writer);
        await waitAllBound(volumes.claimKeys, listers, timeout, signal);
        return SUCCESS;
      } catch (err) {
        return errorStatus(`binding volumes: ${(err as Error).message}`);
      }
    },
  } satisfies PreFilterPlugin & FilterPlugin & PreBindPlugin;
}

async function carryOut(d: BindDecision, nodeName: string, writer: VolumeWriter): Promise<void> {
  const { claim } = d;
  if ('volume' in d) {
    const ref = d.volume.spec?.claimRef;
    if (ref?.uid === claim.metadata?.uid) return;
    const pv = structuredClone(d.volume);
    pv.spec!.claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata?.namespace, name: claim.metadata?.name, uid: claim.metadata?.uid };
    pv.metadata!.annotations = { ...pv.metadata!.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' };
    await writer.updateVolume(pv);
    return;
  }
  if (claim.metadata?.annotations?.[ANN_SELECTED_NODE] === nodeName) return;
  const next = structuredClone(claim);
  next.metadata!.annotations = { ...next.metadata!.annotations, [ANN_SELECTED_NODE]: nodeName };
  await writer.updateClaim(next);
}

/** Polls the claim cache (cheap, local) until every claim is bound; throws on timeout, abort or a claim gone. */
async function waitAllBound(keys: readonly string[], l: VolumeListers, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let pending = false;
    for (const k of keys) {
      const c = l.claims.get(k);
      if (!c || c.metadata?.deletionTimestamp) throw new Error(`persistentvolumeclaim "${k.slice(k.indexOf('/') + 1)}" was deleted while binding`);
      if (!isClaimFullyBound(c)) pending = true;
    }
    if (!pending) return;
    if (signal.aborted) throw new Error('scheduler is stopping');
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export const factory: PluginFactory = (_args, handle) => {
  if (!handle) return create(undefined, undefined);
  const listers: VolumeListers = {
    claims: handle.lister<PersistentVolumeClaim>('persistentvolumeclaims'),
    volumes: handle.lister<PersistentVolume>('persistentvolumes'),
    classes: handle.lister<StorageClass>('storageclasses', 'storage.k8s.io'),
  };
  const writer: VolumeWriter = {
    updateVolume: (pv) => handle.client.resource('persistentvolumes').update(pv),
    updateClaim: (c) => handle.client.resource('persistentvolumeclaims').update(c),
  };
  return create(listers, writer);
};
