/**
 * TypeScript shapes of the CRI v1 messages in cri-proto.ts, field for field (snake_case, as
 * on the wire).
 *
 * Conventions:
 * - 64-bit integers are decimal strings in everything the runtime returns (nanosecond
 *   timestamps exceed 2^53); requests accept a string or a safe integer (`Int64In`).
 * - Enums are their upstream names ('CONTAINER_RUNNING', 'POD', ...).
 * - Request/config types have optional fields (unset = the proto default). Returned types
 *   have every field present: scalars default to ''/0/false/'0', lists to [], maps to {},
 *   and an absent sub-message is `null` (so ImageStatus of a missing image is
 *   `{ image: null }`).
 */

/** A 64-bit integer going to the runtime: a decimal string, or a number within 2^53. */
export type Int64In = string | number;
/** A 64-bit integer coming back from the runtime, as a decimal string. */
export type Int64 = string;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type MountPropagation = 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
/** POD shares the namespace across the pod, CONTAINER is private, NODE is the host's. */
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type ProfileType = 'RuntimeDefault' | 'Unconfined' | 'Localhost';
export type Labels = Record<string, string>;

// ---------------------------------------------------------------------------------------
// Shared pieces (used in requests)

export interface DNSConfig {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

export interface PortMapping {
  protocol?: Protocol;
  container_port?: number;
  host_port?: number;
  host_ip?: string;
}

export interface Mount {
  container_path: string;
  host_path: string;
  readonly?: boolean;
  selinux_relabel?: boolean;
  propagation?: MountPropagation;
}

export interface NamespaceOption {
  network?: NamespaceMode;
  /** Leave unset only on purpose: the proto default POD shares the pause PID namespace. */
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  target_id?: string;
}

export interface Int64ValueIn {
  value: Int64In;
}

export interface SELinuxOption {
  user?: string;
  role?: string;
  type?: string;
  level?: string;
}

export interface SecurityProfile {
  profile_type?: ProfileType;
  localhost_ref?: string;
}

export interface LinuxSandboxSecurityContext {
  namespace_options?: NamespaceOption;
  selinux_options?: SELinuxOption;
  run_as_user?: Int64ValueIn;
  run_as_group?: Int64ValueIn;
  readonly_rootfs?: boolean;
  supplemental_groups?: Int64In[];
  privileged?: boolean;
  seccomp?: SecurityProfile;
  apparmor?: SecurityProfile;
}

export interface LinuxContainerResources {
  cpu_period?: Int64In;
  cpu_quota?: Int64In;
  cpu_shares?: Int64In;
  memory_limit_in_bytes?: Int64In;
  oom_score_adj?: Int64In;
  cpuset_cpus?: string;
  cpuset_mems?: string;
  unified?: Record<string, string>;
  memory_swap_limit_in_bytes?: Int64In;
}

export interface LinuxPodSandboxConfig {
  /** Absolute cgroupfs path such as `/orch-<cluster>/pod<uid>`; never a `.slice` name. */
  cgroup_parent?: string;
  security_context?: LinuxSandboxSecurityContext;
  sysctls?: Record<string, string>;
  overhead?: LinuxContainerResources;
  resources?: LinuxContainerResources;
}

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  /** Bump on retry: the same name/namespace/uid/attempt is refused as a duplicate. */
  attempt?: number;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  /** Absolute directory; each container's `log_path` is relative to it. */
  log_directory?: string;
  dns_config?: DNSConfig;
  port_mappings?: PortMapping[];
  labels?: Labels;
  annotations?: Labels;
  linux?: LinuxPodSandboxConfig;
}

export interface ImageSpecIn {
  image: string;
  annotations?: Labels;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface Capability {
  add_capabilities?: string[];
  drop_capabilities?: string[];
  add_ambient_capabilities?: string[];
}

export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged?: boolean;
  namespace_options?: NamespaceOption;
  selinux_options?: SELinuxOption;
  run_as_user?: Int64ValueIn;
  run_as_group?: Int64ValueIn;
  run_as_username?: string;
  readonly_rootfs?: boolean;
  supplemental_groups?: Int64In[];
  no_new_privs?: boolean;
  masked_paths?: string[];
  readonly_paths?: string[];
  seccomp?: SecurityProfile;
  apparmor?: SecurityProfile;
}

export interface LinuxContainerConfig {
  resources?: LinuxContainerResources;
  security_context?: LinuxContainerSecurityContext;
}

export interface ContainerMetadataIn {
  name: string;
  attempt?: number;
}

export interface Device {
  container_path: string;
  host_path: string;
  permissions?: string;
}

