/**
 * Start-up checks: everything the node runtime needs from the host, each problem named with
 * the command that fixes it. Run before anything is written or started.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cidrsOverlap, parseCidr } from './cni-config.js';
import { run } from './host.js';
import { MAX_SOCKET_PATH } from './paths.js';

export interface PreflightInput {
  containerdPath: string;
  ctrPath: string;
  cniBinDir: string;
  busyboxPath: string;
  socketPath: string;
  podCidr: string;
  bridgeName: string;
}

export class PreflightError extends Error {
  override name = 'PreflightError';
  constructor(readonly problems: string[]) {
    super(`the node cannot run containers:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** CNI plugins the generated conflist uses, plus loopback (containerd sets up `lo` with it). */
export const REQUIRED_CNI_PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'];

const executable = (p: string) => {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

/** The first executable `name` on PATH (or the usual sbin dirs, which root's PATH may lack). */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const d of dirs) if (executable(path.join(d, name))) return path.join(d, name);
  return undefined;
}

/** Routes of the host (IPv4, main table) other than the default route. */
async function hostRoutes(): Promise<{ dst: string; dev: string }[]> {
  const out = await run('ip', ['-4', '-o', 'route', 'show', 'table', 'main']);
  const routes: { dst: string; dev: string }[] = [];
  for (const line of out.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (!words[0] || words[0] === 'default') continue;
    const dev = words[words.indexOf('dev') + 1] ?? '';
    routes.push({ dst: words[0].includes('/') ? words[0] : `${words[0]}/32`, dev });
  }
  return routes;
}

/** All problems found (empty when the host is ready). */
export async function preflight(input: PreflightInput): Promise<string[]> {
  const problems: string[] = [];
  if (process.platform !== 'linux') return [`orch runs containers on Linux only (this is ${process.platform})`];
  if (process.getuid?.() !== 0) problems.push('must run as root (containerd, CNI and cgroups need it): run orch with sudo');
  if (!executable(input.containerdPath)) problems.push(`containerd not found at ${input.containerdPath}: apt-get install containerd`);
  if (!executable(input.ctrPath)) problems.push(`ctr not found at ${input.ctrPath} (it comes with containerd): apt-get install containerd`);
  if (!which('containerd-shim-runc-v2')) problems.push('containerd-shim-runc-v2 not found on PATH: apt-get install containerd');
  if (!which('runc')) problems.push('runc not found on PATH: apt-get install runc');
  const missing = REQUIRED_CNI_PLUGINS.filter((p) => !executable(path.join(input.cniBinDir, p)));
  if (missing.length) problems.push(`CNI plugins missing in ${input.cniBinDir} (${missing.join(', ')}): apt-get install containernetworking-plugins`);
  if (!which('iptables')) problems.push('iptables not found (the pod FORWARD rules and the portmap CNI plugin need it): apt-get install iptables');
  if (!which('ip')) problems.push('ip not found: apt-get install iproute2');
  if (!which('umount')) problems.push('umount not found: apt-get install mount');
  if (!executable(input.busyboxPath)) problems.push(`static busybox not found at ${input.busyboxPath} (the pause image is built from it): apt-get install busybox-static`);
  try {
    if (!/\toverlay$/m.test(fs.readFileSync('/proc/filesystems', 'utf8'))) problems.push('the overlay filesystem is not available: modprobe overlay');
  } catch {
    problems.push('cannot read /proc/filesystems: is /proc mounted?');
  }
  try {
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    if (!/ - cgroup2? /.test(mounts)) problems.push('no cgroup filesystem is mounted (expected under /sys/fs/cgroup): mount cgroups, e.g. apt-get install cgroupfs-mount && cgroupfs-mount');
  } catch {
    problems.push('cannot read /proc/self/mountinfo');
  }
  if (Buffer.byteLength(`${input.socketPath}.ttrpc`) > MAX_SOCKET_PATH) {
    problems.push(`the data dir is too deep for a unix socket (${input.socketPath}.ttrpc is over ${MAX_SOCKET_PATH} bytes): choose a shorter --data-dir`);
  }
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(input.bridgeName)) problems.push(`bridge name ${JSON.stringify(input.bridgeName)} must be 1-15 letters, digits, '.', '_' or '-'`);
  let cidr;
  try {
    cidr = parseCidr(input.podCidr);
  } catch (err) {
    problems.push(`pod CIDR: ${(err as Error).message}`);
  }
  if (cidr && which('ip')) {
    try {
      for (const r of await hostRoutes()) {
        if (r.dev === input.bridgeName) continue;
        let dst;
        try {
          dst = parseCidr(r.dst);
        } catch {
          continue;
        }
        if (cidrsOverlap(cidr, dst)) problems.push(`pod CIDR ${input.podCidr} overlaps the host route ${r.dst} on ${r.dev}: choose another pod CIDR`);
      }
    } catch (err) {
      problems.push(`cannot list routes: ${(err as Error).message}`);
    }
  }
  return problems;
}
