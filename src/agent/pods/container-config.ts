/**
 * A container's CRI config from the pod spec: environment (values, configMap/secret/field/
 * resource references, envFrom, service links, `$(VAR)` expansion), resources as cgroup
 * settings, security context and mounts. Everything read from the API comes in through
 * `EnvSources`, so this stays a pure function of its inputs apart from those reads.
 */
import type { ConfigMap, Container, EnvVar, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../machinery/quantity.js';
import type { ContainerConfig, KeyValue, LinuxContainerResources, Mount } from '../cri/cri-types.js';
import { CONTAINER_HASH_ANNOTATION, CONTAINER_KIND_ANNOTATION, CONTAINER_NAME_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, POD_NAME_LABEL, POD_NAMESPACE_LABEL, POD_UID_LABEL, RESTART_COUNT_ANNOTATION } from './labels.js';
import { createHash } from 'node:crypto';
import { supplementalGroups } from './sandbox-config.js';

/** Why a container cannot be configured: shown as waiting reason CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  override name = 'ContainerConfigError';
}

export interface EnvSources {
  /** undefined when the object does not exist. */
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  /** Services of the namespace plus the default namespace's `kubernetes`. */
  services(namespace: string): Service[];
  podIPs: string[];
  hostIP: string;
  nodeName: string;
}

const CPU_PERIOD = 100_000;
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;

function milliCpu(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  return Number((parseQuantity(q).nano + 999_999n) / 1_000_000n);
}

/** requests.cpu → shares, limits.cpu → quota, limits.memory → limit (kubelet's cgroup v1 mapping). */
export function linuxResources(c: Container): LinuxContainerResources {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const reqCpu = milliCpu(req.cpu ?? lim.cpu);
  const shares = reqCpu === undefined ? MIN_SHARES : Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((reqCpu * 1024) / 1000)));
  const out: LinuxContainerResources = { cpu_shares: shares, cpu_period: CPU_PERIOD };
  const limCpu = milliCpu(lim.cpu);
  if (limCpu !== undefined) out.cpu_quota = Math.max(1000, Math.floor((limCpu * CPU_PERIOD) / 1000));
  if (lim.memory !== undefined) out.memory_limit_in_bytes = String(parseQuantity(lim.memory).nano / 1_000_000_000n);
  return out;
}

const upper = (s: string) => s.toUpperCase().replace(/-/g, '_');

/** The `<SVC>_SERVICE_HOST` family of variables for one service, in the kubelet's format. */
export function serviceLinkVars(svc: Service): KeyValue[] {
  const ip = svc.spec?.clusterIP;
  if (!ip || ip === 'None' || !svc.spec?.ports?.length) return [];
  const name = upper(svc.metadata!.name!);
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const ports = svc.spec.ports;
  const first = ports[0];
  const out: KeyValue[] = [
    { key: `${name}_SERVICE_HOST`, value: ip },
    { key: `${name}_SERVICE_PORT`, value: String(first.port) },
  ];
  for (const p of ports) if (p.name) out.push({ key: `${name}_SERVICE_PORT_${upper(p.name)}`, value: String(p.port) });
  out.push({ key: `${name}_PORT`, value: `${(first.protocol ?? 'TCP').toLowerCase()}://${host}:${first.port}` });
  for (const p of ports) {
    const proto = (p.protocol ?? 'TCP').toUpperCase();
    const prefix = `${name}_PORT_${p.port}_${proto}`;
    out.push(
      { key: prefix, value: `${proto.toLowerCase()}://${host}:${p.port}` },
      { key: `${prefix}_PROTO`, value: proto.toLowerCase() },
      { key: `${prefix}_PORT`, value: String(p.port) },
      { key: `${prefix}_ADDR`, value: ip },
    );
  }
  return out;
}

/**
 * Plain string order, as Go's sort.Strings gives the kubelet. Not localeCompare: that loads
 * ICU's collation tables into the agent (~3 MB of RSS) and orders '.', '/' and case
 * differently from the kubelet.
 */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Service links for a pod: every service of its namespace when enableServiceLinks (the
 * default), and always the API server's `kubernetes` service from `default`.
 */
