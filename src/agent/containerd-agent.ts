/**
 * The node agent on a real container runtime (kubelet's role): registers the Node, waits
 * for its pod CIDR, runs containerd under a ContainerdSupervisor, keeps the Lease and the
 * Ready condition (Ready only while containerd answers), and runs one PodWorker per pod
 * bound to the node.
 *
 * What wakes a worker: its pod changing in the API (one informer, fieldSelector
 * spec.nodeName), the runtime changing under it (a relist of CRI sandboxes and containers
 * every second — containerd 1.6 has no CRI event stream, so this is the kubelet's PLEG), a
 * probe result flipping, its own timers (back-off, periodic resync). A sandbox whose pod
 * uid has no pod in the API belongs to an orphan worker that removes it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigMap, Node, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import { Client } from '../client/client.js';
import type { ClientConfig } from '../client/config.js';
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { ApiError } from '../machinery/errors.js';
import type { Logger } from '../machinery/log.js';
import type { CriClient } from './cri/cri-client.js';
import { NodeLease, runLeaseHeartbeat } from './node/lease.js';
import { Limiter } from './node/limiter.js';
import { buildNode, nodeStatus, type NodeDescription } from './node/node-object.js';
import { conditionsDiffer, kubeletConditions, type NodeHealthReport } from './node/conditions.js';
import { registerNode } from './node/registration.js';
import { BackOff } from './pods/backoff.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, POD_UID_LABEL } from './pods/labels.js';
import { PodWorker, type PodVolumes, type WorkerContext } from './pods/pod-worker.js';
import { makeProbeRunner, ProbeManager } from './pods/prober.js';
import { ContainerdSupervisor, type RegistriesConfig } from './runtime/index.js';
import { LocalPathProvisioner, prepareLocalVolume, storageDirOf } from './storage/index.js';
import { CriContainerLocator, NodeStreamingServer, STREAMING_CERT_ANNOTATION } from './streaming/index.js';
import { createVolumeManager } from './volumes/index.js';
import { sleep } from '../machinery/sleep.js';

export interface ContainerdAgentOptions {
  client: ClientConfig;
  log: Logger;
  nodeName: string;
  /** The agent's data dir: containerd, CNI, pod logs and per-pod files live under it. */
  dataDir: string;
  /** Prefix of host objects (cgroups `/orch-<clusterName>`, CNI network). */
  clusterName: string;
  /** The cluster DNS service IP(s) pods with dnsPolicy ClusterFirst resolve through. */
  clusterDns: string | string[];
  clusterDomain?: string;
  /** The pod CIDR when node IPAM has not assigned one within podCidrWaitMs. */
  podCidrFallback?: string;
  /** How long to wait for spec.podCIDR before using the fallback. Default 10 s. */
  podCidrWaitMs?: number;
  /** Every *.tar here is imported into containerd at start. */
  imagesDir?: string;
  registries?: RegistriesConfig;
  /** Provision local-path volumes on this node (default true). */
  localStorage?: boolean;
  /** The node bridge (≤ 15 characters). Default `orch0`. */
  bridgeName?: string;
  heartbeatIntervalMs?: number;
  /** Node status is re-posted this often even when unchanged. Default 60 s. */
  statusIntervalMs?: number;
  /** First CrashLoopBackOff delay (doubles to 5 min). Default 10 s; tests shorten it. */
  restartBackOffBaseMs?: number;
  restartBackOffMaxMs?: number;
  /** How often the runtime is relisted for changes (PLEG). Default 1 s. */
  relistIntervalMs?: number;
  /** Every pod is synced at least this often. Default 10 s. */
  resyncMs?: number;
  /**
   * On stop, leave pods running and containerd's state in place for the next agent to adopt
   * (kubelet-like restart). Default false: stop every pod and remove all host state.
   */
  keepPodsOnStop?: boolean;
  /** Replaces the volume manager (tests). */
  volumes?: PodVolumes;
  /**
   * The node's InternalIP: where the API server reaches the streaming server (logs, exec).
   * Default: the first non-loopback IPv4; 127.0.0.1 for a single-machine cluster or tests.
   */
  nodeIP?: string;
  /**
   * The streaming server for `kubectl logs/exec/attach/port-forward` (kubelet port 10250).
   * Bound on nodeIP; tokens default to the agent's own API token (what the API server presents).
   * Absent: no streaming server.
   */
  streaming?: { port: number; host?: string; tokens?: string[] };
}

