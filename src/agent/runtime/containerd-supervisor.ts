/**
 * ContainerdSupervisor: runs the node's own containerd as a child process and keeps it
 * running.
 *
 * Start: check the host (preflight.ts), write containerd's config, the CNI conflist and
 * registry hosts under the data dir (CNI first: containerd reads it once), start
 * `containerd --config`, wait until the CRI answers, import the pause image if missing and
 * any air-gapped images. While running: if containerd dies it is started again with
 * back-off; running containers survive (their shims are separate processes) and containerd
 * recovers them. Stop: kill containerd by PID; with `removeState` also tear down every pod
 * and remove what this node created on the host (mounts, bridge, iptables rules, CNI cache,
 * cgroups, data).
 *
 * Everything host-visible is named after the cluster: network `orch-<cluster>`, cgroups
 * under `/orch-<cluster>`, the bridge given. See NODE-RUNTIME.md for why each setting is so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../machinery/log.js';
import { CriClient, type CriClientOptions } from '../cri/cri-client.js';
import { isCriNotFound } from '../cri/cri-errors.js';
import { buildPauseImage, DEFAULT_BUSYBOX, PAUSE_IMAGE } from '../images/busybox-images.js';
import { DEFAULT_CTR, importImage, importImageDir, type ImportResult } from '../images/import.js';
import { cleanupCniIptables, existingSharedChains, removeCniResults } from './cni-cleanup.js';
import { parseCidr, renderCniConflist } from './cni-config.js';
import { ensurePodForwardRules, removePodForwardRules } from './pod-forward.js';
import { renderContainerdConfig } from './containerd-config.js';
import { findProcesses, mountsUnder, netDeviceExists, deleteNetDevice, processAlive, processArgv, removeCgroupTree, removeDirIfEmpty, signalPids, unmountAllUnder, waitForExit, cgroupDirs } from './host.js';
import { CNI_STATE_DIR, loadOrRecordHostState, SHIM_SOCKET_DIR, SHIM_SOCKET_PARENT, updateOrchChains, type HostState } from './host-state.js';
import { runtimePaths, type RuntimePaths } from './paths.js';
import { PreflightError, preflight } from './preflight.js';
import { renderRegistryAuthToml, writeRegistryHosts, type RegistriesConfig } from './registries.js';

export interface ContainerdSupervisorOptions {
  /** The agent's data dir; the runtime uses `<dataDir>/containerd`, `<dataDir>/cni`, `<dataDir>/pods`. */
  dataDir: string;
  /** Prefix of everything on the host: network `orch-<name>`, cgroups `/orch-<name>/...`. */
  clusterName: string;
  /** The node's pod CIDR (IPv4), e.g. 10.244.1.0/24. */
  podCidr: string;
  /** The node's bridge device (at most 15 characters), e.g. `orch0`. */
  bridgeName: string;
  log: Logger;
  /** Registry mirrors / plain-HTTP registries (see registries.ts; `loadRegistriesFile`). */
  registries?: RegistriesConfig;
  /** Every `*.tar` here is imported at start (air-gapped images). */
  imagesDir?: string;
  /** What `run()` does when its signal aborts: `stop({ removeState })`. Default true. */
  removeStateOnStop?: boolean;
  containerdPath?: string;
  ctrPath?: string;
  cniBinDir?: string;
  busyboxPath?: string;
  /** containerd's own log level (its log is `<dataDir>/containerd/containerd.log`). Default warn. */
  containerdLogLevel?: string;
  /** How long containerd may take to answer after being started. Default 30 s. */
  startTimeoutMs?: number;
  /** Restart back-off after containerd dies: doubles from initialMs up to maxMs. */
  restartBackoff?: { initialMs?: number; maxMs?: number };
}

export interface StopOptions {
  /**
   * true: stop and remove every pod, then remove everything this node created (mounts,
   * bridge, iptables rules, CNI cache, cgroups, the runtime's data). false: only stop
   * containerd; pods keep running and the next supervisor on the same data dir recovers
   * them (agent restart).
   */
  removeState: boolean;
}

/** Host objects still present after a full stop (empty when all is clean). */
export interface StopReport {
  leftovers: string[];
}

