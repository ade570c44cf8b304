/**
 * The real `orch server` binary as a child process, for memory measurements: started on a
 * temp data dir, read through /proc/<pid>/status, stopped by PID.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Target } from './api-load.js';

// dist/bench/server-process.js -> repo root
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ORCH_BIN = join(REPO, 'bin', 'orch.js');

export interface ServerProcess {
  pid: number;
  target: Target;
  /** Resident and peak resident set size in MiB. */
  memory(): Promise<{ rssMiB: number; hwmMiB: number }>;
  /** User + system CPU time the process has used so far. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/** `orch server --help`, to find out which flags this build has. */
export function serverHelp(): Promise<string> {
  return new Promise((res) => {
    execFile(process.execPath, [ORCH_BIN, 'server', '--help'], { timeout: 30_000 }, (_err, stdout, stderr) => res(`${stdout}${stderr}`));
  });
}

export async function startServerProcess(etcdEndpoint?: string, extraArgs: string[] = []): Promise<ServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'orch-bench-server-'));
  const args = [ORCH_BIN, 'server', '--data-dir', dataDir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--disable-agent'];
  if (etcdEndpoint) args.push('--datastore-endpoint', etcdEndpoint);
  args.push(...extraArgs);
  const proc: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  // An interrupted benchmark must not leave the server or its data behind.
  const killOnExit = () => {
    proc.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
      process.kill(proc.pid, 'SIGTERM');
      const t = setTimeout(() => proc.pid !== undefined && proc.exitCode === null && process.kill(proc.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`orch server did not start within 30 s:\n${out}`)), 30_000);
      const onData = (d: Buffer) => {
        out = (out + d.toString()).slice(-8000);
        const m = /ready at (https:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          res(m[1]);
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        rej(new Error(`orch server exited with ${code} before it was ready:\n${out}`));
      });
    });
    const tls = join(dataDir, 'tls');
    const target: Target = { url, ca: await readFile(join(tls, 'ca.crt'), 'utf8'), token: (await readFile(join(tls, 'admin.token'), 'utf8')).trim() };
    return { pid: proc.pid!, target, memory: () => readMemory(proc.pid!), cpuSeconds: () => readCpuSeconds(proc.pid!), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function readMemory(pid: number): Promise<{ rssMiB: number; hwmMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
}

// Clock ticks per second for /proc/<pid>/stat times: 100 on every Linux Node supports.
const CLK_TCK = 100;

async function readCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}
