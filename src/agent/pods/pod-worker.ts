/**
 * One worker per pod uid: converges the runtime (CRI sandboxes and containers found by the
 * pod uid label) to the pod spec, level-based and serialized — a kick while a sync runs
 * means one more sync afterwards, never two at once. Each sync reads the runtime afresh,
 * so an agent restart simply adopts whatever is running.
 *
 * Order of business in a sync, as the kubelet's SyncPod: pod gone → kill everything;
 * deletionTimestamp → preStop, stop with the remaining grace, remove, finish the deletion;
 * terminal phase → keep it stopped; else sandbox, init containers one by one, app
 * containers with restart policy and back-off, probes; then status, written only when it
 * changed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Container, LifecycleHandler, Pod, PodStatus, Probe } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/client.js';
import { ApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import type { CriClient } from '../cri/cri-client.js';
import { CriAlreadyExistsError, isCriNotFound } from '../cri/cri-errors.js';
import type { Container as CriContainer, ContainerStatus as CriContainerStatus, Mount, PodSandbox, PodSandboxConfig } from '../cri/cri-types.js';
import type { Limiter } from '../node/limiter.js';
import { backOffLeft, type BackOff } from './backoff.js';
import { buildContainerConfig, containerEnv, containerHash, ContainerConfigError, type EnvSources } from './container-config.js';
import { CONTAINER_HASH_ANNOTATION, CONTAINER_NAME_LABEL, POD_UID_LABEL, RESTART_COUNT_ANNOTATION } from './labels.js';
import type { ProbeManager, ProbeRunner } from './prober.js';
import { buildSandboxConfig, hostsFile } from './sandbox-config.js';
import { resolveSubPath } from '../volumes/sub-path.js';
import { computePodStatus, criId, sameStatus, type ContainerView, type Waiting } from './status.js';

/** What a pod's volumes look like to the worker (src/agent/volumes implements it). */
export interface PodVolumes {
  setUp(pod: Pod): Promise<Map<string, { hostPath: string; readOnly: boolean }>>;
  tearDown(podUid: string): Promise<void>;
}

/** The runtime side a worker drives: containerd through its supervisor. */
export interface PodRuntime {
  /** Resolves while containerd runs; waits out a restart. */
  whenRunning(): Promise<void>;
  cri(): CriClient;
  podCgroupParent(uid: string): string;
  podLogDirectory(namespace: string, name: string, uid: string): string;
  removePodCgroups(uid: string): Promise<void>;
}

export interface WorkerContext {
  client: Client;
  runtime: PodRuntime;
  volumes?: PodVolumes;
  probes: ProbeManager;
  runProbe: ProbeRunner;
  /** Container restarts (CrashLoopBackOff) and image pulls (ImagePullBackOff). */
  restartBackOff: BackOff;
  pullBackOff: BackOff;
  /**
   * Bounds concurrent sandbox and container starts across pods. Calls further along a pod's
   * start go first (START_PRIORITY), so a burst of pods finishes one pod after another
   * instead of all of them at the end.
   */
  startLimiter: Limiter;
  envSources(pod: Pod, podIPs: string[]): EnvSources;
  /** Records a core/v1 Event about the pod (best effort, never throws). */
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  nodeName: string;
  hostIP: string;
  clusterDns: string[];
  clusterDomain: string;
  /** Per-pod files (hosts file, termination logs): `<podDataDir>/<uid>/`. */
  podDataDir: string;
  host: { cpu: number; memory: number };
  /** Every pod is synced at least this often (the kubelet's resync). */
  resyncMs: number;
  log: Logger;
}

/** Grace given to containers of a pod that no longer exists in the API (kubelet's minimum). */
const ORPHAN_GRACE_SECONDS = 2;
const RETRY_MS = [500, 1000, 2000, 5000, 10_000];
const TERMINATION_MESSAGE_MAX = 4096;
/** startLimiter priorities: the later the step, the sooner it runs. */
const START_PRIORITY = { sandbox: 0, create: 1, start: 2 } as const;

const nsToMs = (ns: string) => Number(BigInt(ns) / 1_000_000n);
const restartCountOf = (c: { annotations: Record<string, string> }) => Number(c.annotations[RESTART_COUNT_ANNOTATION] ?? 0) || 0;
const isCode = (err: unknown, ...codes: number[]) => err instanceof ApiError && codes.includes(err.code);

