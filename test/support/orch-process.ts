/**
 * Runs the real `orch` binary (bin/orch.js) as a child process for end-to-end tests, and
 * the real kubectl against it. Each server gets its own temp data dir; everything is
 * removed by `cleanup()`, and processes are ended by PID.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEtcd } from './etcd.js';
import { pickTestRanges } from './netns.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const ORCH_BIN = join(REPO, 'bin', 'orch.js');

export function findKubectl(): string {
  for (const p of (process.env.PATH ?? '').split(':')) {
    const k = join(p, 'kubectl');
    if (existsSync(k)) return k;
  }
  throw new Error('kubectl is not on PATH: end-to-end tests need the real kubectl v1.32 (install it, e.g. from the Kubernetes apt repository)');
}

export interface OrchServer {
  url: string;
  kubeconfig: string;
  dataDir: string;
  proc: ChildProcess;
  output(): string;
  kubectl(args: string[], opts?: { input?: string; env?: Record<string, string>; allowFail?: boolean }): Promise<KubectlResult>;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s, 60 s with a node) keeping its data. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same data dir (and etcd). */
  restart(): Promise<OrchServer>;
  cleanup(): Promise<void>;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface IsolatedNode {
  id: string;
  args: string[];
  nodeName: string;
  serviceCidr: string;
  clusterCidr: string;
  nodePortRange: [number, number];
  /** The ingress proxy's ports on 127.0.0.1. */
  ingressHttpPort: number;
  ingressHttpsPort: number;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolvePort(port));
    });
  });
}

/**
 * Flags that give a server's local node names and ranges of its own (cgroup and CNI
 * network, bridge, iptables chains, pod and service CIDRs, node ports, streaming port,
 * ingress ports on 127.0.0.1), so end-to-end tests can run servers with real nodes side by
 * side. Cluster DNS forwards other names to `dnsUpstream` (default: a closed port on
 * 127.0.0.1, so they fail at once) and never to the machine's resolvers.
 */
export async function isolatedNodeArgs(opts: { dnsUpstream?: string } = {}): Promise<IsolatedNode> {
  const r = await pickTestRanges({ clusterCidr: true });
  const [ingressHttpPort, ingressHttpsPort] = [await freePort(), await freePort()];
  const nodeName = `e2e-${r.id}`;
  const args = [
    '--node-name', nodeName,
    '--cluster-name', nodeName,
    '--bridge-name', `orch-${r.id}`,
    '--kubelet-port', '0',
    '--proxy-chain-prefix', `OE${r.id.toUpperCase()}-`,
    '--service-cidr', r.serviceCidr,
    '--cluster-cidr', r.clusterCidr!,
    '--service-node-port-range', `${r.nodePortRange[0]}-${r.nodePortRange[1]}`,
    '--ingress-bind-address', '127.0.0.1',
    '--ingress-http-port', String(ingressHttpPort),
    '--ingress-https-port', String(ingressHttpsPort),
    '--dns-upstream', opts.dnsUpstream ?? `127.0.0.1:${await freePort()}`,
  ];
  return { id: r.id, args, nodeName, serviceCidr: r.serviceCidr, clusterCidr: r.clusterCidr!, nodePortRange: r.nodePortRange, ingressHttpPort, ingressHttpsPort };
}

export interface OrchServerOptions {
  backend?: 'sqlite' | 'etcd';
  dataDir?: string;
  etcd?: { endpoint: string; stop(): Promise<void> };
  /**
   * Run the local node (containerd, proxy...) with these flags, e.g. from
   * isolatedNodeArgs(); absent: `--disable-agent`.
   */
  nodeArgs?: string[];
  /** Last, so they override the defaults. */
  extraArgs?: string[];
}

export async function startOrchServer(opts: OrchServerOptions = {}): Promise<OrchServer> {
  const kubectlPath = findKubectl();
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'orch-e2e-')));
  const etcd = opts.backend === 'etcd' ? (opts.etcd ?? (await startEtcd())) : undefined;
  const args = [ORCH_BIN, 'server', '--data-dir', dataDir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', ...(opts.nodeArgs ?? ['--disable-agent']), '--log-level', 'warn', ...(opts.extraArgs ?? [])];
  if (etcd) args.push('--datastore-endpoint', etcd.endpoint);
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const startup = new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`orch server did not start within 30 s:\n${out}`)), 30_000);
    const onData = () => {
      const m = /ready at (https:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`orch server exited with ${code} before it was ready:\n${out}`));
    });
  });
  let url: string;
  try {
    url = await startup;
  } catch (err) {
    // Leave nothing behind when the server never came up: the child, its etcd, its data.
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    }
    if (!opts.etcd) await etcd?.stop();
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const cacheDir = join(dataDir, 'kubectl-cache');
  let stopped = false;
  const server: OrchServer = {
    url,
    kubeconfig,
    dataDir,
    proc,
    output: () => out,
    kubectl(kargs, kopts = {}) {
      return new Promise((resolveRun) => {
        const child = execFile(
          kubectlPath,
          [`--kubeconfig=${kubeconfig}`, `--cache-dir=${cacheDir}`, ...kargs],
          { env: { ...process.env, ...kopts.env }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
          (err, stdout, stderr) => {
            const code = err ? ((err as any).code ?? 1) : 0;
            resolveRun({ code: typeof code === 'number' ? code : 1, stdout: String(stdout), stderr: String(stderr) });
          },
        );
        if (kopts.input !== undefined) child.stdin!.end(kopts.input);
        else child.stdin!.end();
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (stopped) return;
      stopped = true;
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill(signal);
      // A server with a node stops every pod (grace periods) and cleans the host first.
      const t = setTimeout(() => proc.kill('SIGKILL'), opts.nodeArgs ? 60_000 : 10_000);
      await exited;
      clearTimeout(t);
    },
    async restart() {
      await server.stop();
      return startOrchServer({ ...opts, dataDir, etcd });
    },
    async cleanup() {
      await server.stop();
      await etcd?.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

export async function readKubeconfigToken(path: string): Promise<string> {
  const text = await readFile(path, 'utf8');
  return /token: (\S+)/.exec(text)?.[1] ?? '';
}
