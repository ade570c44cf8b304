/** `orch server`: API server on SQLite (or etcd) — the control plane of a one-node cluster. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdir, copyFile, chmod } from 'node:fs/promises';
import { openStore } from '../storage/index.js';
import { ApiServer } from '../apiserver/server.js';
import { createLogger } from '../machinery/log.js';
import { parseCidr } from '../machinery/cidr.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { ControllerManager } from '../controllers/manager.js';
// Flag parsing takes leaf modules only; the node's components (agent, proxy, DNS, ingress
// with its HTTP client and X.509 code) are loaded when they run, so a control-plane-only
// server (--disable-agent) does not carry them (~10 MB of RSS).
import { chainPrefixProblem } from '../proxy/config.js';
import { formatUpstream, parseUpstream } from '../dns/forwarder.js';
import { loadRegistriesFile } from '../agent/runtime/registries.js';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { setMaxListeners } from 'node:events';
import { intToIp } from '../machinery/cidr.js';
import { parseDuration } from './agent-command.js';
import { parseFlags, parsePort, parsePortRange, renderHelp, UsageError, type FlagSpec } from './flags.js';

const defaultDataDir = () => (process.getuid?.() === 0 ? '/var/lib/orch/server' : join(homedir(), '.orch', 'server'));

/** Parts of `orch server` that `--disable` turns off (k3s spells these coredns, traefik...). */
export const DISABLEABLE = ['dns', 'ingress', 'proxy', 'local-storage'] as const;
export type Disableable = (typeof DISABLEABLE)[number];

export const SERVER_FLAGS: FlagSpec[] = [
  { name: 'data-dir', short: 'd', type: 'string', value: 'DIR', help: 'Folder for state: database, certificates, kubeconfig', default: defaultDataDir() },
  { name: 'https-listen-port', type: 'string', value: 'PORT', help: 'HTTPS port of the API server (0 picks a free port)', default: '6443' },
  { name: 'bind-address', type: 'string', value: 'ADDR', help: 'Address the API server listens on', default: '0.0.0.0' },
  { name: 'tls-san', type: 'string', multiple: true, value: 'NAME', help: 'Extra host name or IP for the serving certificate (repeatable)' },
  { name: 'datastore-endpoint', type: 'string', value: 'URL', help: 'etcd endpoints (http://host:2379[,...]); SQLite in the data dir when absent' },
  { name: 'write-kubeconfig', short: 'o', type: 'string', value: 'PATH', help: 'Also write the admin kubeconfig here' },
  { name: 'write-kubeconfig-mode', type: 'string', value: 'MODE', help: 'File mode of the written kubeconfig, e.g. 644' },
  { name: 'service-cidr', type: 'string', value: 'CIDR', help: 'IPv4 range for Service cluster IPs', default: '10.96.0.0/12' },
  { name: 'cluster-cidr', type: 'string', value: 'CIDR', help: 'IPv4 range for pod IPs', default: '10.244.0.0/16' },
  { name: 'service-node-port-range', type: 'string', value: 'RANGE', help: 'Port range for NodePort Services', default: '30000-32767' },
  { name: 'disable-agent', type: 'boolean', help: 'Run the control plane only, without a local node agent' },
  { name: 'node-name', type: 'string', value: 'NAME', help: 'Name of the local node', default: hostname() },
  { name: 'cluster-dns', type: 'string', value: 'IP', help: 'Cluster DNS address given to pods (default: the 10th address of the service CIDR)' },
  { name: 'images-dir', type: 'string', value: 'DIR', help: 'Image tarballs imported into the local node at start (default <data-dir>/agent/images)' },
  { name: 'registries-config', type: 'string', value: 'PATH', help: 'registries.yaml with registry mirrors and plain-HTTP registries (k3s format; default <data-dir>/registries.yaml if present)' },
  { name: 'disable', type: 'string', multiple: true, value: 'PART', help: `Do not run a packaged part: ${'${'}DISABLEABLE.join(', ')} (repeatable or comma-separated)` },
  { name: 'cluster-name', type: 'string', value: 'NAME', help: 'Prefix of host objects the local node creates (cgroup /orch-NAME, CNI network)', default: 'default' },
  { name: 'bridge-name', type: 'string', value: 'DEV', help: 'Network bridge of the local node (at most 15 characters)', default: 'orch0' },
  { name: 'kubelet-port', type: 'string', value: 'PORT', help: 'Port of the local node\'s streaming server for logs/exec/port-forward (0 picks a free port)', default: '10250' },
  { name: 'resolv-conf', type: 'string', value: 'PATH', help: 'Where cluster DNS finds its upstream resolvers', default: '/etc/resolv.conf' },
  { name: 'dns-upstream', type: 'string', multiple: true, value: 'IP:PORT', help: 'Resolver for names outside the cluster domain, instead of those of --resolv-conf (repeatable)' },
  { name: 'ingress-http-port', type: 'string', value: 'PORT', help: 'HTTP port of the ingress proxy (0 picks a free port)', default: '80' },
  { name: 'ingress-https-port', type: 'string', value: 'PORT', help: 'HTTPS port of the ingress proxy (0 picks a free port)', default: '443' },
  { name: 'ingress-bind-address', type: 'string', value: 'ADDR', help: 'Address the ingress proxy listens on', default: '0.0.0.0' },
  { name: 'proxy-chain-prefix', type: 'string', value: 'PREFIX', help: 'Prefix of the iptables chains the service proxy owns', default: 'ORCH-' },
  { name: 'disable-scheduler', type: 'boolean', help: 'Do not run the scheduler' },
  { name: 'disable-controller-manager', type: 'boolean', help: 'Do not run the controllers' },
  { name: 'node-monitor-grace-period', type: 'string', value: 'DURATION', help: 'A node silent this long is marked NotReady/Unknown', default: '40s' },
  { name: 'pod-eviction-timeout', type: 'string', value: 'DURATION', help: 'Pods on an unreachable or not-ready node are evicted after this long', default: '5m' },
  { name: 'log-level', type: 'string', value: 'LEVEL', help: 'trace, debug, info, warn or error', default: 'info' },
  { name: 'help', short: 'h', type: 'boolean', help: 'Show this help' },
];

