/** tmpfs mounts for memory-backed emptyDirs and for secret and projected volumes. */
import path from 'node:path';
import { mountsUnder, readMounts, run } from '../runtime/host.js';

export function isMountPoint(dir: string): boolean {
  const p = path.resolve(dir);
  return readMounts().some((m) => m.mountPoint === p);
}

export function isTmpfsMount(dir: string): boolean {
  const p = path.resolve(dir);
  return readMounts().some((m) => m.mountPoint === p && m.fsType === 'tmpfs');
}

/** Mounts a tmpfs on `dir` unless one is already there; `sizeBytes` caps it. */
export async function mountTmpfs(dir: string, opts: { sizeBytes?: number; mode?: number } = {}): Promise<void> {
  if (isTmpfsMount(dir)) return;
  const o = [`mode=${(opts.mode ?? 0o755).toString(8).padStart(4, '0')}`];
  if (opts.sizeBytes !== undefined && opts.sizeBytes > 0) o.push(`size=${opts.sizeBytes}`);
  // nosuid,nodev: nothing in a volume should become a device or a setuid binary on the host.
  await run('mount', ['-t', 'tmpfs', '-o', ['nosuid', 'nodev', ...o].join(','), 'tmpfs', dir]);
}

/** Unmounts everything at or under `dir`, deepest first; returns the mount points left. */
export async function unmountUnder(dir: string): Promise<string[]> {
  for (let round = 0; round < 3; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return [];
    for (const p of points) {
      try {
        await run('umount', [p]);
      } catch {
        // Busy (a container still holds it): detach it; the memory goes when the last user does.
        await run('umount', ['-l', p]).catch(() => undefined);
      }
    }
  }
  return mountsUnder(dir);
}