export function serviceEnv(pod: Pod, services: Service[]): KeyValue[] {
  const ns = pod.metadata!.namespace!;
  const links = pod.spec?.enableServiceLinks ?? true;
  const picked = new Map<string, Service>();
  for (const s of services) {
    const sns = s.metadata?.namespace;
    const name = s.metadata?.name ?? '';
    if (sns === 'default' && name === 'kubernetes') picked.set(name, s);
    else if (links && sns === ns && !picked.has(name)) picked.set(name, s);
  }
  // A same-named service in the pod's namespace wins over default's `kubernetes`.
  if (links && ns !== 'default') {
    const own = services.find((s) => s.metadata?.namespace === ns && s.metadata?.name === 'kubernetes');
    if (own) picked.set('kubernetes', own);
  }
  return [...picked.values()].sort((a, b) => byCodeUnits(a.metadata!.name!, b.metadata!.name!)).flatMap(serviceLinkVars);
}

/** Kubernetes' `$(VAR)` expansion: known names are replaced, `$$` escapes, unknown references stay. */
export function expand(input: string, vars: Map<string, string>): string {
  return input.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return vars.has(name!) ? vars.get(name!)! : m;
  });
}

function fieldRef(pod: Pod, path: string, src: EnvSources): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]] ?? '';
  const map = (o: Record<string, string> | undefined) =>
    Object.entries(o ?? {})
      .sort(([a], [b]) => byCodeUnits(a, b))
      .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
      .join('\n');
  switch (path) {
    case 'metadata.name':
      return pod.metadata!.name!;
    case 'metadata.namespace':
      return pod.metadata!.namespace!;
    case 'metadata.uid':
      return pod.metadata!.uid!;
    case 'metadata.labels':
      return map(pod.metadata?.labels);
    case 'metadata.annotations':
      return map(pod.metadata?.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? src.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
      return src.podIPs[0] ?? '';
    case 'status.podIPs':
      return src.podIPs.join(',');
    case 'status.hostIP':
    case 'status.hostIPs':
      return src.hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldRef ${JSON.stringify(path)}`);
  }
}

function resourceFieldRef(pod: Pod, c: Container, ref: { containerName?: string; resource: string; divisor?: string | number }, hostCpu: number, hostMemory: number): string {
  const target = ref.containerName ? (pod.spec?.containers ?? []).find((x) => x.name === ref.containerName) : c;
  if (!target) throw new ContainerConfigError(`resourceFieldRef: no container ${JSON.stringify(ref.containerName)}`);
  const [kind, res] = ref.resource.split('.') as ['limits' | 'requests', string];
  const q = target.resources?.[kind]?.[res] as string | undefined;
  // Without a limit the kubelet reports the node's allocatable.
  let nano = q !== undefined ? parseQuantity(q).nano : res === 'cpu' ? BigInt(hostCpu) * 1_000_000_000n : BigInt(hostMemory) * 1_000_000_000n;
  const divisor = ref.divisor !== undefined ? parseQuantity(ref.divisor).nano : 1_000_000_000n;
  if (divisor <= 0n) throw new ContainerConfigError('resourceFieldRef: divisor must be positive');
  nano = (nano + divisor - 1n) / divisor;
  return String(nano);
}

const decode = (s: string) => Buffer.from(s, 'base64').toString('utf8');

/** The container's environment in the order Kubernetes gives it: envFrom, env, then service links. */
export async function containerEnv(pod: Pod, c: Container, src: EnvSources, host: { cpu: number; memory: number }): Promise<KeyValue[]> {
  const ns = pod.metadata!.namespace!;
  const vars = new Map<string, string>();
  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = await src.configMap(ns, from.configMapRef.name!);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) vars.set(prefix + k, v);
    } else if (from.secretRef) {
      const s = await src.secret(ns, from.secretRef.name!);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(s.data ?? {})) vars.set(prefix + k, decode(v));
      for (const [k, v] of Object.entries(s.stringData ?? {})) vars.set(prefix + k, v);
    }
  }
  for (const e of c.env ?? []) {
    const v = await envValue(pod, c, e, src, host, vars);
    if (v !== undefined) vars.set(e.name, v);
  }
  for (const kv of serviceEnv(pod, src.services(ns))) if (!vars.has(kv.key)) vars.set(kv.key, kv.value);
  return [...vars].map(([key, value]) => ({ key, value }));
}

async function envValue(pod: Pod, c: Container, e: EnvVar, src: EnvSources, host: { cpu: number; memory: number }, vars: Map<string, string>): Promise<string | undefined> {
  const ns = pod.metadata!.namespace!;
  if (!e.valueFrom) return expand(e.value ?? '', vars);
  const f = e.valueFrom;
  if (f.configMapKeyRef) {
    const cm = await src.configMap(ns, f.configMapKeyRef.name!);
    const v = cm?.data?.[f.configMapKeyRef.key];
    if (v === undefined) {
      if (f.configMapKeyRef.optional) return undefined;
      throw new ContainerConfigError(cm ? `couldn't find key ${f.configMapKeyRef.key} in ConfigMap ${ns}/${f.configMapKeyRef.name}` : `configmap "${f.configMapKeyRef.name}" not found`);
    }
    return v;
  }
  if (f.secretKeyRef) {
    const s = await src.secret(ns, f.secretKeyRef.name!);
    const raw = s?.data?.[f.secretKeyRef.key];
    if (raw === undefined) {
      if (f.secretKeyRef.optional) return undefined;
      throw new ContainerConfigError(s ? `couldn't find key ${f.secretKeyRef.key} in Secret ${ns}/${f.secretKeyRef.name}` : `secret "${f.secretKeyRef.name}" not found`);
    }
    return decode(raw);
  }
  if (f.fieldRef) return fieldRef(pod, f.fieldRef.fieldPath, src);
  if (f.resourceFieldRef) return resourceFieldRef(pod, c, f.resourceFieldRef as { containerName?: string; resource: string; divisor?: string }, host.cpu, host.memory);
  return '';
}