export interface ContainerConfig {
  metadata: ContainerMetadataIn;
  /** A full reference (`host/repo:tag`) or an image id. */
  image: ImageSpecIn;
  command?: string[];
  args?: string[];
  working_dir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  devices?: Device[];
  labels?: Labels;
  annotations?: Labels;
  /** Relative to the sandbox's `log_directory`, e.g. `web/0.log`. */
  log_path?: string;
  stdin?: boolean;
  stdin_once?: boolean;
  tty?: boolean;
  linux?: LinuxContainerConfig;
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  server_address?: string;
  identity_token?: string;
  registry_token?: string;
}

export interface PodSandboxFilter {
  id?: string;
  state?: { state: PodSandboxState };
  label_selector?: Labels;
}

export interface ContainerFilter {
  id?: string;
  state?: { state: ContainerState };
  pod_sandbox_id?: string;
  label_selector?: Labels;
}

// ---------------------------------------------------------------------------------------
// Returned shapes (every field present)

export interface VersionResponse {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}

export interface PodSandboxMetadataOut {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface ContainerMetadataOut {
  name: string;
  attempt: number;
}

export interface ImageSpecOut {
  image: string;
  annotations: Labels;
}

export interface NamespaceOptionOut {
  network: NamespaceMode;
  pid: NamespaceMode;
  ipc: NamespaceMode;
  target_id: string;
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadataOut | null;
  state: PodSandboxState;
  /** Nanoseconds since the epoch. */
  created_at: Int64;
  network: { ip: string; additional_ips: { ip: string }[] } | null;
  linux: { namespaces: { options: NamespaceOptionOut | null } | null } | null;
  labels: Labels;
  annotations: Labels;
  runtime_handler: string;
}

export interface PodSandboxStatusResponse {
  status: PodSandboxStatus | null;
  /** JSON strings, only when `verbose` was asked for. */
  info: Record<string, string>;
  containers_statuses: ContainerStatus[];
  timestamp: Int64;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadataOut | null;
  state: PodSandboxState;
  created_at: Int64;
  labels: Labels;
  annotations: Labels;
  runtime_handler: string;
}

export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: ContainerMetadataOut | null;
  image: ImageSpecOut | null;
  image_ref: string;
  state: ContainerState;
  created_at: Int64;
  labels: Labels;
  annotations: Labels;
  image_id: string;
}

export interface LinuxContainerResourcesOut {
  cpu_period: Int64;
  cpu_quota: Int64;
  cpu_shares: Int64;
  memory_limit_in_bytes: Int64;
  oom_score_adj: Int64;
  cpuset_cpus: string;
  cpuset_mems: string;
  unified: Record<string, string>;
  memory_swap_limit_in_bytes: Int64;
}

export interface MountOut {
  container_path: string;
  host_path: string;
  readonly: boolean;
  selinux_relabel: boolean;
  propagation: MountPropagation;
}

export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadataOut | null;
  state: ContainerState;
  /** Nanoseconds since the epoch; '0' when not set. */
  created_at: Int64;
  started_at: Int64;
  finished_at: Int64;
  /** Meaningful once `finished_at` is not '0'. */
  exit_code: number;
  image: ImageSpecOut | null;
  image_ref: string;
  /** CamelCase reason such as 'Completed', 'Error', 'OOMKilled'. */
  reason: string;
  message: string;
  labels: Labels;
  annotations: Labels;
  mounts: MountOut[];
  log_path: string;
  resources: { linux: LinuxContainerResourcesOut | null } | null;
  image_id: string;
}

export interface ContainerStatusResponse {
  status: ContainerStatus | null;
  info: Record<string, string>;
}

export interface ExecSyncResult {
  stdout: Buffer;
  stderr: Buffer;
  /** A non-zero exit is reported here, not as an error. */
  exit_code: number;
}

export interface RuntimeCondition {
  /** 'RuntimeReady' or 'NetworkReady' (required conditions), or informative ones. */
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface StatusResponse {
  status: { conditions: RuntimeCondition[] } | null;
  info: Record<string, string>;
}

export interface Image {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  /** Bytes, as a decimal string. */
  size: Int64;
  uid: { value: Int64 } | null;
  username: string;
  spec: ImageSpecOut | null;
  pinned: boolean;
}

export interface ImageStatusResponse {
  /** `null` when the image is not present. */
  image: Image | null;
  info: Record<string, string>;
}

export interface FilesystemUsage {
  timestamp: Int64;
  fs_id: { mountpoint: string } | null;
  used_bytes: { value: Int64 } | null;
  inodes_used: { value: Int64 } | null;
}

export interface ImageFsInfoResponse {
  image_filesystems: FilesystemUsage[];
  container_filesystems: FilesystemUsage[];
}