const isCode = (err: unknown, ...codes: number[]) => err instanceof ApiError && codes.includes(err.code);

export class ContainerdAgent {
  /** Resolves once the node is registered, containerd runs and pods are being watched. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;
  private readonly o: ContainerdAgentOptions;
  private readonly log: Logger;
  private readonly workers = new Map<string, PodWorker>();
  private supervisor?: ContainerdSupervisor;
  private runtimeVersion = '';
  private readonly hostIP: string;
  private readonly bootID: string;
  private node?: Node;
  private agentPort?: number;
  private nodeStatusDirty = true;

  constructor(options: ContainerdAgentOptions) {
    this.o = options;
    this.log = options.log.child({ component: 'agent', node: options.nodeName });
    this.hostIP = options.nodeIP ?? primaryIPv4();
    this.bootID = readTrim('/proc/sys/kernel/random/boot_id') ?? randomUUID();
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  /** The supervised containerd (after start). */
  get runtime(): ContainerdSupervisor | undefined {
    return this.supervisor;
  }

  /** Workers currently tracked, by pod uid (for tests and diagnostics). */
  get podCount(): number {
    return this.workers.size;
  }

  private describe(health: NodeHealthReport): NodeDescription {
    void health;
    return {
      name: this.o.nodeName,
      capacity: { cpu: String(os.availableParallelism()), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: '110', 'ephemeral-storage': diskCapacity(this.o.dataDir) },
      agentPort: this.agentPort,
      addresses: [
        { type: 'InternalIP', address: this.hostIP },
        { type: 'Hostname', address: os.hostname() },
      ],
      nodeInfo: {
        machineID: readTrim('/etc/machine-id') ?? '',
        bootID: this.bootID,
        kernelVersion: os.release(),
        osImage: osImage(),
        containerRuntimeVersion: this.runtimeVersion,
      },
    };
  }

  private health(): NodeHealthReport {
    const state = this.supervisor?.state;
    if (state === 'running') return { ready: true };
    return { ready: false, notReadyMessage: `container runtime is down: containerd is ${state ?? 'not started'}` };
  }