/** A hash of the spec fields that make a container: a change means the container is replaced. */
export function containerHash(c: Container): string {
  const { name, image, command, args, env, envFrom, workingDir, ports, volumeMounts, securityContext } = c;
  return createHash('sha256').update(JSON.stringify({ name, image, command, args, env, envFrom, workingDir, ports, volumeMounts, securityContext })).digest('hex').slice(0, 16);
}

export interface ContainerConfigInput {
  pod: Pod;
  container: Container;
  kind: 'init' | 'app';
  restartCount: number;
  image: string;
  envs: KeyValue[];
  mounts: Mount[];
}

export function buildContainerConfig(x: ContainerConfigInput): ContainerConfig {
  const { pod, container: c } = x;
  const vars = new Map(x.envs.map((e) => [e.key, e.value]));
  const sc = c.securityContext;
  const psc = pod.spec?.securityContext;
  const runAsUser = sc?.runAsUser ?? psc?.runAsUser;
  const runAsGroup = sc?.runAsGroup ?? psc?.runAsGroup;
  return {
    metadata: { name: c.name, attempt: x.restartCount },
    image: { image: x.image },
    ...(c.command ? { command: c.command.map((a) => expand(a, vars)) } : {}),
    ...(c.args ? { args: c.args.map((a) => expand(a, vars)) } : {}),
    ...(c.workingDir ? { working_dir: c.workingDir } : {}),
    envs: x.envs,
    mounts: x.mounts,
    labels: {
      [POD_NAME_LABEL]: pod.metadata!.name!,
      [POD_NAMESPACE_LABEL]: pod.metadata!.namespace!,
      [POD_UID_LABEL]: pod.metadata!.uid!,
      [CONTAINER_NAME_LABEL]: c.name,
      [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    },
    annotations: {
      [RESTART_COUNT_ANNOTATION]: String(x.restartCount),
      [CONTAINER_HASH_ANNOTATION]: containerHash(c),
      [CONTAINER_KIND_ANNOTATION]: x.kind,
      'io.kubernetes.container.terminationMessagePath': c.terminationMessagePath ?? '/dev/termination-log',
    },
    log_path: `${c.name}/${x.restartCount}.log`,
    stdin: c.stdin === true,
    stdin_once: c.stdinOnce === true,
    tty: c.tty === true,
    linux: {
      resources: linuxResources(c),
      security_context: {
        ...(runAsUser !== undefined ? { run_as_user: { value: runAsUser } } : {}),
        ...(runAsGroup !== undefined ? { run_as_group: { value: runAsGroup } } : {}),
        ...(sc?.readOnlyRootFilesystem ? { readonly_rootfs: true } : {}),
        ...(sc?.privileged ? { privileged: true } : {}),
        ...(sc?.capabilities ? { capabilities: { add_capabilities: sc.capabilities.add ?? [], drop_capabilities: sc.capabilities.drop ?? [] } } : {}),
        // fsGroup joins the supplemental groups, as the kubelet does: that is how a non-root
        // process gets to write the volumes the group owns.
        ...(supplementalGroups(psc).length ? { supplemental_groups: supplementalGroups(psc) } : {}),
        ...(sc?.allowPrivilegeEscalation === false ? { no_new_privs: true } : {}),
        namespace_options: { network: pod.spec?.hostNetwork ? 'NODE' : 'POD', pid: pod.spec?.shareProcessNamespace ? 'POD' : 'CONTAINER', ipc: pod.spec?.hostIPC ? 'NODE' : 'POD' },
      },
    },
  };
}