export type SyncOutcome = 'keep' | 'finished';

export class PodWorker {
  /** The pod as last seen in the API; undefined once it is gone (or never was: an orphan). */
  pod?: Pod;
  private log: Logger;
  private readonly waiting = new Map<string, Waiting>();
  private readonly exitedStatus = new Map<string, CriContainerStatus>();
  private readonly sandboxIps = new Map<string, string[]>();
  private readonly hostsWritten = new Set<string>();
  private mounts?: Map<string, { hostPath: string; readOnly: boolean }>;
  private lastWritten?: PodStatus;
  private readonly firstSeen = Date.now();
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  private timerAt = 0;
  private failures = 0;
  private closed = false;
  private current?: Promise<void>;
  /** Running containers the worker has ever probed, so their probe loops are stopped later. */
  private readonly probed = new Set<string>();

  constructor(
    readonly uid: string,
    private readonly ctx: WorkerContext,
    private readonly onFinished: (w: PodWorker) => void,
  ) {
    this.log = ctx.log.child({ pod: uid });
  }

  setPod(pod: Pod | undefined): void {
    this.pod = pod;
    if (pod) this.log = this.ctx.log.child({ pod: `${pod.metadata!.namespace}/${pod.metadata!.name}`, uid: this.uid });
  }

  /** Asks for a sync after `delayMs` (0 = as soon as the current one is done). */
  kick(delayMs = 0): void {
    if (this.closed) return;
    if (delayMs <= 0) {
      this.again = true;
      if (!this.running) this.current = this.loop();
      return;
    }
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delayMs);
  }

  /** Stops syncing (agent shutdown); resolves when an in-flight sync is done. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.current;
    for (const id of this.probed) this.ctx.probes.stop(id);
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.again && !this.closed) {
        this.again = false;
        try {
          const outcome = await this.sync();
          this.failures = 0;
          if (outcome === 'finished') {
            this.closed = true;
            clearTimeout(this.timer);
            for (const id of this.probed) this.ctx.probes.stop(id);
            this.onFinished(this);
            return;
          }
          this.kick(this.ctx.resyncMs);
        } catch (err) {
          if (this.closed) return;
          const delay = RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)];
          this.log.warn({ err: (err as Error).message, retryMs: delay }, 'pod sync failed');
          this.kick(delay);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private get cri(): CriClient {
    return this.ctx.runtime.cri();
  }

  private get podDir(): string {
    return path.join(this.ctx.podDataDir, this.uid);
  }

  /** One convergence step; see the file comment. */
  async sync(): Promise<SyncOutcome> {
    await this.ctx.runtime.whenRunning();
    const uid = this.uid;
    const sandboxes = await this.cri.listPodSandbox({ label_selector: { [POD_UID_LABEL]: uid } });
    const containers = await this.cri.listContainers({ label_selector: { [POD_UID_LABEL]: uid } });
    const pod = this.pod;
    if (!pod) {
      await this.killAll(sandboxes, containers, ORPHAN_GRACE_SECONDS);
      await this.cleanUp(sandboxes);
      return 'finished';
    }
    if (pod.metadata?.deletionTimestamp) {
      await this.terminate(pod, sandboxes, containers);
      return 'finished';
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      // A finished pod keeps its containers (for logs and status) but nothing may run.
      await this.killAll(
        sandboxes.filter((s) => s.state === 'SANDBOX_READY'),
        containers.filter((c) => c.state === 'CONTAINER_RUNNING'),
        pod.spec?.terminationGracePeriodSeconds ?? 30,
        false,
      );
      return 'keep';
    }

    const policy = pod.spec?.restartPolicy ?? 'Always';
    let sandbox = newest(sandboxes.filter((s) => s.state === 'SANDBOX_READY'));
    let sandboxContainers = containers;
    if (!sandbox) {
      const ranBefore = sandboxes.length > 0 && (pod.spec?.containers ?? []).every((c) => containers.some((x) => x.labels[CONTAINER_NAME_LABEL] === c.name));
      if (ranBefore && policy === 'Never') {
        // The sandbox died under a pod that never restarts: what ran is what the pod did.
        await this.writeStatus(pod, await this.views(pod, containers, undefined), []);
        return 'keep';
      }
      const created = await this.createSandbox(pod, sandboxes, containers);
      if (!created) {
        await this.writeStatus(pod, await this.views(pod, [], undefined), []);
        return 'keep';
      }
      sandbox = created.sandbox;
      sandboxContainers = created.containers;
    } else {
      sandboxContainers = containers.filter((c) => c.pod_sandbox_id === sandbox!.id);
    }
    const sandboxConfig = this.sandboxConfig(pod, sandbox.metadata?.attempt ?? 0);
    const podIPs = await this.podIPs(sandbox.id, pod);
    await this.ensureHostsFile(pod, sandbox.id, podIPs);

    let views = await this.views(pod, sandboxContainers, podIPs[0]);
    let initFailed = false;
    let initDone = true;
    for (const c of pod.spec?.initContainers ?? []) {
      const v = views.init.find((x) => x.name === c.name)!;
      const cur = v.current;
      if (cur?.state === 'CONTAINER_EXITED' && cur.exit_code === 0) continue;
      initDone = false;
      if (cur?.state === 'CONTAINER_RUNNING') break;
      if (cur?.state === 'CONTAINER_EXITED') {
        if (policy === 'Never') {
          initFailed = true;
          break;
        }
        if (this.inBackOff(pod, c, cur)) break;
      }
      await this.startContainer(pod, c, 'init', cur ? v.restartCount + 1 : v.restartCount, sandbox.id, sandboxConfig, podIPs, cur);
      break;
    }
    if (initDone && !initFailed) {
      for (const c of pod.spec?.containers ?? []) {
        const v = views.app.find((x) => x.name === c.name)!;
        const cur = v.current;
        if (cur?.state === 'CONTAINER_RUNNING') {
          const why = this.shouldKill(pod, c, cur, podIPs[0]);
          if (why) {
            this.log.info({ container: c.name, reason: why }, 'killing container');
            this.ctx.event(pod, 'Normal', 'Killing', `Container ${c.name} ${why}, will be restarted`);
            this.ctx.probes.stop(cur.id);
            await this.stopContainer(pod, c, cur.id, pod.spec?.terminationGracePeriodSeconds ?? 30);
            this.kick();
          }
          continue;
        }
        if (cur?.state === 'CONTAINER_EXITED') {
          const restart = policy === 'Always' || (policy === 'OnFailure' && cur.exit_code !== 0);
          if (!restart || this.inBackOff(pod, c, cur)) continue;
        }
        await this.startContainer(pod, c, 'app', cur ? v.restartCount + 1 : v.restartCount, sandbox.id, sandboxConfig, podIPs, cur);
      }
    }
    // Re-read what the starts above changed before reporting.
    const after = await this.cri.listContainers({ label_selector: { [POD_UID_LABEL]: uid }, pod_sandbox_id: sandbox.id });
    views = await this.views(pod, after, podIPs[0]);
    await this.writeStatus(pod, views, podIPs, initFailed);
    return 'keep';
  }

  /** Why a running container must be stopped, if it must. */
  private shouldKill(pod: Pod, c: Container, cur: CriContainerStatus, podIP: string | undefined): string | undefined {
    if (podIP && (c.livenessProbe || c.readinessProbe || c.startupProbe)) {
      this.probed.add(cur.id);
      const reported = pod.status?.containerStatuses?.find((s) => s.name === c.name);
      this.ctx.probes.ensure({ podUid: this.uid, containerId: cur.id, container: c, podIP }, reported?.containerID === criId(cur.id) && reported.ready === true);
    }
    if (this.ctx.probes.has(cur.id, 'liveness') && !this.ctx.probes.result(cur.id, 'liveness')) return 'liveness probe failed';
    if (this.startupFailed(c, cur)) return 'startup probe failed';
    const hash = cur.annotations[CONTAINER_HASH_ANNOTATION];
    if (hash && hash !== containerHash(c)) return 'container spec changed';
    return undefined;
  }

  /** A startup probe that has not succeeded within failureThreshold × period of the start. */
  private startupFailed(c: Container, cur: CriContainerStatus): boolean {
    const p = c.startupProbe;
    if (!p || this.ctx.probes.result(cur.id, 'startup')) return false;
    const budget = ((p.initialDelaySeconds ?? 0) + (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3)) * 1000;
    return Date.now() - nsToMs(cur.started_at) > budget + 1000;
  }

  /** True (and the waiting reason set) while the container's restart back-off runs. */
  private inBackOff(pod: Pod, c: Container, cur: CriContainerStatus): boolean {
    const key = `${this.uid}/${c.name}`;
    const finished = nsToMs(cur.finished_at);
    const left = backOffLeft(this.ctx.restartBackOff, key, finished);
    if (left > 0) {
      const delay = this.ctx.restartBackOff.delay(key);
      if (this.waiting.get(c.name)?.reason !== 'CrashLoopBackOff') this.ctx.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata!.name}_${pod.metadata!.namespace}(${this.uid})`);
      this.waiting.set(c.name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${formatDelay(delay)} restarting failed container=${c.name} pod=${pod.metadata!.name}_${pod.metadata!.namespace}(${this.uid})`,
      });
      this.kick(left + 5);
      return true;
    }
    this.ctx.restartBackOff.next(key, finished);
    return false;
  }

  private sandboxConfig(pod: Pod, attempt: number): PodSandboxConfig {
    return buildSandboxConfig(pod, {
      attempt,
      clusterDns: this.ctx.clusterDns,
      clusterDomain: this.ctx.clusterDomain,
      logDirectory: this.ctx.runtime.podLogDirectory(pod.metadata!.namespace!, pod.metadata!.name!, this.uid),
      cgroupParent: this.ctx.runtime.podCgroupParent(this.uid),
    });
  }

  /**
   * Volumes, then a fresh sandbox (attempt one above any earlier); earlier sandboxes are
   * removed. Undefined when volumes are not ready yet (the containers wait in ContainerCreating).
   */
  private async createSandbox(pod: Pod, old: PodSandbox[], containers: CriContainer[]): Promise<{ sandbox: PodSandbox; containers: CriContainer[] } | undefined> {
    if (!(await this.ensureVolumes(pod))) return undefined;
    for (const s of old) {
      await this.cri.stopPodSandbox(s.id).catch(ignoreNotFound);
      await this.cri.removePodSandbox(s.id).catch(ignoreNotFound);
      this.sandboxIps.delete(s.id);
    }
    // Restart counts go on across sandboxes: remembered through the waiting map's base.
    for (const c of containers) this.restartBase.set(c.labels[CONTAINER_NAME_LABEL], Math.max(this.restartBase.get(c.labels[CONTAINER_NAME_LABEL]) ?? 0, restartCountOf(c) + 1));
    let attempt = Math.max(-1, ...old.map((s) => s.metadata?.attempt ?? 0)) + 1;
    await fs.mkdir(this.ctx.runtime.podLogDirectory(pod.metadata!.namespace!, pod.metadata!.name!, this.uid), { recursive: true });
    for (let tries = 0; ; tries++) {
      try {
        const id = await this.ctx.startLimiter.run(() => this.cri.runPodSandbox(this.sandboxConfig(pod, attempt)), START_PRIORITY.sandbox);
        this.log.debug({ sandbox: id, attempt }, 'sandbox created');
        const [sandbox] = await this.cri.listPodSandbox({ id });
        if (!sandbox) throw new Error(`sandbox ${id} vanished after creation`);
        return { sandbox, containers: [] };
      } catch (err) {
        if (err instanceof CriAlreadyExistsError && tries < 3) {
          attempt++;
          continue;
        }
        for (const c of pod.spec?.containers ?? []) this.waiting.set(c.name, { reason: 'ContainerCreating', message: `failed to create pod sandbox: ${(err as Error).message}` });
        this.ctx.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
        throw err;
      }
    }
  }

  private readonly restartBase = new Map<string, number>();

  private async ensureVolumes(pod: Pod): Promise<boolean> {
    if (this.mounts) return true;
    const vols = this.ctx.volumes;
    if (!vols) {
      if ((pod.spec?.volumes ?? []).length) {
        for (const c of allContainers(pod)) this.waiting.set(c.name, { reason: 'ContainerCreating', message: 'volumes are not supported by this agent' });
        this.kick(5000);
        return false;
      }
      this.mounts = new Map();
      return true;
    }
    try {
      this.mounts = await vols.setUp(pod);
      return true;
    } catch (err) {
      const reason = (err as { reason?: string }).reason ?? 'FailedMount';
      for (const c of allContainers(pod)) this.waiting.set(c.name, { reason: 'ContainerCreating', message: `${reason}: ${(err as Error).message}` });
      this.log.info({ err: (err as Error).message, reason }, 'volumes not ready');
      this.ctx.event(pod, 'Warning', reason === 'FailedMount' ? 'FailedMount' : reason, `MountVolume.SetUp failed: ${(err as Error).message}`);
      this.kick(RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)]);
      return false;
    }
  }

  private async podIPs(sandboxId: string, pod: Pod): Promise<string[]> {
    if (pod.spec?.hostNetwork) return [this.ctx.hostIP];
    let ips = this.sandboxIps.get(sandboxId);
    if (!ips) {
      const st = await this.cri.podSandboxStatus(sandboxId);
      const net = st.status?.network;
      ips = net?.ip ? [net.ip, ...net.additional_ips.map((a) => a.ip).filter(Boolean)] : [];
      this.sandboxIps.set(sandboxId, ips);
    }
    return ips;
  }

  private async ensureHostsFile(pod: Pod, sandboxId: string, podIPs: string[]): Promise<void> {
    if (this.hostsWritten.has(sandboxId)) return;
    await fs.mkdir(this.podDir, { recursive: true });
    await fs.writeFile(path.join(this.podDir, 'etc-hosts'), hostsFile(pod, podIPs, this.ctx.clusterDomain));
    this.hostsWritten.add(sandboxId);
  }

  private terminationLogPath(name: string, restartCount: number): string {
    return path.join(this.podDir, 'containers', name, String(restartCount));
  }

  /** Pull (per imagePullPolicy), configure and start one container; failures become waiting reasons. */
  private async startContainer(pod: Pod, c: Container, kind: 'init' | 'app', restartCount: number, sandboxId: string, sandboxConfig: PodSandboxConfig, podIPs: string[], previous?: CriContainerStatus): Promise<void> {
    restartCount = Math.max(restartCount, this.restartBase.get(c.name) ?? 0);
    const image = c.image ?? '';
    const pullKey = `${this.uid}/${c.name}/pull`;
    const pullLeft = this.ctx.pullBackOff.remaining(pullKey);
    if (pullLeft > 0) {
      const last = this.waiting.get(c.name);
      const registry = last?.reason === 'ErrImagePull' || last?.reason === 'ImagePullBackOff' ? last.message?.replace(/^Back-off pulling image "[^"]*": /, '') : undefined;
      if (last?.reason !== 'ImagePullBackOff') this.ctx.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
      this.waiting.set(c.name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"${registry ? `: ${registry}` : ''}` });
      this.kick(pullLeft + 5);
      return;
    }
    const policy = c.imagePullPolicy ?? (/:latest$/.test(image) || !/:[^/]+$/.test(image) ? 'Always' : 'IfNotPresent');
    const present = (await this.cri.imageStatus(image)).image;
    if (policy === 'Never' && !present) {
      this.ctx.event(pod, 'Warning', 'ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
      this.waiting.set(c.name, { reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` });
      this.kick(10_000);
      return;
    }
    if (policy === 'Always' || !present) {
      const t0 = Date.now();
      this.ctx.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
      try {
        await this.cri.pullImage(image, { sandboxConfig });
        this.ctx.pullBackOff.clear(pullKey);
        this.ctx.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${Date.now() - t0}ms`);
      } catch (err) {
        // Always with the image already here: the kubelet would fail too, but a node with no
        // registry must still run what it has; fall back to the local copy.
        if (!present) {
          const delay = this.ctx.pullBackOff.next(pullKey);
          this.ctx.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${(err as Error).message}`);
          this.waiting.set(c.name, { reason: 'ErrImagePull', message: `failed to pull image "${image}": ${(err as Error).message}` });
          this.kick(delay + 5);
          return;
        }
        this.log.info({ image, err: (err as Error).message }, 'pull failed; using the image present on the node');
      }
    } else {
      this.ctx.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
    }
    let envs;
    try {
      envs = await containerEnv(pod, c, this.ctx.envSources(pod, podIPs), this.ctx.host);
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      this.ctx.event(pod, 'Warning', 'Failed', `Error: ${err.message}`);
      this.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: err.message });
      this.kick(RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)] * 2);
      return;
    }
    const mounts = await this.containerMounts(pod, c, restartCount, envs);
    if (!mounts) return;
    const config = buildContainerConfig({ pod, container: c, kind, restartCount, image, envs, mounts });
    let id: string;
    try {
      id = await this.ctx.startLimiter.run(() => this.cri.createContainer(sandboxId, config, sandboxConfig), START_PRIORITY.create);
    } catch (err) {
      if (err instanceof CriAlreadyExistsError && err.existingId) {
        await this.cri.removeContainer(err.existingId).catch(ignoreNotFound);
        this.kick();
        return;
      }
      this.waiting.set(c.name, { reason: 'CreateContainerError', message: (err as Error).message });
      throw err;
    }
    this.ctx.event(pod, 'Normal', 'Created', `Created container ${c.name}`);
    try {
      await this.ctx.startLimiter.run(() => this.cri.startContainer(id), START_PRIORITY.start);
    } catch (err) {
      this.ctx.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`);
      // The kubelet reports RunContainerError and retries with the crash back-off.
      this.ctx.restartBackOff.next(`${this.uid}/${c.name}`);
      this.waiting.set(c.name, { reason: 'RunContainerError', message: (err as Error).message });
      await this.cri.removeContainer(id).catch(ignoreNotFound);
      this.kick(this.ctx.restartBackOff.delay(`${this.uid}/${c.name}`));
      return;
    }
    this.waiting.delete(c.name);
    this.ctx.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
    this.log.debug({ container: c.name, id, restartCount }, 'container started');
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      try {
        await this.runHandler(postStart, c, id, podIPs[0] ?? '', 30);
      } catch (err) {
        // As the kubelet: a failed postStart hook kills the container; restartPolicy decides the rest.
        this.ctx.event(pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${(err as Error).message}`);
        await this.stopContainer(pod, c, id, pod.spec?.terminationGracePeriodSeconds ?? 30);
      }
    }
    // Keep the container before this one (lastState); older dead ones go.
    if (previous) await this.removeOlder(c.name, previous.id, id);
  }

  private async removeOlder(name: string, keepA: string, keepB: string): Promise<void> {
    const all = await this.cri.listContainers({ label_selector: { [POD_UID_LABEL]: this.uid, [CONTAINER_NAME_LABEL]: name } });
    for (const x of all) {
      if (x.id === keepA || x.id === keepB || x.state === 'CONTAINER_RUNNING') continue;
      await this.cri.removeContainer(x.id).catch(ignoreNotFound);
      this.exitedStatus.delete(x.id);
    }
  }

  private async containerMounts(pod: Pod, c: Container, restartCount: number, envs: { key: string; value: string }[]): Promise<Mount[] | undefined> {
    const mounts: Mount[] = [];
    const vols = this.mounts ?? new Map();
    for (const vm of c.volumeMounts ?? []) {
      const v = vols.get(vm.name);
      if (!v) {
        this.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: `volume ${JSON.stringify(vm.name)} is not set up` });
        this.kick(2000);
        return undefined;
      }
      let hostPath: string;
      try {
        // subPath/subPathExpr: validated, created if missing, kept inside the volume.
        hostPath = await resolveSubPath(v.hostPath, vm, envs);
      } catch (err) {
        this.ctx.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`);
        this.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: (err as Error).message });
        this.kick(RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)] * 2);
        return undefined;
      }
      mounts.push({ container_path: vm.mountPath, host_path: hostPath, readonly: vm.readOnly === true || v.readOnly });
    }
    const taken = new Set(mounts.map((m) => m.container_path));
    if (!pod.spec?.hostNetwork && !taken.has('/etc/hosts')) mounts.push({ container_path: '/etc/hosts', host_path: path.join(this.podDir, 'etc-hosts') });
    const termPath = c.terminationMessagePath ?? '/dev/termination-log';
    if (!taken.has(termPath)) {
      const file = this.terminationLogPath(c.name, restartCount);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, '');
      mounts.push({ container_path: termPath, host_path: file });
    }
    return mounts;
  }

  /** Runtime containers grouped by spec container, newest first, with the details status needs. */
  private async views(pod: Pod, containers: CriContainer[], podIP: string | undefined): Promise<{ init: ContainerView[]; app: ContainerView[] }> {
    const byName = new Map<string, CriContainer[]>();
    for (const c of containers) {
      const name = c.labels[CONTAINER_NAME_LABEL];
      if (!name) continue;
      let list = byName.get(name);
      if (!list) byName.set(name, (list = []));
      list.push(c);
    }
    const view = async (c: Container): Promise<ContainerView> => {
      const list = (byName.get(c.name) ?? []).sort((a, b) => restartCountOf(b) - restartCountOf(a) || Number(BigInt(b.created_at) - BigInt(a.created_at)));
      const current = list[0] ? await this.status(list[0], c) : undefined;
      const previous = list[1] ? await this.status(list[1], c) : undefined;
      const running = current?.state === 'CONTAINER_RUNNING';
      if (running) this.waiting.delete(c.name);
      const started = running && this.ctx.probes.result(current.id, 'startup');
      const ready = running && started && (!c.readinessProbe || (podIP !== undefined && this.ctx.probes.has(current.id, 'readiness') && this.ctx.probes.result(current.id, 'readiness')));
      return {
        name: c.name,
        image: c.image ?? '',
        current,
        previous,
        restartCount: current ? restartCountOf(current) : (this.restartBase.get(c.name) ?? 0),
        waiting: running ? undefined : this.waiting.get(c.name),
        ready,
        started,
      };
    };
    const init: ContainerView[] = [];
    for (const c of pod.spec?.initContainers ?? []) init.push(await view(c));
    const app: ContainerView[] = [];
    for (const c of pod.spec?.containers ?? []) app.push(await view(c));
    return { init, app };
  }

  /** CRI status of a container; an exited container's never changes, so it is kept. */
  private async status(c: CriContainer, spec: Container): Promise<CriContainerStatus | undefined> {
    const cached = this.exitedStatus.get(c.id);
    if (cached) return cached;
    let st: CriContainerStatus | null;
    try {
      st = (await this.cri.containerStatus(c.id)).status;
    } catch (err) {
      if (isCriNotFound(err)) return undefined;
      throw err;
    }
    if (!st) return undefined;
    if (st.state === 'CONTAINER_EXITED') {
      const msg = await this.terminationMessage(spec, restartCountOf(st));
      if (msg) st = { ...st, message: msg };
      this.exitedStatus.set(c.id, st);
    }
    return st;
  }

  private async terminationMessage(c: Container, restartCount: number): Promise<string | undefined> {
    try {
      const fh = await fs.open(this.terminationLogPath(c.name, restartCount), 'r');
      try {
        const buf = Buffer.alloc(TERMINATION_MESSAGE_MAX);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        return bytesRead ? buf.subarray(0, bytesRead).toString('utf8') : undefined;
      } finally {
        await fh.close();
      }
    } catch {
      return undefined;
    }
  }

  private async writeStatus(pod: Pod, views: { init: ContainerView[]; app: ContainerView[] }, podIPs: string[], initFailed = false): Promise<void> {
    const status = computePodStatus({ pod, init: views.init, app: views.app, podIPs, hostIP: this.ctx.hostIP, startTime: this.firstSeen, now: Date.now(), initFailed });
    if (sameStatus(this.lastWritten ?? pod.status, status)) return;
    try {
      const res = await this.ctx.client.pods.patch(pod.metadata!.namespace!, pod.metadata!.name!, { metadata: { uid: this.uid }, status }, 'merge', 'status');
      this.lastWritten = status;
      this.pod = res.metadata?.uid === this.uid ? res : this.pod;
    } catch (err) {
      if (isCode(err, 404, 409)) return;
      throw err;
    }
  }

  /** Stops a running container: preStop first (within the grace), then SIGTERM and SIGKILL at the end of the grace. */
  private async stopContainer(pod: Pod, c: Container | undefined, id: string, graceSeconds: number): Promise<void> {
    const deadline = Date.now() + graceSeconds * 1000;
    const preStop = c?.lifecycle?.preStop;
    if (preStop && graceSeconds > 0) {
      const podIP = this.sandboxIps.values().next().value?.[0] ?? '';
      await Promise.race([
        this.runHandler(preStop, c!, id, podIP, graceSeconds).catch((err: Error) => this.log.info({ container: c!.name, err: err.message }, 'preStop hook failed')),
        new Promise((r) => setTimeout(r, graceSeconds * 1000).unref()),
      ]);
    }
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    this.ctx.probes.stop(id);
    await this.cri.stopContainer(id, left).catch(ignoreNotFound);
  }

  private async runHandler(h: LifecycleHandler, c: Container, id: string, podIP: string, timeoutSeconds: number): Promise<void> {
    if (h.sleep) {
      await new Promise((r) => setTimeout(r, h.sleep!.seconds * 1000));
      return;
    }
    const probe: Probe = { exec: h.exec, httpGet: h.httpGet, tcpSocket: h.tcpSocket, timeoutSeconds };
    const r = await this.ctx.runProbe('liveness', probe, { containerId: id, container: c, podIP });
    if (!r.ok) throw new Error(r.message || 'handler failed');
  }

  /** Stops every container and sandbox given (in parallel), with `graceSeconds`. */
  private async killAll(sandboxes: PodSandbox[], containers: CriContainer[], graceSeconds: number, runHooks = true): Promise<void> {
    const pod = this.pod;
    const specs = pod ? allContainers(pod) : [];
    await Promise.all(
      containers
        .filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED')
        .map((c) => {
          const spec = runHooks ? specs.find((s) => s.name === c.labels[CONTAINER_NAME_LABEL]) : undefined;
          if (pod && spec && c.state === 'CONTAINER_RUNNING') this.ctx.event(pod, 'Normal', 'Killing', `Stopping container ${spec.name}`);
          return pod && spec ? this.stopContainer(pod, spec, c.id, graceSeconds) : this.cri.stopContainer(c.id, graceSeconds).catch(ignoreNotFound);
        }),
    );
    for (const c of containers) this.ctx.probes.stop(c.id);
    for (const s of sandboxes) await this.cri.stopPodSandbox(s.id).catch(ignoreNotFound);
  }

  /** Removes the pod from the node: containers, sandboxes, cgroups, volumes, files. */
  private async cleanUp(sandboxes: PodSandbox[]): Promise<void> {
    for (const s of sandboxes) {
      await this.cri.stopPodSandbox(s.id).catch(ignoreNotFound);
      await this.cri.removePodSandbox(s.id).catch(ignoreNotFound);
    }
    // Containers whose sandbox went first (they are removed with it, but be sure).
    for (const c of await this.cri.listContainers({ label_selector: { [POD_UID_LABEL]: this.uid } })) await this.cri.removeContainer(c.id).catch(ignoreNotFound);
    await this.ctx.runtime.removePodCgroups(this.uid).catch((err: Error) => this.log.warn({ err: err.message }, 'removing pod cgroups failed'));
    await this.ctx.volumes?.tearDown(this.uid);
    await fs.rm(this.podDir, { recursive: true, force: true });
    const pod = this.pod;
    if (pod) await fs.rm(this.ctx.runtime.podLogDirectory(pod.metadata!.namespace!, pod.metadata!.name!, this.uid), { recursive: true, force: true });
    else for (const s of sandboxes) if (s.metadata) await fs.rm(this.ctx.runtime.podLogDirectory(s.metadata.namespace, s.metadata.name, this.uid), { recursive: true, force: true });
    this.ctx.restartBackOff.clearPrefix(`${this.uid}/`);
    this.ctx.pullBackOff.clearPrefix(`${this.uid}/`);
  }

  /** Graceful deletion: preStop, stop within the grace, report, remove, then finish the API deletion. */
  private async terminate(pod: Pod, sandboxes: PodSandbox[], containers: CriContainer[]): Promise<void> {
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    this.log.info({ grace }, 'stopping pod');
    await this.killAll([], containers, grace);
    // The final container states are reported before the pod goes (for watchers).
    const ready = newest(sandboxes.filter((s) => s.state === 'SANDBOX_READY'));
    if (ready) {
      const after = await this.cri.listContainers({ label_selector: { [POD_UID_LABEL]: this.uid }, pod_sandbox_id: ready.id });
      const ips = this.sandboxIps.get(ready.id) ?? [];
      await this.writeStatus(pod, await this.views(pod, after, ips[0]), ips).catch(() => undefined);
    }
    await this.cleanUp(sandboxes);
    try {
      await this.ctx.client.pods.delete(pod.metadata!.namespace!, pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
    } catch (err) {
      if (!isCode(err, 404, 409)) throw err;
    }
  }
}

function allContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

function newest(sandboxes: PodSandbox[]): PodSandbox | undefined {
  return [...sandboxes].sort((a, b) => Number(BigInt(b.created_at) - BigInt(a.created_at)))[0];
}

function ignoreNotFound(err: unknown): void {
  if (!isCriNotFound(err)) throw err;
}

/** Go's time.Duration format for whole seconds and minutes: 10s, 1m20s, 5m0s. */
function formatDelay(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}
