/** hostPath type checks with the kubelet's behaviour and messages. */
import fs from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { VolumeError } from './errors.js';

export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

/** What is at a path, in the kubelet's words ('Directory', 'File', ...). */
function fileType(st: Stats): string {
  if (st.isDirectory()) return 'Directory';
  if (st.isFile()) return 'File';
  if (st.isSocket()) return 'Socket';
  if (st.isCharacterDevice()) return 'CharDevice';
  if (st.isBlockDevice()) return 'BlockDevice';
  throw new Error('only recognise file, directory, socket, block device and character device');
}

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    // stat, not lstat: a hostPath that is a symlink means what it points to.
    return await fs.stat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const EXPECTED: Record<string, [string, string]> = {
  Directory: ['Directory', 'directory'],
  DirectoryOrCreate: ['Directory', 'directory'],
  File: ['File', 'file'],
  FileOrCreate: ['File', 'file'],
  Socket: ['Socket', 'socket file'],
  CharDevice: ['CharDevice', 'character device'],
  BlockDevice: ['BlockDevice', 'block device'],
};

/**
 * Checks (and for the *OrCreate types, creates) the host path of a hostPath volume.
 * Throws VolumeError('FailedMount') with the kubelet's message when the check fails.
 */
export async function checkHostPath(p: string, type: string | undefined): Promise<void> {
  const t = type ?? '';
  if (t === '') return;
  const expected = EXPECTED[t];
  if (!expected) throw new VolumeError('FailedMount', `${t} is an invalid volume type`);
  let st = await statOrUndefined(p);
  if (!st && t === 'DirectoryOrCreate') {
    await fs.mkdir(p, { recursive: true, mode: 0o755 });
    return;
  }
  if (!st && t === 'FileOrCreate') {
    // 'a' creates without truncating a file that appeared meanwhile.
    await (await fs.open(p, 'a', 0o644)).close();
    st = await statOrUndefined(p);
  }
  if (!st) throw new VolumeError('FailedMount', `hostPath ${p} doesn't exist`);
  let actual: string;
  try {
    actual = fileType(st);
  } catch (err) {
    throw new VolumeError('FailedMount', `hostPath type check failed, ${p} is not a ${expected[1]}, unable to determine its type: ${(err as Error).message}`);
  }
  if (actual !== expected[0]) throw new VolumeError('FailedMount', `hostPath type check failed: ${p} is not a ${expected[1]}, it's a ${actual}`);
}
