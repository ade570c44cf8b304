/**
 * CriClient: promise methods over containerd's CRI v1 gRPC API (RuntimeService and
 * ImageService), with generous deadlines and typed errors (cri-errors.ts).
 *
 * The client also refuses, before sending, the few requests known to hurt the node
 * (NODE-RUNTIME.md): CreateContainer without the sandbox config (containerd 1.6 panics and
 * the daemon dies), a relative log directory, a systemd `.slice` cgroup parent. It fills
 * `namespace_options.pid = CONTAINER` on containers that leave it unset, since the proto
 * default (POD) would put the container in the pause process's PID namespace.
 */
import * as grpc from '@grpc/grpc-js';
import path from 'node:path';
import { criMethods, decodeMessage, encodeMessage } from './cri-codec.js';
import { CriRequestRejectedError, criErrorFromStatus, CriCancelledError } from './cri-errors.js';
import type {
  AuthConfig,
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerStatusResponse,
  ExecSyncResult,
  Image,
  ImageFsInfoResponse,
  ImageStatusResponse,
  LinuxContainerResources,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatusResponse,
  StatusResponse,
  VersionResponse,
} from './cri-types.js';

/** Per-call options. */
export interface CriCallOptions {
  /** Deadline of this call in ms (overrides the client's default for the method). */
  timeoutMs?: number;
  /** Aborting cancels the call; the promise rejects with CriCancelledError. */
  signal?: AbortSignal;
}

export interface CriClientOptions {
  /** containerd's socket: an absolute path, or a `unix:///...` target. */
  socket: string;
  /**
   * Wait (within the deadline) for the connection instead of failing at once with
   * CriUnavailableError while containerd is down. Default true: the supervisor restarts
   * containerd within a second or so, and callers would otherwise all retry by hand.
   */
  waitForReady?: boolean;
  /** Default deadlines in ms. */
  timeouts?: Partial<CriTimeouts>;
  /**
   * When set, RunPodSandbox is refused unless `linux.cgroup_parent` lies under this cgroup
   * path (e.g. `/orch-<cluster>`): pods must land where the supervisor cleans up, and never
   * in the shared default `/k8s.io`.
   */
  cgroupParentRoot?: string;
}

export interface CriTimeouts {
  /** Version, Status, List*, *Status, ImageFsInfo. */
  read: number;
  /** Run/Stop/Remove sandbox, Create/Start/Remove container, Update, Exec/Attach URLs. */
  write: number;
  /** PullImage. */
  pull: number;
  /** Added to the container's grace period (StopContainer) or the command timeout (ExecSync). */
  slack: number;
}

export const DEFAULT_CRI_TIMEOUTS: CriTimeouts = { read: 30_000, write: 120_000, pull: 15 * 60_000, slack: 60_000 };

/** What Exec and Attach want streamed; at least one must be true. */
export interface StreamRequest {
  tty?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

const MAX_MESSAGE = 64 * 1024 * 1024;

export class CriClient {
  private readonly client: grpc.Client;
  private readonly timeouts: CriTimeouts;
  private readonly waitForReady: boolean;
  private readonly cgroupParentRoot?: string;
  /** The gRPC target, e.g. `unix:///var/lib/orch/agent/containerd/containerd.sock`. */
  readonly target: string;

  constructor(options: CriClientOptions) {
    this.target = options.socket.startsWith('unix:') ? options.socket : `unix://${path.resolve(options.socket)}`;
    this.timeouts = { ...DEFAULT_CRI_TIMEOUTS, ...options.timeouts };
    this.waitForReady = options.waitForReady ?? true;
    this.cgroupParentRoot = options.cgroupParentRoot?.replace(/\/+$/, '');
    this.client = new grpc.Client(this.target, grpc.credentials.createInsecure(), {
      // containerd restarts are short: reconnect quickly rather than after grpc's 1-120 s back-off.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.max_receive_message_length': MAX_MESSAGE,
      'grpc.max_send_message_length': MAX_MESSAGE,
    });
  }