export interface SupervisorTimings {
  /** From spawn to the CRI answering Version, last (re)start. */
  containerdStartMs?: number;
  /** Building and importing the pause image (undefined when it was already there). */
  pauseImageMs?: number;
  /** Whole start, preflight to ready. */
  startMs?: number;
  /** The last stop: removing pods through the CRI, stopping containerd, cleaning the host. */
  stop?: { podsMs: number; containerdMs: number; hostMs: number };
}

export type SupervisorState = 'new' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed';

const CLUSTER_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

export class ContainerdError extends Error {
  override name = 'ContainerdError';
}

/**
 * Events: 'exited' ({ pid, code, signal }) when containerd dies unexpectedly, 'restarted'
 * ({ pid, restarts }) once the new one answers.
 */
export class ContainerdSupervisor extends EventEmitter {
  readonly paths: RuntimePaths;
  /** containerd's gRPC socket (CRI endpoint). */
  readonly socket: string;
  /** CNI network name; libcni's cache files start with it. */
  readonly networkName: string;
  /** Every pod's cgroup parent lies under this cgroupfs path. */
  readonly cgroupRoot: string;
  /** Resolves when containerd first answers and the pause image is in; rejects if start fails. */
  readonly ready: Promise<void>;
  readonly timings: SupervisorTimings = {};

  private readonly opts: ContainerdSupervisorOptions;
  private readonly log: Logger;
  private child?: ChildProcess;
  private childExited?: Promise<void>;
  private _state: SupervisorState = 'new';
  private _restarts = 0;
  private failures = 0;
  private startedAt = 0;
  private restartTimer?: NodeJS.Timeout;
  private runningWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private stopPromise?: Promise<StopReport>;
  private client?: CriClient;
  private hostState?: HostState;
  private touchedHost = false;
  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;

