/**
 * Small host facts and clean-up steps the supervisor needs: mounts under a directory,
 * processes found by their command line, cgroup trees, network devices. Processes are only
 * ever signalled by PID, after checking what they are.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Runs a command; resolves with stdout, rejects with an Error carrying stderr. */
export function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(new Error(`${cmd} ${args.join(' ')}: ${(stderr || err.message).trim()}`), { stderr, code: (err as any).code }));
      else resolve(stdout);
    });
  });
}

/** Decodes the octal escapes (\040 for a space) of /proc/self/mountinfo paths. */
const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export interface MountEntry {
  mountPoint: string;
  fsType: string;
}

export function readMounts(): MountEntry[] {
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [left, right] = line.split(' - ');
    const fields = left.split(' ');
    out.push({ mountPoint: unescapeMount(fields[4]), fsType: (right ?? '').split(' ')[0] });
  }
  return out;
}

const isUnder = (p: string, dir: string) => p === dir || p.startsWith(`${dir.replace(/\/+$/, '')}/`);

/** Mount points at or under `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const root = path.resolve(dir);
  const points = [...new Set(readMounts().map((m) => m.mountPoint).filter((p) => isUnder(p, root)))];
  return points.sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/** Unmounts everything under `dir` (rootfs overlays, netns and shm binds); lazily if busy. */
export async function unmountAllUnder(dir: string): Promise<string[]> {
  const failed: string[] = [];
  for (let round = 0; round < 3; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return [];
    for (const p of points) {
      try {
        await run('umount', [p]);
      } catch {
        try {
          await run('umount', ['-l', p]);
        } catch (err) {
          if (round === 2) failed.push(`${p}: ${(err as Error).message}`);
        }
      }
    }
  }
  return failed.length ? failed : mountsUnder(dir);
}

/** NUL-separated argv of a process, or undefined if it is gone. */
export function processArgv(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); it is gone for our purposes.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** PIDs whose argv satisfies `match`. */
export function findProcesses(match: (argv: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const argv = processArgv(pid);
    if (argv && argv.length && match(argv)) pids.push(pid);
  }
  return pids;
}

/** Sends `signal` to each PID (ignoring ones already gone). */
export function signalPids(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Waits until none of the PIDs is alive; false on timeout. */
export async function waitForExit(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(processAlive)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Mount points of every cgroup hierarchy (v1 controllers, named, and the v2 unified one). */
export function cgroupMountPoints(): string[] {
  return [...new Set(readMounts().filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2').map((m) => m.mountPoint))];
}

/** Existing directories of the cgroup `rel` (e.g. `/orch-x/pod1`) across all hierarchies. */
export function cgroupDirs(rel: string): string[] {
  return cgroupMountPoints()
    .map((mp) => path.join(mp, rel))
    .filter((d) => fs.existsSync(d));
}

function cgroupTreeBottomUp(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
    out.push(d);
  };
  walk(dir);
  return out;
}

/** PIDs in the cgroup tree `rel` in any hierarchy. */
export function pidsInCgroup(rel: string): number[] {
  const pids = new Set<number>();
  for (const top of cgroupDirs(rel)) {
    for (const d of cgroupTreeBottomUp(top)) {
      try {
        for (const line of fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n')) if (line) pids.add(Number(line));
      } catch {
        // gone meanwhile
      }
    }
  }
  return [...pids];
}

/**
 * Removes the cgroup tree `rel` (e.g. `/orch-x` or `/orch-x/pod<uid>`) from every hierarchy,
 * deepest first. With `killProcesses`, processes still inside are SIGKILLed by PID first.
 * Returns the directories that could not be removed.
 */
export async function removeCgroupTree(rel: string, options: { killProcesses?: boolean; timeoutMs?: number } = {}): Promise<string[]> {
  if (!rel.startsWith('/') || rel === '/' || rel.includes('..')) throw new Error(`refusing to remove cgroup ${JSON.stringify(rel)}`);
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    if (options.killProcesses) {
      const pids = pidsInCgroup(rel);
      signalPids(pids, 'SIGKILL');
      if (pids.length) await waitForExit(pids, 2000);
    }
    const left: string[] = [];
    for (const top of cgroupDirs(rel)) {
      for (const d of cgroupTreeBottomUp(top)) {
        try {
          fs.rmdirSync(d);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') left.push(d);
        }
      }
    }
    // A cgroup stays busy for a moment after its last process exits.
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(50);
  }
}

export const netDeviceExists = (name: string) => fs.existsSync(`/sys/class/net/${name}`);

/** Deletes a network device if present. */
export async function deleteNetDevice(name: string): Promise<void> {
  if (!netDeviceExists(name)) return;
  await run('ip', ['link', 'delete', name]);
}

/** Removes `dir` only if it is empty; true if it was removed. */
export function removeDirIfEmpty(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}