  /** Closes the connection; calls in flight fail with CriCancelledError. */
  close(): void {
    this.client.close();
  }

  /**
   * Calls any method of the subset by name with a plain request object; resolves with the
   * decoded response (every field present). The typed methods below are built on it.
   */
  call<T>(method: string, request: object, timeoutMs: number, options: CriCallOptions = {}): Promise<T> {
    const m = criMethods().get(method);
    if (!m) return Promise.reject(new Error(`CRI method ${method} is not in orch's CRI subset`));
    if (options.signal?.aborted) return Promise.reject(new CriCancelledError(method, 1, 'aborted before the call'));
    const metadata = new grpc.Metadata({ waitForReady: this.waitForReady });
    const deadline = Date.now() + (options.timeoutMs ?? timeoutMs);
    return new Promise<T>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const call = this.client.makeUnaryRequest<object, T>(
        m.path,
        (value) => encodeMessage(m.requestType, value),
        (bytes) => decodeMessage<T>(m.responseType, bytes),
        request,
        metadata,
        { deadline },
        (err, value) => {
          if (onAbort) options.signal!.removeEventListener('abort', onAbort);
          if (err) reject(criErrorFromStatus(method, err.code, err.details));
          else resolve(value as T);
        },
      );
      if (options.signal) {
        onAbort = () => call.cancel();
        options.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  // ---------------------------------------------------------------- runtime

  /** Runtime name and version, e.g. containerd v1.6.20, API v1. */
  version(options?: CriCallOptions): Promise<VersionResponse> {
    return this.call('Version', { version: 'v1' }, this.timeouts.read, options);
  }

  /** Runtime conditions (RuntimeReady, NetworkReady); `info` only when verbose. */
  status(verbose = false, options?: CriCallOptions): Promise<StatusResponse> {
    return this.call('Status', { verbose }, this.timeouts.read, options);
  }

  /**
   * Creates and starts a pod sandbox (pause container + network namespace with an IP from
   * the CNI config). Resolves with the sandbox id. A duplicate metadata (name, namespace,
   * uid, attempt) rejects with CriAlreadyExistsError.
   */
  async runPodSandbox(config: PodSandboxConfig, options: CriCallOptions & { runtimeHandler?: string } = {}): Promise<string> {
    this.checkSandboxConfig('RunPodSandbox', config);
    const res = await this.call<{ pod_sandbox_id: string }>('RunPodSandbox', { config, runtime_handler: options.runtimeHandler ?? '' }, this.timeouts.write, options);
    return res.pod_sandbox_id;
  }

  /** Stops every process of the sandbox and releases its network (CNI DEL). Idempotent. */
  async stopPodSandbox(podSandboxId: string, options?: CriCallOptions): Promise<void> {
    await this.call('StopPodSandbox', { pod_sandbox_id: podSandboxId }, this.timeouts.write, options);
  }

  /** Removes the sandbox and its containers. Idempotent (a missing sandbox is not an error). */
  async removePodSandbox(podSandboxId: string, options?: CriCallOptions): Promise<void> {
    await this.call('RemovePodSandbox', { pod_sandbox_id: podSandboxId }, this.timeouts.write, options);
  }

  /** Status of one sandbox (state, IP in `status.network.ip`); CriNotFoundError when gone. */
  podSandboxStatus(podSandboxId: string, options: CriCallOptions & { verbose?: boolean } = {}): Promise<PodSandboxStatusResponse> {
    return this.call('PodSandboxStatus', { pod_sandbox_id: podSandboxId, verbose: options.verbose ?? false }, this.timeouts.read, options);
  }

  /** Sandboxes matching the filter (all fields ANDed; labels by equality). */
  async listPodSandbox(filter?: PodSandboxFilter, options?: CriCallOptions): Promise<PodSandbox[]> {
    const res = await this.call<{ items: PodSandbox[] }>('ListPodSandbox', filter ? { filter } : {}, this.timeouts.read, options);
    return res.items;
  }

  /**
   * Creates a container in a sandbox; resolves with its id. `sandboxConfig` must be the
   * config the sandbox was run with (required: containerd 1.6 crashes without it).
   */
  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig, options?: CriCallOptions): Promise<string> {
    if (!sandboxConfig || !sandboxConfig.metadata) {
      throw new CriRequestRejectedError('CreateContainer', 'sandboxConfig is required (containerd 1.6 panics without it)');
    }
    const res = await this.call<{ container_id: string }>(
      'CreateContainer',
      { pod_sandbox_id: podSandboxId, config: withPrivatePidNamespace(config), sandbox_config: sandboxConfig },
      this.timeouts.write,
      options,
    );
    return res.container_id;
  }

  async startContainer(containerId: string, options?: CriCallOptions): Promise<void> {
    await this.call('StartContainer', { container_id: containerId }, this.timeouts.write, options);
  }

  /**
   * Sends the stop signal, waits up to `gracePeriodSeconds`, then kills. Idempotent. The
   * deadline is the grace period plus the client's slack.
   */
  async stopContainer(containerId: string, gracePeriodSeconds: number, options: CriCallOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? gracePeriodSeconds * 1000 + this.timeouts.slack;
    await this.call('StopContainer', { container_id: containerId, timeout: Math.max(0, Math.floor(gracePeriodSeconds)) }, timeoutMs, options);
  }

  /** Removes a container (killing it if running). Idempotent. */
  async removeContainer(containerId: string, options?: CriCallOptions): Promise<void> {
    await this.call('RemoveContainer', { container_id: containerId }, this.timeouts.write, options);
  }

  async listContainers(filter?: ContainerFilter, options?: CriCallOptions): Promise<Container[]> {
    const res = await this.call<{ containers: Container[] }>('ListContainers', filter ? { filter } : {}, this.timeouts.read, options);
    return res.containers;
  }

  /** Status of one container (state, exit code, reason, times); CriNotFoundError when gone. */
  containerStatus(containerId: string, options: CriCallOptions & { verbose?: boolean } = {}): Promise<ContainerStatusResponse> {
    return this.call('ContainerStatus', { container_id: containerId, verbose: options.verbose ?? false }, this.timeouts.read, options);
  }

  async updateContainerResources(containerId: string, linux: LinuxContainerResources, annotations?: Record<string, string>, options?: CriCallOptions): Promise<void> {
    await this.call('UpdateContainerResources', { container_id: containerId, linux, annotations: annotations ?? {} }, this.timeouts.write, options);
  }

  /** Asks the runtime to reopen the container's log file (after rotating it). */
  async reopenContainerLog(containerId: string, options?: CriCallOptions): Promise<void> {
    await this.call('ReopenContainerLog', { container_id: containerId }, this.timeouts.write, options);
  }

  /**
   * Runs a command in a running container and collects its output (each stream capped at
   * 16 MiB by containerd). A non-zero exit is `exit_code`, not an error. `timeoutSeconds` 0
   * means no limit on the command; the call's deadline is then the client's write timeout.
   */
  async execSync(containerId: string, cmd: string[], timeoutSeconds = 0, options: CriCallOptions = {}): Promise<ExecSyncResult> {
    const timeoutMs = options.timeoutMs ?? (timeoutSeconds > 0 ? timeoutSeconds * 1000 + this.timeouts.slack : this.timeouts.write);
    const res = await this.call<{ stdout: Uint8Array; stderr: Uint8Array; exit_code: number }>(
      'ExecSync',
      { container_id: containerId, cmd, timeout: Math.max(0, Math.floor(timeoutSeconds)) },
      timeoutMs,
      options,
    );
    return { stdout: toBuffer(res.stdout), stderr: toBuffer(res.stderr), exit_code: res.exit_code };
  }

  /** URL of containerd's streaming server for an interactive exec (SPDY/WebSocket upgrade). */
  async exec(containerId: string, cmd: string[], streams: StreamRequest, options?: CriCallOptions): Promise<string> {
    const res = await this.call<{ url: string }>('Exec', { container_id: containerId, cmd, ...streams }, this.timeouts.write, options);
    return res.url;
  }

  /** URL of containerd's streaming server to attach to the container's main process. */
  async attach(containerId: string, streams: StreamRequest, options?: CriCallOptions): Promise<string> {
    const res = await this.call<{ url: string }>('Attach', { container_id: containerId, ...streams }, this.timeouts.write, options);
    return res.url;
  }

  /** URL of containerd's streaming server to forward ports into the sandbox. */
  async portForward(podSandboxId: string, ports: number[], options?: CriCallOptions): Promise<string> {
    const res = await this.call<{ url: string }>('PortForward', { pod_sandbox_id: podSandboxId, port: ports }, this.timeouts.write, options);
    return res.url;
  }

  // ---------------------------------------------------------------- images

  async listImages(filterImage?: string, options?: CriCallOptions): Promise<Image[]> {
    const res = await this.call<{ images: Image[] }>('ListImages', filterImage ? { filter: { image: { image: filterImage } } } : {}, this.timeouts.read, options);
    return res.images;
  }

  /** `image` is null when the image is not present (not an error). */
  imageStatus(image: string, options: CriCallOptions & { verbose?: boolean } = {}): Promise<ImageStatusResponse> {
    return this.call('ImageStatus', { image: { image }, verbose: options.verbose ?? false }, this.timeouts.read, options);
  }

  /** Pulls an image (through the registry mirrors configured); resolves with the image ref (id). */
  async pullImage(image: string, options: CriCallOptions & { auth?: AuthConfig; sandboxConfig?: PodSandboxConfig } = {}): Promise<string> {
    const req: Record<string, unknown> = { image: { image } };
    if (options.auth) req.auth = options.auth;
    if (options.sandboxConfig) req.sandbox_config = options.sandboxConfig;
    const res = await this.call<{ image_ref: string }>('PullImage', req, this.timeouts.pull, options);
    return res.image_ref;
  }

  /** Removes an image. Idempotent. */
  async removeImage(image: string, options?: CriCallOptions): Promise<void> {
    await this.call('RemoveImage', { image: { image } }, this.timeouts.write, options);
  }

  imageFsInfo(options?: CriCallOptions): Promise<ImageFsInfoResponse> {
    return this.call('ImageFsInfo', {}, this.timeouts.read, options);
  }

  // ---------------------------------------------------------------- guards

  private checkSandboxConfig(method: string, config: PodSandboxConfig): void {
    const reject = (why: string) => {
      throw new CriRequestRejectedError(method, why);
    };
    if (!config?.metadata?.name || !config.metadata.uid || !config.metadata.namespace) reject('metadata.name, metadata.uid and metadata.namespace are required');
    if (config.log_directory && !path.isAbsolute(config.log_directory)) reject(`log_directory must be absolute, got ${JSON.stringify(config.log_directory)}`);
    const parent = config.linux?.cgroup_parent ?? '';
    if (parent.endsWith('.slice')) reject(`cgroup_parent ${JSON.stringify(parent)} is a systemd slice; orch runs containerd with cgroupfs paths`);
    if (parent && !parent.startsWith('/')) reject(`cgroup_parent must be an absolute cgroupfs path, got ${JSON.stringify(parent)}`);
    if (this.cgroupParentRoot && !(parent === this.cgroupParentRoot || parent.startsWith(`${this.cgroupParentRoot}/`))) {
      reject(`cgroup_parent must lie under ${this.cgroupParentRoot} (got ${JSON.stringify(parent)}): the runtime cleans up only there`);
    }
  }
}

/** The container's config with `pid: CONTAINER` unless the caller chose a PID namespace. */
function withPrivatePidNamespace(config: ContainerConfig): ContainerConfig {
  const sc = config.linux?.security_context;
  if (sc?.namespace_options?.pid !== undefined) return config;
  return {
    ...config,
    linux: {
      ...config.linux,
      security_context: { ...sc, namespace_options: { ...sc?.namespace_options, pid: 'CONTAINER' } },
    },
  };
}

function toBuffer(bytes: Uint8Array | undefined): Buffer {
  if (!bytes) return Buffer.alloc(0);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