export const SERVER_HELP = renderHelp('orch server [flags]', 'Start an orch server: API server, storage and control plane.', SERVER_FLAGS);

export interface ServerConfig {
  dataDir: string;
  port: number;
  bindAddress: string;
  tlsSans: string[];
  datastoreEndpoint?: string;
  writeKubeconfig?: string;
  writeKubeconfigMode?: number;
  serviceCidr: string;
  clusterCidr: string;
  nodePortRange: [number, number];
  disableAgent: boolean;
  nodeName: string;
  clusterDns: string;
  imagesDir?: string;
  /** registries.yaml for the local node; absent: <data-dir>/registries.yaml if it exists. */
  registriesConfig?: string;
  disabled: Set<Disableable>;
  clusterName: string;
  bridgeName: string;
  kubeletPort: number;
  proxyChainPrefix: string;
  resolvConf: string;
  /** Explicit DNS upstreams (`host:port`); undefined: the nameservers of resolvConf. */
  dnsUpstreams?: string[];
  ingressHttpPort: number;
  ingressHttpsPort: number;
  ingressBindAddress: string;
  disableScheduler: boolean;
  disableControllerManager: boolean;
  nodeMonitorGracePeriodMs: number;
  podEvictionTimeoutMs: number;
  logLevel: string;
}

