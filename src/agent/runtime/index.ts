/** The node's container runtime: a supervised containerd of its own (see README.md here). */
export {
  ContainerdSupervisor,
  ContainerdError,
  type ContainerdSupervisorOptions,
  type StopOptions,
  type StopReport,
  type SupervisorState,
  type SupervisorTimings,
} from './containerd-supervisor.js';
export { runtimePaths, type RuntimePaths } from './paths.js';
export { PreflightError } from './preflight.js';
export {
  loadRegistriesFile,
  parseRegistriesYaml,
  RegistriesConfigError,
  type RegistriesConfig,
  type RegistryAuth,
  type RegistryConfig,
  type RegistryMirror,
  type RegistryTls,
} from './registries.js';
export { parseCidr, type Ipv4Cidr } from './cni-config.js';
