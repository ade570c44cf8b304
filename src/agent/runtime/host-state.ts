/**
 * What the host looked like before this orch node first touched it, kept in the data dir so
 * an agent restart does not mistake its own leftovers for someone else's (or the reverse).
 * Clean-up removes a shared object only if it was not there before.
 */
import fs from 'node:fs';
import path from 'node:path';
import { existingSharedChains, SHARED_CNI_CHAINS } from './cni-cleanup.js';

type Chains = Record<'filter' | 'nat', string[]>;

/**
 * Host-wide (tmpfs, so a reboot forgets it) list of the shared CNI chains an orch node
 * made. Two nodes on one host overlap: the second sees the first's chains as already
 * there, and without this the last to stop would keep them for ever. With it, any orch
 * node may remove them once they are empty; chains that another CNI user (podman, a
 * kubelet) made are never on the list.
 */
export const ORCH_CHAINS_MARKER = '/run/orch/cni-shared-chains.json';

export async function readOrchChains(file = ORCH_CHAINS_MARKER): Promise<Chains> {
  try {
    const v = JSON.parse(await fs.promises.readFile(file, 'utf8')) as Partial<Chains>;
    return { filter: Array.isArray(v.filter) ? v.filter : [], nat: Array.isArray(v.nat) ? v.nat : [] };
  } catch {
    return { filter: [], nat: [] };
  }
}

export async function updateOrchChains(change: (cur: Chains) => Chains, file = ORCH_CHAINS_MARKER): Promise<void> {
  const next = change(await readOrchChains(file));
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, `${JSON.stringify(next)}\n`);
  await fs.promises.rename(tmp, file);
}

/**
 * The shared chains that are someone else's: those present now that no orch node made.
 * The absent ones are put on the orch list, since the plugins will make them for us.
 */
export async function recordSharedChains(existing: Chains, file = ORCH_CHAINS_MARKER): Promise<Chains> {
  const orchMade = await readOrchChains(file);
  const foreign = (t: 'filter' | 'nat') => existing[t].filter((c) => !orchMade[t].includes(c));
  const absent = (t: 'filter' | 'nat') => SHARED_CNI_CHAINS[t].filter((c) => !existing[t].includes(c));
  await updateOrchChains((cur) => ({ filter: [...new Set([...cur.filter, ...absent('filter')])], nat: [...new Set([...cur.nat, ...absent('nat')])] }), file);
  return { filter: foreign('filter'), nat: foreign('nat') };
}

/** containerd's shims put their sockets here whatever the config says. */
export const SHIM_SOCKET_DIR = '/run/containerd/s';
export const SHIM_SOCKET_PARENT = '/run/containerd';
export const CNI_STATE_DIR = '/var/lib/cni';

export interface HostState {
  recordedAt: string;
  preexistingChains: Chains;
  /** Shared directories that existed before (removed at the end only if we made them and they are empty). */
  preexistingDirs: string[];
}

export async function loadOrRecordHostState(file: string): Promise<HostState> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8')) as HostState;
  } catch {
    // first start on this data dir
  }
  const state: HostState = {
    recordedAt: new Date().toISOString(),
    preexistingChains: await recordSharedChains(await existingSharedChains()),
    preexistingDirs: [SHIM_SOCKET_PARENT, SHIM_SOCKET_DIR, CNI_STATE_DIR, `${CNI_STATE_DIR}/results`].filter((d) => fs.existsSync(d)),
  };
  await fs.promises.writeFile(file, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}