export function parseServerConfig(argv: string[]): ServerConfig | 'help' {
  const f = parseFlags(SERVER_FLAGS, argv);
  if (f.help) return 'help';
  for (const flag of ['service-cidr', 'cluster-cidr']) {
    try {
      parseCidr(f[flag]);
    } catch (e) {
      throw new UsageError(`--${flag}: ${(e as Error).message}`);
    }
  }
  let mode: number | undefined;
  if (f['write-kubeconfig-mode'] !== undefined) {
    if (!/^[0-7]{3,4}$/.test(f['write-kubeconfig-mode'])) throw new UsageError(`--write-kubeconfig-mode: invalid mode ${JSON.stringify(f['write-kubeconfig-mode'])} (want octal, e.g. 644)`);
    mode = parseInt(f['write-kubeconfig-mode'], 8);
  }
  if (!['trace', 'debug', 'info', 'warn', 'error', 'silent'].includes(f['log-level'])) throw new UsageError(`--log-level: unknown level ${JSON.stringify(f['log-level'])}`);
  const disabled = new Set<Disableable>();
  for (const part of (f.disable ?? []).flatMap((v: string) => v.split(',')).map((v: string) => v.trim()).filter(Boolean)) {
    if (!(DISABLEABLE as readonly string[]).includes(part)) throw new UsageError(`--disable: unknown part ${JSON.stringify(part)} (want one of ${DISABLEABLE.join(', ')})`);
    disabled.add(part as Disableable);
  }
  if (!/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(f['cluster-name'])) throw new UsageError(`--cluster-name: ${JSON.stringify(f['cluster-name'])} is not a lower-case name of at most 32 letters, digits and '-'`);
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(f['bridge-name'])) throw new UsageError(`--bridge-name: ${JSON.stringify(f['bridge-name'])} is not a network device name (1-15 letters, digits, '_', '.', '-')`);
  
  const prefixProblem = chainPrefixProblem(f['proxy-chain-prefix']);
  if (prefixProblem) throw new UsageError(`--proxy-chain-prefix: ${prefixProblem}`);
  const dnsUpstreams: string[] | undefined = f['dns-upstream']?.map((u: string) => {
    let up: ReturnType<typeof parseUpstream> | undefined;
    try {
      up = parseUpstream(u);
    } catch {
      // reported below
    }
    // An IP: resolving a resolver's name would itself need a resolver.
    if (!up || !isIP(up.host)) throw new UsageError(`--dns-upstream: invalid address ${JSON.stringify(u)} (want IP:PORT)`);
    return formatUpstream(up);
  });
  if (!isIP(f['ingress-bind-address'])) throw new UsageError(`--ingress-bind-address: ${JSON.stringify(f['ingress-bind-address'])} is not an IP address`);
  const endpoint = f['datastore-endpoint'];
  if (endpoint !== undefined && !/^(https?|etcd):\/\//.test(endpoint)) throw new UsageError(`--datastore-endpoint: unsupported URL ${JSON.stringify(endpoint)} (want http://host:2379 for etcd)`);
  return {
    dataDir: resolve(f['data-dir']),
    port: parsePort(f['https-listen-port'], 'https-listen-port'),
    bindAddress: f['bind-address'],
    tlsSans: f['tls-san'] ?? [],
    datastoreEndpoint: endpoint,
    writeKubeconfig: f['write-kubeconfig'] ? resolve(f['write-kubeconfig']) : undefined,
    writeKubeconfigMode: mode,
    serviceCidr: f['service-cidr'],
    clusterCidr: f['cluster-cidr'],
    nodePortRange: parsePortRange(f['service-node-port-range']),
    disableAgent: Boolean(f['disable-agent']),
    nodeName: f['node-name'],
    clusterDns: f['cluster-dns'] ?? intToIp(parseCidr(f['service-cidr']).base + 10),
    imagesDir: f['images-dir'] ? resolve(f['images-dir']) : undefined,
    registriesConfig: f['registries-config'] ? resolve(f['registries-config']) : undefined,
    disabled,
    clusterName: f['cluster-name'],
    bridgeName: f['bridge-name'],
    kubeletPort: parsePort(f['kubelet-port'], 'kubelet-port'),
    proxyChainPrefix: f['proxy-chain-prefix'],
    resolvConf: resolve(f['resolv-conf']),
    dnsUpstreams,
    ingressHttpPort: parsePort(f['ingress-http-port'], 'ingress-http-port'),
    ingressHttpsPort: parsePort(f['ingress-https-port'], 'ingress-https-port'),
    ingressBindAddress: f['ingress-bind-address'],
    disableScheduler: Boolean(f['disable-scheduler']),
    disableControllerManager: Boolean(f['disable-controller-manager']),
    nodeMonitorGracePeriodMs: parseDuration(f['node-monitor-grace-period'], 'node-monitor-grace-period'),
    podEvictionTimeoutMs: parseDuration(f['pod-eviction-timeout'], 'pod-eviction-timeout'),
    logLevel: f['log-level'],
  };
}

