/**
 * Imports image archives (OCI image layout or `docker save` tarballs) into the `k8s.io`
 * namespace of orch's containerd, where the CRI plugin finds them.
 *
 * This runs `ctr images import` (ctr ships in the same Debian package as containerd, so
 * the versions always match) rather than speaking containerd's gRPC API: an import is
 * content ingest + image records + unpacking every layer into the overlayfs snapshotter
 * (diff service, snapshot prepare/commit per layer) — containerd's client library does that
 * correctly and reimplementing it would be hundreds of lines to get subtly wrong. The cost is
 * one process spawn (~50 ms) per archive, paid at agent start or on `orch images import`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const DEFAULT_CTR = '/usr/bin/ctr';
/** The containerd namespace the CRI plugin uses. */
export const CRI_NAMESPACE = 'k8s.io';

export interface ImportOptions {
  /** containerd's gRPC socket. */
  socket: string;
  ctrPath?: string;
  /** Default 5 minutes (large archives unpack slowly on small disks). */
  timeoutMs?: number;
}

export interface ImportResult {
  file: string;
  /** Image names ctr reports as imported. */
  images: string[];
  ms: number;
}

export class ImageImportError extends Error {
  override name = 'ImageImportError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`importing ${file}: ${message}`);
  }
}

/** Image names in ctr's import output (`unpacking NAME (sha256:...)...done`). */
export function parseCtrImportOutput(out: string): string[] {
  const names: string[] = [];
  for (const m of out.matchAll(/^unpacking (\S+) \(sha256:[0-9a-f]+\)/gm)) names.push(m[1]);
  return names;
}

/** Imports one archive; rejects with ImageImportError carrying ctr's message. */
export async function importImage(file: string, options: ImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const ctr = options.ctrPath ?? DEFAULT_CTR;
  const abs = path.resolve(file);
  try {
    await fs.promises.access(abs, fs.constants.R_OK);
  } catch {
    throw new ImageImportError(abs, 'file not found or not readable');
  }
  // No --all-platforms: an archive holding a multi-arch index but only this machine's blobs
  // (what `ctr export` and friends write by default) would fail to import with it.
  const args = ['--address', options.socket, '--namespace', CRI_NAMESPACE, 'images', 'import', '--snapshotter', 'overlayfs', abs];
  const out = await new Promise<string>((resolve, reject) => {
    execFile(ctr, args, { timeout: options.timeoutMs ?? 300_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const why = (stderr || err.message).trim().split('\n').slice(-3).join(' ');
        reject(new ImageImportError(abs, (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${ctr} not found: apt-get install containerd` : why));
      } else resolve(stdout + stderr);
    });
  });
  return { file: abs, images: parseCtrImportOutput(out), ms: Date.now() - started };
}

/**
 * Imports every `*.tar` in a directory (sorted by name), e.g. an air-gapped images folder.
 * A missing directory imports nothing; a bad archive rejects naming the file.
 */
export async function importImageDir(dir: string, options: ImportOptions): Promise<ImportResult[]> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const results: ImportResult[] = [];
  for (const name of names.filter((n) => n.endsWith('.tar')).sort()) {
    results.push(await importImage(path.join(dir, name), options));
  }
  return results;
}
