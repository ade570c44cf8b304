/**
 * The atomic writer scheme of the kubelet for configMap, secret, downwardAPI and projected
 * volumes. The files live in a timestamped directory `..<ts>`; `..data` is a symlink to it;
 * every top-level user-visible name is a symlink through `..data`. An update writes a new
 * timestamped directory, then swaps `..data` with one rename(2), so a reader in the
 * container sees either the old set of files or the new one, never a mix.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export const DATA_LINK = '..data';
const TMP_LINK = '..data_tmp';

export interface FileProjection {
  data: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** Path -> file, paths relative to the volume directory. */
export type Payload = Map<string, FileProjection>;

export interface WriteOptions {
  /** With a pod fsGroup: files and directories get this group, group read and setgid dirs. */
  fsGroup?: number;
}

/** The mode a file really gets: fsGroup adds group read, as the kubelet's SetVolumeOwnership does for read-only volumes. */
export const effectiveFileMode = (mode: number, fsGroup?: number): number => (fsGroup === undefined ? mode & 0o7777 : (mode | 0o440) & 0o7777);
const dirMode = (fsGroup?: number): number => (fsGroup === undefined ? 0o755 : 0o2755);

/** Rejects paths that could escape the volume; messages follow the kubelet's. */
export function validatePath(p: string): void {
  if (p === '') throw new Error('invalid path: must not be empty');
  if (p.length > 4096) throw new Error(`invalid path: must be less than or equal to 4096 characters`);
  if (path.isAbsolute(p)) throw new Error(`invalid path: must be relative path: ${p}`);
  const parts = p.split('/');
  for (const part of parts) if (part.length > 255) throw new Error('invalid path: must not contain a segment longer than 255 characters');
  if (parts.includes('..')) throw new Error(`invalid path: must not contain '..': ${p}`);
  if (p.startsWith('..')) throw new Error(`invalid path: must not start with '..': ${p}`);
}

/** Normalises `a//b/` to `a/b` so that comparisons with what is on disk hold. */
const clean = (p: string) => path.posix.normalize(p).replace(/\/+$/, '');

async function readLinkOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await fs.readlink(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EINVAL') return undefined;
    throw err;
  }
}

/** Every regular file under `dir`, as relative paths. */
async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, r)));
    else out.push(r);
  }
  return out;
}

/** True if the data directory already holds exactly this payload (contents and modes). */
async function sameAsOnDisk(dataDir: string, payload: Payload, fsGroup?: number): Promise<boolean> {
  let files: string[];
  try {
    files = await listFiles(dataDir);
  } catch {
    return false;
  }
  if (files.length !== payload.size) return false;
  for (const [p, f] of payload) {
    const full = path.join(dataDir, p);
    try {
      const st = await fs.lstat(full);
      if (!st.isFile() || (st.mode & 0o7777) !== effectiveFileMode(f.mode, fsGroup)) return false;
      if (fsGroup !== undefined && st.gid !== fsGroup) return false;
      if (!(await fs.readFile(full)).equals(f.data)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** `..2026_11_27_23_50_01.` — the kubelet's timestamp layout, so operators recognise it. */
function timestampPrefix(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

/**
 * Makes `dir` hold exactly `payload`, atomically. Returns false when nothing changed (the
 * payload is already there), true when a new data directory was swapped in.
 */
export async function writeAtomic(dir: string, payload: Payload, opts: WriteOptions = {}): Promise<boolean> {
  const clean_ = new Map<string, FileProjection>();
  for (const [p, f] of payload) {
    validatePath(p);
    clean_.set(clean(p), f);
  }
  payload = clean_;
  await fs.mkdir(dir, { recursive: true });

  const oldTs = await readLinkOrUndefined(path.join(dir, DATA_LINK));
  if (oldTs && (await sameAsOnDisk(path.join(dir, oldTs), payload, opts.fsGroup))) {
    // Contents are right; still make sure every user-visible link exists (a crash between
    // the swap and the links would otherwise leave them missing for good).
    await linkUserVisible(dir, payload);
    return false;
  }

  const tsDir = await fs.mkdtemp(path.join(dir, timestampPrefix()));
  try {
    await fs.chmod(tsDir, dirMode(opts.fsGroup));
    if (opts.fsGroup !== undefined) await fs.chown(tsDir, -1, opts.fsGroup);
    for (const [p, f] of payload) {
      const full = path.join(tsDir, p);
      const parent = path.dirname(full);
      if (parent !== tsDir) {
        await fs.mkdir(parent, { recursive: true, mode: 0o755 });
        // mkdir honours the umask and makes intermediate dirs without group: set them here.
        for (let d = parent; d !== tsDir; d = path.dirname(d)) {
          await fs.chmod(d, dirMode(opts.fsGroup));
          if (opts.fsGroup !== undefined) await fs.chown(d, -1, opts.fsGroup);
        }
      }
      await fs.writeFile(full, f.data);
      if (opts.fsGroup !== undefined) await fs.chown(full, -1, opts.fsGroup);
      // chmod after chown: chown clears setuid/setgid bits.
      await fs.chmod(full, effectiveFileMode(f.mode, opts.fsGroup));
    }
  } catch (err) {
    await fs.rm(tsDir, { recursive: true, force: true });
    throw err;
  }

  const tmpLink = path.join(dir, TMP_LINK);
  await fs.rm(tmpLink, { force: true });
  await fs.symlink(path.basename(tsDir), tmpLink);
  await fs.rename(tmpLink, path.join(dir, DATA_LINK));

  await linkUserVisible(dir, payload);
  // Old data directories (the previous one, and any a crash left behind) go after the swap.
  const wanted = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const name of await fs.readdir(dir)) {
    const full = path.join(dir, name);
    if (name.startsWith('..')) {
      if (name !== DATA_LINK && name !== path.basename(tsDir)) await fs.rm(full, { recursive: true, force: true });
    } else if (!wanted.has(name)) {
      await fs.rm(full, { recursive: true, force: true });
    }
  }
  return true;
}

/** `name` -> `..data/name` for each top-level name of the payload. */
async function linkUserVisible(dir: string, payload: Payload): Promise<void> {
  const tops = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const top of tops) {
    const link = path.join(dir, top);
    const target = path.join(DATA_LINK, top);
    const cur = await readLinkOrUndefined(link);
    if (cur === target) continue;
    await fs.rm(link, { recursive: true, force: true });
    await fs.symlink(target, link);
  }
}