  /** Runs the agent until the signal aborts. Rejects when containerd cannot start at all. */
  async run(signal: AbortSignal): Promise<void> {
    const client = new Client({ ...this.o.client, userAgent: 'orch-agent' });
    const internal = new AbortController();
    const onAbort = () => internal.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) internal.abort();
    const runtimeAc = new AbortController();
    const loops: Promise<unknown>[] = [];
    let runtimeDone: Promise<void> | undefined;
    let probes: ProbeManager | undefined;
    let volumes: PodVolumes | undefined;
    let streaming: NodeStreamingServer | undefined;
    let storage: LocalPathProvisioner | undefined;
    try {
      // 1. Register (NotReady until containerd answers), heartbeat.
      const stored = await this.retry(() => registerNode(client, buildNode(this.describe(this.health()), this.health(), Date.now())), internal.signal);
      if (!stored) return this.rejectReady(new Error('agent stopped before it was ready'));
      this.node = stored;
      const hb = this.o.heartbeatIntervalMs ?? 10_000;
      const lease = new NodeLease(client, this.o.nodeName, { durationSeconds: Math.max(1, Math.ceil((hb * 4) / 1000)), ownerUid: stored.metadata!.uid! });
      await lease.renew().catch((err: Error) => this.log.warn({ err: err.message }, 'lease renewal failed'));
      loops.push(runLeaseHeartbeat(lease, { intervalMs: hb, log: this.log }, internal.signal));

      // 2. Pod CIDR from node IPAM, or the fallback.
      const podCidr = await this.waitForPodCidr(client, internal.signal);
      if (!podCidr) return this.rejectReady(new Error('agent stopped before it was ready'));

      // 3. containerd.
      const supervisor = (this.supervisor = new ContainerdSupervisor({
        dataDir: this.o.dataDir,
        clusterName: this.o.clusterName,
        podCidr,
        bridgeName: this.o.bridgeName ?? 'orch0',
        log: this.o.log,
        registries: this.o.registries,
        imagesDir: this.o.imagesDir,
        removeStateOnStop: !this.o.keepPodsOnStop,
      }));
      runtimeDone = supervisor.run(runtimeAc.signal);
      runtimeDone.catch(() => undefined);
      await Promise.race([supervisor.ready, runtimeDone.then(() => Promise.reject(new Error('containerd stopped before it was ready')))]);
      const cri = supervisor.cri;
      const v = await cri.version();
      this.runtimeVersion = `${v.runtime_name}://${v.runtime_version}`;
      const markDirty = () => {
        this.nodeStatusDirty = true;
        void this.postNodeStatus(client).catch((err: Error) => this.log.warn({ err: err.message }, 'node status update failed'));
      };
      supervisor.on('exited', markDirty);
      supervisor.on('restarted', markDirty);
      if (this.o.streaming) {
        const st = this.o.streaming;
        streaming = new NodeStreamingServer({
          host: st.host ?? this.hostIP,
          port: st.port,
          tokens: st.tokens ?? (this.o.client.token ? [this.o.client.token] : []),
          locator: new CriContainerLocator(supervisor.cri),
          cri: supervisor.cri,
          nodeName: this.o.nodeName,
          log: this.o.log,
        });
        await streaming.start();
        this.agentPort = streaming.port;
        // The API server pins the node's self-signed certificate by this fingerprint.
        await client.resource<Node>('nodes').patch(undefined, this.o.nodeName, { metadata: { annotations: { [STREAMING_CERT_ANNOTATION]: streaming.certFingerprint256 } } }, 'merge');
      }
      await this.postNodeStatus(client);
      loops.push(this.nodeStatusLoop(client, internal.signal));

      // 4. Persistent volumes of this node (<dataDir>/storage outlives every stop and restart).
      if (this.o.localStorage !== false) {
        storage = new LocalPathProvisioner({ client, nodeName: this.o.nodeName, storageDir: storageDirOf(this.o.dataDir), log: this.log });
        loops.push(storage.run(internal.signal));
      }

      // 5. Pods.
      const volumeManager = this.o.volumes
        ? undefined
        : createVolumeManager({
          client,
          podsDir: path.join(this.o.dataDir, 'pod-data'),
          log: this.o.log,
          signal: internal.signal,
          prepareLocalVolume,
          // A ConfigMap or Secret a pod mounts changed: its files are swapped in place (no restart).
          onSourceChange: (uid) => {
            const pod = this.workers.get(uid)?.pod;
            if (pod) volumeManager?.refresh(pod).catch((err: Error) => this.log.warn({ err: err.message, uid }, 'refreshing pod volumes failed'));
          },
        });
      volumes = this.o.volumes ?? volumeManager;
      const runProbe = makeProbeRunner(() => supervisor.cri);
      const recorder = new EventRecorder(client, 'kubelet', this.o.nodeName, this.log);
      const podEvent = (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string) => recorder.event({ apiVersion: 'v1', kind: 'Pod', ...pod }, type, reason, message);
      probes = new ProbeManager(runProbe, (target, kind, ok, message) => {
        const w = this.workers.get(target.podUid ?? '');
        if (!ok && w?.pod) podEvent(w.pod, 'Warning', 'Unhealthy', `${kind[0].toUpperCase()}${kind.slice(1)} probe failed: ${message}`);
        w?.kick();
      });
      const services = new Informer<Service>(client.resource<Service>('services'), { log: this.log });
      const pods = new Informer<Pod>(client.resource<Pod>('pods'), { fieldSelector: `spec.nodeName=${this.o.nodeName}`, log: this.log });
      const base = this.o.restartBackOffBaseMs ?? 10_000;
      const ctx: WorkerContext = {
        client,
        runtime: {
          whenRunning: () => supervisor.whenRunning(),
          cri: () => supervisor.cri,
          podCgroupParent: (uid) => supervisor.podCgroupParent(uid),
          podLogDirectory: (ns, name, uid) => supervisor.podLogDirectory(ns, name, uid),
          removePodCgroups: (uid) => supervisor.removePodCgroups(uid),
        },
        volumes,
        probes,
        runProbe,
        restartBackOff: new BackOff({ baseMs: base, maxMs: this.o.restartBackOffMaxMs ?? 300_000, resetAfterMs: 600_000 }),
        pullBackOff: new BackOff({ baseMs: Math.min(base, 10_000), maxMs: 300_000, resetAfterMs: 600_000 }),
        startLimiter: new Limiter(8),
        envSources: (_pod, podIPs) => ({
          configMap: (ns, name) => getOrUndefined<ConfigMap>(client, 'configmaps', ns, name),
          secret: (ns, name) => getOrUndefined<Secret>(client, 'secrets', ns, name),
          services: (ns) => services.list().filter((s) => s.metadata?.namespace === ns || s.metadata?.namespace === 'default'),
          podIPs,
          hostIP: this.hostIP,
          nodeName: this.o.nodeName,
        }),
        event: podEvent,
        nodeName: this.o.nodeName,
        hostIP: this.hostIP,
        clusterDns: Array.isArray(this.o.clusterDns) ? this.o.clusterDns : [this.o.clusterDns],
        clusterDomain: this.o.clusterDomain ?? 'cluster.local',
        podDataDir: path.join(this.o.dataDir, 'pod-data'),
        host: { cpu: os.availableParallelism(), memory: os.totalmem() },
        resyncMs: this.o.resyncMs ?? 10_000,
        log: this.log,
      };
      const onPod = (p: Pod) => {
        const uid = p.metadata?.uid;
        if (!uid) return;
        const w = this.worker(uid, ctx);
        w.setPod(p);
        w.kick();
      };
      pods.on({
        add: onPod,
        update: (_o, p) => onPod(p),
        delete: (p) => {
          const w = this.workers.get(p.metadata?.uid ?? '');
          if (!w) return;
          w.setPod(undefined);
          w.kick();
        },
      });
      loops.push(pods.run(internal.signal), services.run(internal.signal));
      await Promise.race([Promise.all([pods.synced, services.synced]), aborted(internal.signal)]);
      if (internal.signal.aborted) return this.rejectReady(new Error('agent stopped before it was ready'));
      // Sandboxes of pods the API no longer has (deleted while the agent was down) are removed.
      await this.relist(supervisor.cri, ctx);
      loops.push(this.relistLoop(supervisor, ctx, internal.signal));
      this.log.info({ podCidr, runtime: this.runtimeVersion, pods: this.workers.size }, 'agent ready');
      this.resolveReady();
      await aborted(internal.signal);
    } catch (err) {
      this.rejectReady(err as Error);
      throw err;
    } finally {
      internal.abort();
      signal.removeEventListener('abort', onAbort);
      // Workers finish what they are doing before containerd goes away under them.
      await Promise.allSettled([...this.workers.values()].map((w) => w.close()));
      probes?.stopAll();
      await streaming?.stop().catch((err: Error) => this.log.warn({ err: err.message }, 'stopping the streaming server failed'));
      await Promise.allSettled(loops);
      runtimeAc.abort();
      const stopped = await runtimeDone?.then(
        () => undefined,
        (err: Error) => err,
      );
      if (!this.o.keepPodsOnStop) {
        await this.removePodData(volumes);
        // The pods are gone: their size-enforced volumes' images can be unmounted (data kept).
        await storage?.unmountAll();
      }
      client.close();
      if (stopped && !(stopped instanceof Error && /stopped before/.test(stopped.message))) this.log.warn({ err: stopped.message }, 'containerd stopped with an error');
    }
  }

  /** After a full stop: every pod's volumes and files go (containerd removed the pods themselves). */
  private async removePodData(volumes: PodVolumes | undefined): Promise<void> {
    const dir = path.join(this.o.dataDir, 'pod-data');
    let uids: string[] = [];
    try {
      uids = await fs.promises.readdir(dir);
    } catch {
      return;
    }
    for (const uid of uids) {
      await volumes?.tearDown(uid).catch((err: Error) => this.log.warn({ err: err.message, uid }, 'tearing down pod volumes failed'));
    }
    await fs.promises.rm(dir, { recursive: true, force: true }).catch((err: Error) => this.log.warn({ err: err.message }, 'removing pod data failed'));
  }

  private worker(uid: string, ctx: WorkerContext): PodWorker {
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(uid, ctx, (done) => {
        if (this.workers.get(uid) === done) this.workers.delete(uid);
      });
      this.workers.set(uid, w);
    }
    return w;
  }

  private fingerprints = new Map<string, string>();

  /** One PLEG round: wakes the workers of pods whose sandboxes or containers changed state. */
  private async relist(cri: CriClient, ctx: WorkerContext): Promise<void> {
    const selector = { label_selector: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } };
    const [sandboxes, containers] = await Promise.all([cri.listPodSandbox(selector), cri.listContainers(selector)]);
    const prints = new Map<string, string[]>();
    for (const s of sandboxes) {
      const uid = s.labels[POD_UID_LABEL];
      if (uid) (prints.get(uid) ?? prints.set(uid, []).get(uid)!).push(`${s.id}:${s.state}`);
    }
    for (const c of containers) {
      const uid = c.labels[POD_UID_LABEL];
      if (!uid) continue;
      (prints.get(uid) ?? prints.set(uid, []).get(uid)!).push(`${c.id}:${c.state}`);
    }
    const next = new Map<string, string>();
    for (const [uid, list] of prints) {
      const fp = list.sort().join(',');
      next.set(uid, fp);
      if (this.fingerprints.get(uid) === fp) continue;
      // A uid with runtime state and no worker is an orphan: its worker (pod unset) removes it.
      const w = this.worker(uid, ctx);
      w.kick();
    }
    for (const uid of this.fingerprints.keys()) if (!next.has(uid)) this.workers.get(uid)?.kick();
    this.fingerprints = next;
  }

  private async relistLoop(supervisor: ContainerdSupervisor, ctx: WorkerContext, signal: AbortSignal): Promise<void> {
    const every = this.o.relistIntervalMs ?? 1000;
    while (!signal.aborted) {
      await sleep(every, signal);
      if (signal.aborted) return;
      if (supervisor.state !== 'running') continue;
      try {
        await this.relist(supervisor.cri, ctx);
      } catch (err) {
        if (!signal.aborted) this.log.debug({ err: (err as Error).message }, 'runtime relist failed');
      }
    }
  }

  private async waitForPodCidr(client: Client, signal: AbortSignal): Promise<string | undefined> {
    const deadline = Date.now() + (this.o.podCidrWaitMs ?? 10_000);
    let node = this.node;
    for (;;) {
      const cidr = node?.spec?.podCIDR;
      if (cidr) return cidr;
      if (this.o.podCidrFallback && Date.now() >= deadline) {
        this.log.info({ podCidr: this.o.podCidrFallback }, 'no pod CIDR assigned by node IPAM; using the fallback');
        return this.o.podCidrFallback;
      }
      await sleep(500, signal);
      if (signal.aborted) return undefined;
      node = await client.resource<Node>('nodes').get(undefined, this.o.nodeName).catch(() => node);
    }
  }

  /** Posts the node status when it changed (Ready flips, runtime version) or the report interval passed. */
  private async postNodeStatus(client: Client): Promise<void> {
    const nodes = client.resource<Node>('nodes');
    for (let attempt = 0; attempt < 3; attempt++) {
      const node = await nodes.get(undefined, this.o.nodeName);
      const health = this.health();
      const status = nodeStatus(this.describe(health), health, Date.now(), node.status);
      try {
        this.node = await nodes.updateStatus({ ...node, status });
        this.nodeStatusDirty = false;
        return;
      } catch (err) {
        if (!isCode(err, 409)) throw err;
      }
    }
  }

  private async nodeStatusLoop(client: Client, signal: AbortSignal): Promise<void> {
    const every = this.o.statusIntervalMs ?? 60_000;
    let last = Date.now();
    while (!signal.aborted) {
      await sleep(Math.min(every, 1000), signal);
      if (signal.aborted) return;
      const wanted = kubeletConditions(this.health(), Date.now(), this.node?.status?.conditions);
      if (!this.nodeStatusDirty && !conditionsDiffer(this.node?.status?.conditions, wanted) && Date.now() - last < every) continue;
      try {
        await this.postNodeStatus(client);
        last = Date.now();
      } catch (err) {
        if (!signal.aborted) this.log.warn({ err: (err as Error).message }, 'node status update failed');
      }
    }
  }

  private async retry<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T | undefined> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (isCode(err, 401, 403)) throw err;
        this.log.warn({ err: (err as Error).message, attempt }, 'registering the node failed; retrying');
        await sleep(Math.min(5000, 200 * 2 ** attempt), signal);
      }
    }
    return undefined;
  }
}

async function getOrUndefined<T extends { metadata?: any }>(client: Client, plural: string, ns: string, name: string): Promise<T | undefined> {
  try {
    return await client.resource<T>(plural).get(ns, name);
  } catch (err) {
    if (isCode(err, 404)) return undefined;
    throw err;
  }
}

function primaryIPv4(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function readTrim(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function osImage(): string {
  const text = readTrim('/etc/os-release') ?? '';
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text);
  return m?.[1] ?? 'Linux';
}

function diskCapacity(dir: string): string {
  try {
    let d = dir;
    while (!fs.existsSync(d)) d = path.dirname(d);
    const s = fs.statfsSync(d);
    return `${Math.floor((s.blocks * s.bsize) / 1024)}Ki`;
  } catch {
    return '0';
  }
}


function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
