/**
 * What the host looked like before this orch node first touched it, kept in the data dir so
 * an agent restart does not mistake its own leftovers for someone else's (or the reverse).
 * Clean-up removes a shared object only if it was not there before.
 */
import fs from 'node:fs';
import { existingSharedChains } from './cni-cleanup.js';

/** containerd's shims put their sockets here whatever the config says. */
export const SHIM_SOCKET_DIR = '/run/containerd/s';
export const SHIM_SOCKET_PARENT = '/run/containerd';
export const CNI_STATE_DIR = '/var/lib/cni';

export interface HostState {
  recordedAt: string;
  preexistingChains: Record<'filter' | 'nat', string[]>;
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
    preexistingChains: await existingSharedChains(),
    preexistingDirs: [SHIM_SOCKET_PARENT, SHIM_SOCKET_DIR, CNI_STATE_DIR, `${CNI_STATE_DIR}/results`].filter((d) => fs.existsSync(d)),
  };
  await fs.promises.writeFile(file, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}
