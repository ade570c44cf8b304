/**
 * fsGroup ownership of a persistent volume, as the kubelet's SetVolumeOwnership does it:
 * every file and directory gets the group, files g+rw (g+r when mounted read-only),
 * directories also g+x and setgid so what containers create later inherits the group. With
 * fsGroupChangePolicy OnRootMismatch the walk is skipped when the volume's root already has
 * the right group and bits — the point of the policy for volumes with many files.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

const RW = 0o660;
const RO = 0o440;
const EXEC = 0o110;
const SETGID = 0o2000;

export interface OwnershipOptions {
  readOnly?: boolean;
  /** 'Always' (the default) or 'OnRootMismatch'. */
  policy?: string;
}

/** True when the root of the volume does not yet show the group and bits applyFsGroup would give it. */
export async function rootNeedsChange(dir: string, fsGroup: number, readOnly = false): Promise<boolean> {
  const st = await fs.stat(dir);
  if (st.gid !== fsGroup) return true;
  let want = readOnly ? RO : RW;
  if (st.isDirectory()) {
    if ((st.mode & SETGID) === 0) return true;
    want |= EXEC;
  }
  return (st.mode & want) !== want;
}

/** Gives the volume at `dir` to `fsGroup`; returns how many entries were changed (0 when skipped). */
export async function applyFsGroup(dir: string, fsGroup: number, opts: OwnershipOptions = {}): Promise<number> {
  if (opts.policy === 'OnRootMismatch' && !(await rootNeedsChange(dir, fsGroup, opts.readOnly))) return 0;
  const mask = opts.readOnly ? RO : RW;
  let changed = 0;
  const visit = async (p: string): Promise<void> => {
    const st = await fs.lstat(p);
    // Symlinks are given the group but never followed: the target may be outside the volume.
    await fs.lchown(p, -1, fsGroup);
    changed++;
    if (st.isSymbolicLink()) return;
    const perm = st.mode & 0o7777;
    await fs.chmod(p, st.isDirectory() ? perm | mask | EXEC | SETGID : perm | mask);
    if (!st.isDirectory()) return;
    for (const name of await fs.readdir(p)) await visit(path.join(p, name));
  };
  await visit(dir);
  return changed;
}