export async function runServer(config: ServerConfig, outer: AbortSignal): Promise<void> {
  const log = createLogger({ level: config.logLevel });
  // A component that fails (say, the agent on a machine without containerd) stops the
  // whole server with its error rather than leaving a half-working cluster.
  const stopAll = new AbortController();
  outer.addEventListener('abort', () => stopAll.abort(), { once: true });
  const signal = stopAll.signal;
  // Every component and its loops listen for the stop: more than Node's default of 10.
  setMaxListeners(100, signal);
  let failure: unknown;
  const supervise = (name: string, run: Promise<void>) =>
    run.catch((err) => {
      log.error({ err, component: name }, 'component failed; stopping the server');
      failure ??= err;
      stopAll.abort();
    });
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // The local node's mirrors and plain-HTTP registries, k3s-style: read before anything
  // starts, so a missing or invalid file stops the server at once with its problems.
  const defaultRegistries = join(config.dataDir, 'registries.yaml');
  const registriesFile = config.registriesConfig ?? (existsSync(defaultRegistries) ? defaultRegistries : undefined);
  const registries =
    !config.disableAgent && registriesFile
      ? await loadRegistriesFile(registriesFile).catch((err: Error) => {
          throw new UsageError(`registries config ${err.message}`);
        })
      : undefined;
  const store = await openStore({ dataDir: config.dataDir, datastoreEndpoint: config.datastoreEndpoint, log: log.child({ component: 'storage' }) });
  const api = new ApiServer({
    dataDir: config.dataDir,
    bindAddress: config.bindAddress,
    port: config.port,
    tlsSans: config.tlsSans,
    serviceCidr: config.serviceCidr,
    nodePortRange: config.nodePortRange,
    store,
    log: log.child({ component: 'apiserver' }),
    storageClasses: !config.disabled.has('local-storage'),
  });
  try {
    await api.start();
    if (config.writeKubeconfig) {
      await copyFile(api.kubeconfigPath, config.writeKubeconfig);
      if (config.writeKubeconfigMode !== undefined) await chmod(config.writeKubeconfig, config.writeKubeconfigMode);
    }
    const kubeconfig = config.writeKubeconfig ?? api.kubeconfigPath;
    process.stdout.write(`orch server is ready at ${api.url}\nkubeconfig written to ${kubeconfig}\n  export KUBECONFIG=${kubeconfig}\n`);
    // The control plane talks to the API server over HTTPS like any other client, so it
    // could run in another process or on another machine unchanged.
    const client = { server: api.url, ca: api.caPem, token: api.adminToken };
    const components: Promise<void>[] = [];
    if (!config.disableScheduler) components.push(supervise('scheduler', new Scheduler({ client, log }).run(signal)));
    if (!config.disableControllerManager)
      components.push(
        supervise('controller-manager', new ControllerManager({
          client,
          log: log.child({ component: 'controller-manager' }),
          config: {
            clusterCidr: config.clusterCidr,
            nodeMonitorGracePeriodMs: config.nodeMonitorGracePeriodMs,
            podEvictionTimeoutMs: config.podEvictionTimeoutMs,
          },
        }).run(signal)),
      );
    const node = config.disableAgent ? undefined : await loadNodeComponents();
    if (node) {
      const { ContainerdAgent, writeBuiltinImages } = node;
      // The local node: the same agent `orch agent --runtime containerd` runs, in-process.
      const agentDir = join(config.dataDir, 'agent');
      const imagesDir = config.imagesDir ?? join(agentDir, 'images');
      // The test image (busybox) is always at hand, so a fresh cluster can run a pod offline.
      if (!config.imagesDir) await writeBuiltinImages(imagesDir);
      components.push(
        supervise('agent', new ContainerdAgent({
          client,
          log: log.child({ component: 'agent' }),
          nodeName: config.nodeName,
          dataDir: agentDir,
          clusterName: config.clusterName,
          bridgeName: config.bridgeName,
          clusterDns: config.clusterDns,
          imagesDir,
          registries,
          localStorage: !config.disabled.has('local-storage'),
          nodeIP: '127.0.0.1',
          // kubectl logs/exec/port-forward reach the node here, through the API server.
          streaming: { port: config.kubeletPort, host: '127.0.0.1' },
        }).run(signal)),
      );
    }
    if (node && !config.disabled.has('proxy')) {
      const { ServiceProxy, ServiceLb } = node;
      // Services in the kernel: ClusterIPs, NodePorts (also on 127.0.0.1), LoadBalancer IPs.
      components.push(
        supervise('proxy', new ServiceProxy({
          client,
          log: log.child({ component: 'proxy' }),
          serviceCidr: config.serviceCidr,
          clusterCidr: config.clusterCidr,
          nodePortRange: config.nodePortRange,
          nodeName: config.nodeName,
          nodeIPs: ['127.0.0.1'],
          chainPrefix: config.proxyChainPrefix,
          minSyncIntervalMs: 1000,
        }).run(signal)),
        // LoadBalancer Services get the node's address, k3s ServiceLB style; the proxy serves it.
        supervise('servicelb', new ServiceLb({ client, log, addresses: ['127.0.0.1'] }).run(signal)),
      );
    }
    if (node && !config.disabled.has('dns')) {
      const { NodeDns } = node;
      // Pods' nameserver (the kube-dns ClusterIP) leads here through the proxy's DNAT.
      components.push(
        supervise('dns', new NodeDns({
          client,
          log,
          nodeName: config.nodeName,
          clusterIP: config.clusterDns,
          upstreams: config.dnsUpstreams,
          resolvConf: config.resolvConf,
        }).run(signal)),
      );
    }
    if (node && !config.disabled.has('ingress')) {
      const { IngressController } = await import('../ingress/index.js');
      // Ingresses of the default class `orch` (created if missing), served on the node.
      const host = config.ingressBindAddress;
      components.push(
        supervise('ingress', new IngressController({
          client,
          log,
          httpListen: { host, port: config.ingressHttpPort },
          httpsListen: { host, port: config.ingressHttpsPort },
          defaultWhenCreated: true,
          // A wildcard listener also answers on the node's address, 127.0.0.1.
          statusAddress: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
          shutdownGraceMs: 5000,
        }).run(signal)),
      );
    }
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.all(components);
    if (failure) throw failure;
  } finally {
    await api.stop();
    await store.close();
    log.flush();
  }
}

/** The local node's components, loaded together when the server runs a node. */
async function loadNodeComponents() {
  const [{ ContainerdAgent }, { writeBuiltinImages }, { ServiceProxy, ServiceLb }, { NodeDns }] = await Promise.all([
    import('../agent/containerd-agent.js'),
    import('../agent/images/index.js'),
    import('../proxy/index.js'),
    import('../dns/index.js'),
  ]);
  return { ContainerdAgent, writeBuiltinImages, ServiceProxy, ServiceLb, NodeDns };
}
