/**
 * A volume's data on the node: a directory, or for a size-enforced volume an ext4 image of
 * exactly the requested size loop-mounted on that directory.
 *
 * Mount lifetime (decided for issue 6): an image is mounted when it is provisioned and
 * whenever a pod needs it (the volume manager calls prepareLocalVolume), and stays mounted
 * while the agent runs, used or not — a mounted idle ext4 costs one loop device and no I/O,
 * and remounting per pod would only add a window where the bare directory could be written.
 * A full agent stop unmounts every image (unmountVolumes) after the pods are gone; a stop
 * that keeps pods running keeps the mounts for them. Images are sparse: the size is a cap
 * the filesystem enforces, not disk space reserved up front.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { mountsUnder, readMounts, run } from '../runtime/host.js';
import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import { ANN_PROVISIONED_BY, imagePathFor, PROVISIONER } from './names.js';

/** Why volume data could not be made or removed; the message goes into an event. */
export class VolumeDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VolumeDataError';
  }
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

export function isMounted(dir: string): boolean {
  const p = path.resolve(dir);
  return readMounts().some((m) => m.mountPoint === p);
}

/**
 * Makes the volume's data; idempotent (an agent restart half-way just finishes the job).
 * The directory is world-writable as k3s's local-path volumes are: containers run as any
 * user; fsGroup narrows it per pod.
 */
export async function createVolumeData(dir: string, image?: { path: string; sizeBytes: number }): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o777 });
  if (image) {
    if (!(await exists(image.path))) await makeImage(image.path, image.sizeBytes);
    await ensureVolumeMounted(dir);
  }
  // Explicitly: mkdir's mode is cut by the umask, and a fresh ext4 root is 0755.
  await fs.chmod(dir, 0o777);
}

/** A fresh ext4 image, built under a temporary name so a crash never leaves a half-made one in place. */
async function makeImage(file: string, sizeBytes: number): Promise<void> {
  const tmp = `${file}.tmp`;
  await fs.rm(tmp, { force: true });
  try {
    await (await fs.open(tmp, 'w', 0o600)).close();
    await fs.truncate(tmp, sizeBytes);
    // -m 0: no blocks reserved for root, so the claim gets all of its size; nodiscard: the
    // file is already sparse.
    await run('mkfs.ext4', ['-q', '-F', '-m', '0', '-E', 'nodiscard', tmp], 120_000);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new VolumeDataError(`cannot make a ${sizeBytes}-byte ext4 image: ${(err as Error).message}`);
  }
}

/**
 * Mounts a size-enforced volume's image on its directory unless it already is; nothing for
 * a plain directory volume. The volume manager calls it before a pod uses `dir`, so a pod
 * never writes into the bare directory under an image that is not mounted (after a reboot).
 */
export async function ensureVolumeMounted(dir: string): Promise<void> {
  const image = imagePathFor(path.resolve(dir));
  if (!(await exists(image)) || isMounted(dir)) return;
  await fs.mkdir(dir, { recursive: true, mode: 0o777 });
  try {
    // nosuid,nodev: a volume must not become a way to put devices or setuid binaries on the host.
    await run('mount', ['-t', 'ext4', '-o', 'loop,nosuid,nodev', image, dir]);
  } catch (err) {
    throw new VolumeDataError(`cannot mount the volume image ${image}: ${(err as Error).message}`);
  }
}

/** For the volume manager: before a pod uses a local PV this node's provisioner made, mount its image if it has one. */
export async function prepareLocalVolume(pv: PersistentVolume): Promise<void> {
  // Only ours: an administrator's local PV is used as it is, whatever sits beside it.
  if (pv.metadata?.annotations?.[ANN_PROVISIONED_BY] !== PROVISIONER || !pv.spec?.local?.path) return;
  await ensureVolumeMounted(pv.spec.local.path);
}

/** Unmounts the image of a volume (its loop device goes with it: mount -o loop sets autoclear). */
async function unmountVolume(dir: string): Promise<void> {
  if (!isMounted(dir)) return;
  try {
    await run('umount', [dir]);
  } catch (err) {
    throw new VolumeDataError(`cannot unmount ${dir}: ${(err as Error).message}`);
  }
}

/** Removes a volume's data: unmount, image, directory. Never deletes through a mount that is still there. */
export async function removeVolumeData(dir: string): Promise<void> {
  await unmountVolume(dir);
  const left = mountsUnder(dir);
  if (left.length) throw new VolumeDataError(`refusing to delete ${dir}: still mounted at ${left.join(', ')}`);
  await fs.rm(imagePathFor(path.resolve(dir)), { force: true });
  await fs.rm(`${imagePathFor(path.resolve(dir))}.tmp`, { force: true });
  await fs.rm(dir, { recursive: true, force: true });
}

/** Unmounts every volume image under the storage dir (a full agent stop); returns what stayed mounted. */
export async function unmountVolumes(storageDir: string): Promise<string[]> {
  const left: string[] = [];
  for (const p of mountsUnder(storageDir)) {
    try {
      await run('umount', [p]);
    } catch {
      left.push(p);
    }
  }
  return left;
}