  constructor(options: ContainerdSupervisorOptions) {
    super();
    if (!CLUSTER_NAME.test(options.clusterName)) {
      throw new Error(`cluster name ${JSON.stringify(options.clusterName)} must be 1-40 lower-case letters, digits or '-' (it prefixes host objects)`);
    }
    if (!path.isAbsolute(options.dataDir)) throw new Error(`data dir must be absolute, got ${JSON.stringify(options.dataDir)}`);
    parseCidr(options.podCidr);
    this.opts = options;
    this.log = options.log.child({ component: 'containerd' });
    this.paths = runtimePaths(options.dataDir);
    this.socket = this.paths.socket;
    this.networkName = `orch-${options.clusterName}`;
    this.cgroupRoot = `/orch-${options.clusterName}`;
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined); // observed through run()'s rejection too
  }

  get state(): SupervisorState {
    return this._state;
  }

  /** PID of the current containerd, if one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How many times containerd was restarted after dying. */
  get restarts(): number {
    return this._restarts;
  }

  /** The supervisor's own CRI client (guarded like createCriClient's). Valid after `ready`. */
  get cri(): CriClient {
    this.client ??= this.createCriClient();
    return this.client;
  }

  /**
   * A new CRI client on this containerd. It refuses sandboxes whose cgroup parent is not
   * under `cgroupRoot` (use `podCgroupParent`). Close it when done.
   */
  createCriClient(options: Partial<CriClientOptions> = {}): CriClient {
    return new CriClient({ socket: this.socket, cgroupParentRoot: this.cgroupRoot, ...options });
  }

  /** The cgroup parent for a pod: `/orch-<cluster>/pod<uid>`. */
  podCgroupParent(podUid: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(podUid)) throw new Error(`pod uid ${JSON.stringify(podUid)} is not a uid`);
    return `${this.cgroupRoot}/pod${podUid}`;
  }

  /** The absolute log directory for a pod: `<dataDir>/pods/<namespace>_<name>_<uid>`. */
  podLogDirectory(namespace: string, name: string, uid: string): string {
    return path.join(this.paths.podLogs, `${namespace}_${name}_${uid}`);
  }

  /**
   * Removes a pod's cgroup directories in every hierarchy (containerd leaves them after
   * RemovePodSandbox). Call after RemovePodSandbox; processes still inside are killed.
   */
  async removePodCgroups(podUid: string): Promise<void> {
    const left = await removeCgroupTree(this.podCgroupParent(podUid), { killProcesses: true });
    if (left.length) throw new ContainerdError(`could not remove cgroups of pod ${podUid}: ${left.join(', ')}`);
  }

  /** Imports an image archive into containerd's k8s.io namespace. */
  importImage(file: string): Promise<ImportResult> {
    return importImage(file, { socket: this.socket, ctrPath: this.opts.ctrPath });
  }

  /** Imports every `*.tar` of a directory. */
  importImageDir(dir: string): Promise<ImportResult[]> {
    return importImageDir(dir, { socket: this.socket, ctrPath: this.opts.ctrPath });
  }

  /** Resolves when containerd is up: now, or after the restart in progress. */
  whenRunning(): Promise<void> {
    if (this._state === 'running') return Promise.resolve();
    if (this._state === 'stopping' || this._state === 'stopped' || this._state === 'failed') return Promise.reject(new ContainerdError(`containerd is ${this._state}`));
    return new Promise((resolve, reject) => this.runningWaiters.push({ resolve, reject }));
  }

  /**
   * Starts containerd, supervises it until `signal` aborts, then stops it (removing state
   * unless `removeStateOnStop` is false). Rejects if the start fails.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this._state !== 'new') throw new ContainerdError(`run() called twice (state ${this._state}); make a new supervisor`);
    try {
      await this.start();
    } catch (err) {
      this.rejectReady(err as Error);
      // Nothing to undo when the checks failed before anything was written or started.
      if (this.touchedHost) {
        await this.stop({ removeState: this.opts.removeStateOnStop ?? true }).catch((e) => this.log.error({ err: e }, 'clean-up after a failed start failed'));
      }
      this._state = 'failed';
      throw err;
    }
    this.resolveReady();
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    const report = await this.stop({ removeState: this.opts.removeStateOnStop ?? true });
    if (report.leftovers.length) this.log.warn({ leftovers: report.leftovers }, 'host objects left after stop');
  }

  private async start(): Promise<void> {
    const t0 = Date.now();
    this._state = 'starting';
    const p = this.paths;
    const problems = await preflight({
      containerdPath: this.containerdPath,
      ctrPath: this.opts.ctrPath ?? DEFAULT_CTR,
      cniBinDir: this.cniBinDir,
      busyboxPath: this.opts.busyboxPath ?? DEFAULT_BUSYBOX,
      socketPath: p.socket,
      podCidr: this.opts.podCidr,
      bridgeName: this.opts.bridgeName,
    });
    if (problems.length) throw new PreflightError(problems);

    this.touchedHost = true;
    await this.killLeftoverContainerd();
    for (const dir of [p.containerdDir, p.root, p.state, p.opt, p.runcRoot, p.cniConfDir, p.cniIpamDir, p.podLogs, p.builtImages]) {
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o711 });
    }
    this.hostState = await loadOrRecordHostState(p.hostState);
    // CNI config first: containerd loads it once at start (a later write proved fragile).
    await writeAtomic(p.cniConfFile, renderCniConflist({ networkName: this.networkName, bridgeName: this.opts.bridgeName, podCidr: this.opts.podCidr, ipamDataDir: p.cniIpamDir }));
    // Pod traffic through FORWARD, for the whole CIDR at once (no per-pod firewall plugin).
    await ensurePodForwardRules(this.opts.podCidr, this.networkName);
    await writeRegistryHosts(p.registryHosts, this.opts.registries ?? { mirrors: {}, configs: {} });
    const config = renderContainerdConfig({
      paths: p,
      sandboxImage: PAUSE_IMAGE,
      cniBinDir: this.cniBinDir,
      logLevel: this.opts.containerdLogLevel,
      registryAuthToml: this.opts.registries ? renderRegistryAuthToml(this.opts.registries) : '',
    });
    await writeAtomic(p.config, config, 0o600);

    await this.spawnContainerd();
    this.setRunning();

    const status = await this.cri.status();
    const network = status.status?.conditions.find((c) => c.type === 'NetworkReady');
    if (network && !network.status) this.log.warn({ reason: network.reason, message: network.message }, 'CRI network not ready');

    if ((await this.cri.imageStatus(PAUSE_IMAGE)).image === null) {
      const t = Date.now();
      const file = path.join(p.builtImages, 'pause.tar');
      await fs.promises.writeFile(file, buildPauseImage(this.opts.busyboxPath).archive);
      await this.importImage(file);
      await fs.promises.rm(file, { force: true });
      this.timings.pauseImageMs = Date.now() - t;
    }
    if (this.opts.imagesDir) {
      const imported = await this.importImageDir(this.opts.imagesDir);
      if (imported.length) this.log.info({ images: imported.flatMap((r) => r.images), dir: this.opts.imagesDir }, 'images imported');
    }
    this.timings.startMs = Date.now() - t0;
    this.log.info({ pid: this.pid, socket: p.socket, ms: this.timings.startMs }, 'containerd ready');
  }

  private get containerdPath(): string {
    return this.opts.containerdPath ?? '/usr/bin/containerd';
  }

  private get cniBinDir(): string {
    return this.opts.cniBinDir ?? '/usr/lib/cni';
  }

  /** Ours is recognised by its argv naming our config file. */
  private isOurContainerd = (argv: string[]) => argv.includes(this.paths.config) && path.basename(argv[0] ?? '') === 'containerd';

  /** A containerd of an earlier agent on this data dir (it crashed, or kept state) is stopped first. */
  private async killLeftoverContainerd(): Promise<void> {
    const pids = new Set(findProcesses(this.isOurContainerd));
    try {
      const pid = Number(await fs.promises.readFile(this.paths.pidFile, 'utf8'));
      const argv = processArgv(pid);
      if (argv && this.isOurContainerd(argv)) pids.add(pid);
    } catch {
      // no pid file
    }
    if (pids.size === 0) return;
    this.log.info({ pids: [...pids] }, 'stopping the containerd left by an earlier run');
    await terminate([...pids], 10_000);
  }

  private async spawnContainerd(): Promise<void> {
    const p = this.paths;
    for (const s of [p.socket, p.ttrpcSocket]) await fs.promises.rm(s, { force: true });
    const t = Date.now();
    const logFd = fs.openSync(p.log, 'a');
    let child: ChildProcess;
    try {
      // Own process group: a Ctrl-C meant for orch must not kill containerd before orch
      // has torn the pods down through it.
      child = spawn(this.containerdPath, ['--config', p.config], { detached: true, stdio: ['ignore', logFd, logFd] });
    } finally {
      fs.closeSync(logFd);
    }
    const spawnError = new Promise<never>((_, reject) => child.once('error', (err) => reject(new ContainerdError(`cannot start ${this.containerdPath}: ${err.message}`))));
    spawnError.catch(() => undefined);
    this.child = child;
    this.childExited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    if (child.pid) await fs.promises.writeFile(p.pidFile, `${child.pid}\n`);

    const deadline = t + (this.opts.startTimeoutMs ?? 30_000);
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    await Promise.race([spawnError, this.waitForSocket(deadline, exited)]);
    // A fresh probe client: the shared one may be in gRPC reconnect back-off.
    const probe = new CriClient({ socket: p.socket, waitForReady: false });
    try {
      for (;;) {
        if (exited()) throw new ContainerdError(`containerd exited during start (code ${child.exitCode ?? child.signalCode}):\n${await this.logTail()}`);
        try {
          await probe.version({ timeoutMs: 2000 });
          break;
        } catch (err) {
          if (Date.now() > deadline) throw new ContainerdError(`containerd did not answer on ${p.socket} within ${this.opts.startTimeoutMs ?? 30_000} ms (${(err as Error).message}):\n${await this.logTail()}`);
          await sleep(20);
        }
      }
    } finally {
      probe.close();
    }
    this.startedAt = Date.now();
    this.timings.containerdStartMs = Date.now() - t;
  }

  private async waitForSocket(deadline: number, exited: () => boolean): Promise<void> {
    while (!(await canConnect(this.paths.socket))) {
      if (exited()) throw new ContainerdError(`containerd exited during start:\n${await this.logTail()}`);
      if (Date.now() > deadline) throw new ContainerdError(`containerd did not open ${this.paths.socket} within ${this.opts.startTimeoutMs ?? 30_000} ms:\n${await this.logTail()}`);
      await sleep(10);
    }
  }

  private setRunning(): void {
    this._state = 'running';
    const waiters = this.runningWaiters;
    this.runningWaiters = [];
    for (const w of waiters) w.resolve();
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    // Only a containerd that was serving is restarted from here; one dying while being
    // started fails that start (which retries on its own when it was a restart).
    if (this._state !== 'running') return;
    // A containerd that ran a good while before dying starts the back-off afresh.
    if (Date.now() - this.startedAt > 60_000) this.failures = 0;
    this._state = 'restarting';
    this.emit('exited', { pid: child.pid, code, signal });
    this.scheduleRestart({ code, signal });
  }

  private scheduleRestart(why: object): void {
    const initial = this.opts.restartBackoff?.initialMs ?? 100;
    const max = this.opts.restartBackoff?.maxMs ?? 10_000;
    const delay = Math.min(max, initial * 2 ** this.failures);
    this.failures++;
    void this.logTail().then((tail) => this.log.warn({ ...why, delayMs: delay, tail }, 'containerd died; restarting'));
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    this.restartTimer = undefined;
    if (this._state !== 'restarting') return;
    try {
      await this.spawnContainerd();
      if (this._state !== 'restarting') return; // stop() came meanwhile and handles the child
      this._restarts++;
      this.setRunning();
      this.log.info({ pid: this.pid, restarts: this._restarts, ms: this.timings.containerdStartMs }, 'containerd restarted');
      this.emit('restarted', { pid: this.pid, restarts: this._restarts });
    } catch (err) {
      if (this._state !== 'restarting') return;
      this.log.error({ err }, 'containerd restart failed');
      if (this.child) await terminate([this.child.pid!], 5000);
      this.scheduleRestart({ error: (err as Error).message });
    }
  }

  /** The last lines of containerd's log (read from the end: the file only grows). */
  private async logTail(lines = 15): Promise<string> {
    let fh: fs.promises.FileHandle | undefined;
    try {
      fh = await fs.promises.open(this.paths.log, 'r');
      const { size } = await fh.stat();
      const length = Math.min(size, 16 * 1024);
      const buf = Buffer.alloc(length);
      await fh.read(buf, 0, length, size - length);
      return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no containerd log)';
    } finally {
      await fh?.close();
    }
  }

  /**
   * Stops containerd (by PID). With `removeState`, first removes every pod through the CRI,
   * then everything this node created on the host. Idempotent; concurrent calls share the
   * first call's work.
   */
  stop(options: StopOptions): Promise<StopReport> {
    this.stopPromise ??= this.doStop(options);
    return this.stopPromise;
  }

  private async doStop({ removeState }: StopOptions): Promise<StopReport> {
    // Pods are removed through the CRI, so a containerd in the middle of a restart gets a
    // moment to come back first.
    if (removeState && this._state === 'restarting') {
      await Promise.race([this.whenRunning().catch(() => undefined), sleep(10_000)]);
    }
    const wasRunning = this._state === 'running';
    this._state = 'stopping';
    if (this.restartTimer) clearTimeout(this.restartTimer);
    for (const w of this.runningWaiters.splice(0)) w.reject(new ContainerdError('containerd is stopping'));
    const t0 = Date.now();
    if (removeState && wasRunning) await this.removeAllPods();
    const t1 = Date.now();
    this.client?.close();
    this.client = undefined;

    if (this.child?.pid) {
      await terminate([this.child.pid], 10_000);
      await this.childExited;
    } else if (removeState) {
      // Clean-up without a containerd of our own (say, after a crash): one an earlier run
      // left on this data dir would hold the mounts and cgroups being removed.
      await this.killLeftoverContainerd();
    }
    this.child = undefined;
    await fs.promises.rm(this.paths.pidFile, { force: true });
    const t2 = Date.now();
    const report: StopReport = { leftovers: [] };
    if (removeState) report.leftovers = await this.removeHostState();
    this._state = 'stopped';
    this.timings.stop = { podsMs: t1 - t0, containerdMs: t2 - t1, hostMs: Date.now() - t2 };
    this.log.info({ removeState, leftovers: report.leftovers.length, ...this.timings.stop }, 'containerd stopped');
    return report;
  }

  /** Stops and removes every sandbox (CNI DEL releases IPs, rules and veths). */
  private async removeAllPods(): Promise<void> {
    const cri = this.createCriClient({ waitForReady: false, timeouts: { write: 30_000, read: 10_000 } });
    try {
      const queue = await cri.listPodSandbox();
      // A few at a time: each is a CNI DEL plus a runc kill, and containerd is on 2 cores too.
      const worker = async () => {
        for (let sb = queue.shift(); sb; sb = queue.shift()) {
          try {
            await cri.stopPodSandbox(sb.id);
            await cri.removePodSandbox(sb.id);
          } catch (err) {
            if (!isCriNotFound(err)) this.log.warn({ err, sandbox: sb.id }, 'could not remove pod sandbox');
          }
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
    } catch (err) {
      this.log.warn({ err }, 'could not list pod sandboxes to remove');
    } finally {
      cri.close();
    }
  }

  /** Removes host objects of this node after containerd is gone; returns what is left. */
  private async removeHostState(): Promise<string[]> {
    const p = this.paths;
    const problems: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      const t = Date.now();
      try {
        await fn();
      } catch (err) {
        problems.push(`${what}: ${(err as Error).message}`);
      }
      this.log.debug({ step: what, ms: Date.now() - t }, 'host clean-up step');
    };
    // Containers (and pause processes) that outlived the CRI teardown, then their shims.
    await attempt('cgroups', async () => {
      const left = await removeCgroupTree(this.cgroupRoot, { killProcesses: true });
      if (left.length) throw new Error(`not removed: ${left.join(', ')}`);
    });
    await attempt('shims', async () => {
      const shims = findProcesses((argv) => path.basename(argv[0] ?? '').startsWith('containerd-shim') && argv.includes(p.socket));
      if (shims.length && !(await terminate(shims, 5000))) throw new Error(`shim PIDs ${shims.join(', ')} did not exit`);
    });
    await attempt('mounts', async () => {
      for (const dir of [p.containerdDir, p.cniDir, p.podLogs]) {
        const left = await unmountAllUnder(dir);
        if (left.length) throw new Error(`still mounted: ${left.join(', ')}`);
      }
    });
    await attempt('bridge', () => deleteNetDevice(this.opts.bridgeName));
    const hostState = this.hostState ?? (await readJson<HostState>(p.hostState));
    await attempt('iptables', async () => {
      const r = await cleanupCniIptables({
        networkName: this.networkName,
        podCidr: parseCidr(this.opts.podCidr),
        preexisting: hostState?.preexistingChains ?? { filter: ['CNI-FORWARD', 'CNI-ADMIN'], nat: ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'] },
      });
      if (r.deletedRules || r.deletedChains.length) this.log.info({ rules: r.deletedRules, chains: r.deletedChains, kept: r.keptChains }, 'iptables rules removed');
      // Chains that are gone (deleted now, or never made) leave the host-wide orch list.
      const left = await existingSharedChains();
      await updateOrchChains((cur) => ({ filter: cur.filter.filter((c) => left.filter.includes(c)), nat: cur.nat.filter((c) => left.nat.includes(c)) }));
      if (r.errors.length) throw new Error(r.errors.join('; '));
    });
    await attempt('pod forward rules', () => removePodForwardRules(this.opts.podCidr, this.networkName));
    await attempt('cni results', () => removeCniResults(this.networkName));
    // Shared directories containerd or libcni made because we ran, now empty.
    const preexisting = new Set(hostState?.preexistingDirs ?? [SHIM_SOCKET_PARENT, SHIM_SOCKET_DIR, CNI_STATE_DIR, `${CNI_STATE_DIR}/results`]);
    for (const dir of [SHIM_SOCKET_DIR, SHIM_SOCKET_PARENT, `${CNI_STATE_DIR}/results`, CNI_STATE_DIR]) {
      if (!preexisting.has(dir)) removeDirIfEmpty(dir);
    }
    await attempt('data', async () => {
      for (const dir of [p.containerdDir, p.cniDir, p.podLogs]) {
        if (mountsUnder(dir).length === 0) await fs.promises.rm(dir, { recursive: true, force: true });
      }
    });

    const leftovers = [...problems];
    if (netDeviceExists(this.opts.bridgeName)) leftovers.push(`bridge ${this.opts.bridgeName}`);
    for (const m of [p.containerdDir, p.cniDir, p.podLogs].flatMap((d) => mountsUnder(d))) leftovers.push(`mount ${m}`);
    for (const d of cgroupDirs(this.cgroupRoot)) leftovers.push(`cgroup ${d}`);
    return leftovers;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; true when all exited. */
async function terminate(pids: number[], graceMs: number): Promise<boolean> {
  signalPids(pids, 'SIGTERM');
  if (await waitForExit(pids, graceMs)) return true;
  signalPids(pids.filter(processAlive), 'SIGKILL');
  return waitForExit(pids, 5000);
}

function canConnect(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socket);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function writeAtomic(file: string, text: string, mode = 0o644): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.promises.writeFile(tmp, text, { mode });
  await fs.promises.rename(tmp, file);
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
