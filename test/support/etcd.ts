/**
 * Starts a throwaway single-member etcd (the Debian etcd-server binary) for tests and
 * benchmarks: loopback-only ports, a temp data dir, stopped by PID.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface EtcdServer {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

const ETCD_BINARY = '/usr/bin/etcd';
const HEALTH_TIMEOUT_MS = 30_000;

/** A port the kernel just handed out on loopback; etcd binds it right after. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

export async function startEtcd(): Promise<EtcdServer> {
  if (!fs.existsSync(ETCD_BINARY)) {
    throw new Error(`${ETCD_BINARY} not found: install it with \`apt-get install etcd-server\``);
  }
  const dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orch-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  // etcd 3.4 refuses to start on anything but amd64 unless told the arch is on purpose.
  if (process.arch !== 'x64') env.ETCD_UNSUPPORTED_ARCH = process.arch;
  const child = spawn(
    ETCD_BINARY,
    [
      '--name=default',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      '--logger=zap',
      '--log-outputs=stderr',
      '--log-level=warn',
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  // A test runner that dies without calling stop() must not leave etcd behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (running && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => running && child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await fs.promises.rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (!(await healthy(endpoint))) {
    if (!running || Date.now() > deadline) {
      await stop();
      throw new Error(`etcd did not become healthy at ${endpoint}${running ? '' : ' (it exited)'}:\n${log}`);
    }
    await sleep(50);
  }
  return { endpoint, pid: child.pid!, stop };
}
