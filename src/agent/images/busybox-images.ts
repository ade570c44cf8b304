/**
 * The images orch builds itself from the static busybox (Debian busybox-static), so a node
 * needs no registry: the pause image every sandbox runs, and a small test image.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TarEntry } from './tar.js';
import { buildOciArchive, type BuiltImage } from './oci-layout.js';

/** The sandbox ("pause") image containerd is pinned to. */
export const PAUSE_IMAGE = 'orch.local/pause:1';
/** A test image with busybox's applets: sh, httpd, sleep, cat, nc, wget, ... */
export const BUSYBOX_IMAGE = 'orch.local/busybox:1';
export const DEFAULT_BUSYBOX = '/usr/bin/busybox';

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The pause process: a shell as PID 1 that exits 0 on SIGTERM/SIGINT (PID 1 ignores signals
 * it has no handler for, so a bare `sleep` would sit out the whole grace period) and
 * otherwise waits forever. Its `sleep` child dies with the PID namespace.
 */
export const PAUSE_COMMAND = ['/bin/sh', '-c', "trap 'exit 0' TERM INT; sleep 2147483647 & wait"];

export class BusyboxMissingError extends Error {
  constructor(p: string) {
    super(`static busybox not found at ${p}: apt-get install busybox-static`);
  }
}

function readBusybox(busybox: string): Buffer {
  if (!fs.existsSync(busybox)) throw new BusyboxMissingError(busybox);
  return fs.readFileSync(busybox);
}

/** The applets this busybox was built with (`busybox --list`), sorted. */
export function busyboxApplets(busybox = DEFAULT_BUSYBOX): string[] {
  const out = execFileSync(busybox, ['--list'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'busybox' && /^[A-Za-z0-9_.[\]-]+$/.test(s))
    .sort();
}

function baseRootfs(binary: Buffer, applets: string[], extra: TarEntry[] = []): TarEntry[] {
  return [
    { type: 'dir', path: 'bin' },
    { type: 'file', path: 'bin/busybox', data: binary, mode: 0o755 },
    ...applets.map((a): TarEntry => ({ type: 'symlink', path: `bin/${a}`, target: 'busybox' })),
    { type: 'dir', path: 'etc' },
    { type: 'file', path: 'etc/group', data: Buffer.from('root:x:0:\nnobody:x:65534:\n') },
    { type: 'file', path: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n') },
    { type: 'dir', path: 'root', mode: 0o700 },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    ...extra,
  ];
}

export function buildPauseImage(busybox = DEFAULT_BUSYBOX): BuiltImage {
  return buildOciArchive({
    ref: PAUSE_IMAGE,
    rootfs: baseRootfs(readBusybox(busybox), ['sh', 'sleep']),
    config: { Entrypoint: PAUSE_COMMAND, Env: [PATH_ENV], WorkingDir: '/' },
    createdBy: 'orch images: pause from busybox-static',
  });
}

/** busybox with every applet in /bin, and /var/www/index.html for `httpd -h /var/www`. */
export function buildBusyboxImage(busybox = DEFAULT_BUSYBOX): BuiltImage {
  return buildOciArchive({
    ref: BUSYBOX_IMAGE,
    rootfs: baseRootfs(readBusybox(busybox), busyboxApplets(busybox), [
      { type: 'dir', path: 'var' },
      { type: 'dir', path: 'var/www' },
      { type: 'file', path: 'var/www/index.html', data: Buffer.from('hello from orch.local/busybox\n') },
    ]),
    config: { Cmd: ['sh'], Env: [PATH_ENV], WorkingDir: '/' },
    createdBy: 'orch images: busybox-static',
  });
}

/**
 * A stand-in web server under any name (tests and benchmarks serve it as
 * `docker.io/library/nginx:1.7.9` from a local registry): busybox httpd on port 80 whose
 * index page names the pod it runs in (its hostname), so a client can tell replicas apart.
 * As in pause, PID 1 is a shell that exits on SIGTERM: pods stop at once, not after the
 * grace period.
 */
export function buildWebImage(ref: string, busybox = DEFAULT_BUSYBOX): BuiltImage {
  const script = [
    `printf 'Welcome to nginx! (orch stand-in: busybox httpd)\\nhostname: %s\\n' "$(hostname)" > /var/www/index.html`,
    "trap 'exit 0' TERM INT",
    'httpd -f -p 80 -h /var/www & wait',
  ].join('; ');
  return buildOciArchive({
    ref,
    rootfs: baseRootfs(readBusybox(busybox), busyboxApplets(busybox), [
      { type: 'dir', path: 'var' },
      { type: 'dir', path: 'var/www' },
    ]),
    config: { Entrypoint: ['/bin/sh', '-c', script], Env: [PATH_ENV], WorkingDir: '/', ExposedPorts: { '80/tcp': {} } },
    createdBy: 'orch images: web server stand-in from busybox-static',
  });
}

/** File name an image's archive is written under: `orch.local/pause:1` -> `orch.local_pause_1.tar`. */
export const archiveFileName = (ref: string) => `${ref.replace(/[/:]/g, '_')}.tar`;

/** Writes the pause and busybox archives into `outDir`; returns what was written. */
export async function writeBuiltinImages(outDir: string, busybox = DEFAULT_BUSYBOX): Promise<{ ref: string; file: string; bytes: number }[]> {
  await fs.promises.mkdir(outDir, { recursive: true });
  const written = [];
  for (const image of [buildPauseImage(busybox), buildBusyboxImage(busybox)]) {
    const file = path.join(outDir, archiveFileName(image.ref));
    await fs.promises.writeFile(file, image.archive);
    written.push({ ref: image.ref, file, bytes: image.archive.length });
  }
  return written;
}
