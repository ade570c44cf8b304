/**
 * A volumeMount's subPath (or subPathExpr) on the host, with the kubelet's rules: relative,
 * no `..`; missing directories are created with the volume root's mode (the group and
 * setgid of an fsGroup volume carry down); symlinks inside the volume are followed only
 * while they stay inside it, so a container cannot plant a link that makes the next
 * container's mount point at the host. The kubelet closes the remaining window between this
 * check and the bind mount with an fd-based mount; orch checks and mounts the resolved path.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { VolumeMount as ContainerVolumeMount } from 'kubernetes-types/core/v1.js';
import { VolumeError } from './errors.js';

export interface EnvVar {
  key: string;
  value: string;
}

/** `$(VAR)` from the container's environment, `$$` escapes; an unknown reference stays as written (Kubernetes' expansion). */
export function expandSubPathExpr(expr: string, env: readonly EnvVar[]): string {
  const vars = new Map(env.map((e) => [e.key, e.value]));
  return expr.replace(/\$\$|\$\(([^)]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : (vars.get(name!) ?? m)));
}

/** The Kubernetes validation of a subPath: relative, and not climbing out of the volume. */
export function checkSubPath(sub: string): string | undefined {
  if (path.isAbsolute(sub)) return `${JSON.stringify(sub)}: must be a relative path`;
  if (sub.split('/').includes('..')) return `${JSON.stringify(sub)}: must not contain '..'`;
  if (sub.includes('\0')) return `${JSON.stringify(sub)}: must not contain NUL`;
  return undefined;
}

const isUnder = (p: string, root: string) => p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);

/** The subPath this mount asks for ('' when none), after expansion and validation. */
export function subPathOf(vm: ContainerVolumeMount, env: readonly EnvVar[]): string {
  const sub = vm.subPathExpr ? expandSubPathExpr(vm.subPathExpr, env) : (vm.subPath ?? '');
  const bad = sub ? checkSubPath(sub) : undefined;
  if (bad) throw new VolumeError('CreateContainerConfigError', `invalid subPath for volumeMount "${vm.name}": ${bad}`);
  return sub;
}

/**
 * Where on the host to bind for this mount: the volume itself, or its subPath resolved
 * inside it (created as a directory when missing).
 */
export async function resolveSubPath(volumeHostPath: string, vm: ContainerVolumeMount, env: readonly EnvVar[]): Promise<string> {
  const sub = subPathOf(vm, env);
  if (!sub) return volumeHostPath;
  const fail = (why: string) => new VolumeError('CreateContainerConfigError', `failed to prepare subPath ${JSON.stringify(sub)} for volumeMount "${vm.name}": ${why}`);
  const base = await fs.realpath(volumeHostPath);
  const rootMode = (await fs.stat(base)).mode & 0o7777;
  const parts = sub.split('/').filter((p) => p !== '' && p !== '.');
  let cur = base;
  for (let i = 0; i < parts.length; i++) {
    const next = path.join(cur, parts[i]);
    let st = await fs.lstat(next).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    if (!st) {
      try {
        await fs.mkdir(next);
        // mkdir's mode is cut by the umask; the kubelet gives new subPath dirs the root's mode.
        await fs.chmod(next, rootMode);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fail((err as Error).message);
      }
      st = await fs.lstat(next);
    }
    if (st.isSymbolicLink()) {
      const real = await fs.realpath(next).catch(() => undefined);
      if (!real || !isUnder(real, base)) throw fail(`${parts.slice(0, i + 1).join('/')} is a symlink that points outside the volume`);
      cur = real;
      st = await fs.stat(real);
    } else cur = next;
    if (i < parts.length - 1 && !st.isDirectory()) throw fail(`${parts.slice(0, i + 1).join('/')} is not a directory`);
  }
  return cur;
}
