/**
 * `orch agent`: joins nodes to a cluster. `--runtime containerd` (the default) is a real
 * node: its own containerd, pods with IPs on a bridge (`orch agent --server https://...
 * --token ...`). `--runtime fake` is N kwok-style nodes that register, heartbeat and "run"
 * their pods without containers, for scale tests (`--nodes 1000`).
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { homedir } from 'node:os';
// The runtime's leaf modules, not its index: parsing flags must not load containerd's client.
import { parseCidr } from '../agent/runtime/cni-config.js';
import { loadRegistriesFile, type RegistriesConfig } from '../agent/runtime/registries.js';
import { loadKubeconfig, type ClientConfig } from '../client/config.js';
import { createLogger } from '../machinery/log.js';
import { tryParseQuantity } from '../machinery/quantity.js';
import { parseFlags, renderHelp, UsageError, type FlagSpec } from './flags.js';
import { leaveLeanV8 } from '../machinery/lean-v8.js';

export const AGENT_FLAGS: FlagSpec[] = [
  { name: 'runtime', type: 'string', value: 'NAME', help: 'Container runtime: containerd, or fake (kwok-style nodes that run nothing)', default: 'containerd' },
  { name: 'server', short: 's', type: 'string', value: 'URL', help: 'API server URL, e.g. https://10.0.0.1:6443 (overrides the kubeconfig)' },
  { name: 'token', short: 't', type: 'string', value: 'TOKEN', help: 'Bearer token for the API server (the server keeps its admin token in <data-dir>/tls/admin.token)' },
  { name: 'kubeconfig', type: 'string', value: 'PATH', help: 'Kubeconfig to take server, CA and token from' },
  { name: 'ca-file', type: 'string', value: 'PATH', help: "PEM file of the CA that signed the API server's certificate" },
  { name: 'insecure-skip-tls-verify', type: 'boolean', help: "Do not verify the API server's certificate (insecure; for tests)" },
  { name: 'nodes', short: 'n', type: 'string', value: 'N', help: 'Number of fake nodes to run (fake runtime)', default: '1' },
  { name: 'node-name-prefix', type: 'string', value: 'PREFIX', help: 'Fake nodes are named PREFIX-0 .. PREFIX-(N-1)', default: 'fake-node' },
  { name: 'node-capacity', type: 'string', value: 'LIST', help: 'Capacity of each fake node', default: 'cpu=32,memory=256Gi,pods=110' },
  { name: 'heartbeat-interval', type: 'string', value: 'DURATION', help: 'How often each node renews its Lease', default: '10s' },
  { name: 'pod-start-delay', type: 'string', value: 'DURATION', help: 'How long a fake pod takes to become Running', default: '500ms' },
  { name: 'data-dir', short: 'd', type: 'string', value: 'DIR', help: 'Where the agent keeps containerd, CNI state, pod logs and pod files (containerd runtime)', default: defaultDataDir() },
  { name: 'node-name', type: 'string', value: 'NAME', help: 'Name of the Node to register (containerd runtime)', default: defaultNodeName() },
  { name: 'cluster-name', type: 'string', value: 'NAME', help: 'Prefix of the host objects this node creates (cgroups /orch-NAME, CNI network orch-NAME)', default: 'default' },
  { name: 'bridge', type: 'string', value: 'NAME', help: 'Name of the pod bridge device (at most 15 characters)', default: 'orch0' },
  { name: 'cluster-dns', type: 'string', value: 'IP', help: 'Cluster DNS service IP that pods with dnsPolicy ClusterFirst use (comma-separated for several)', default: '10.96.0.10' },
  { name: 'cluster-domain', type: 'string', value: 'DOMAIN', help: 'Cluster DNS domain', default: 'cluster.local' },
  { name: 'pod-cidr', type: 'string', value: 'CIDR', help: "Pod CIDR to use when node IPAM has not assigned the node one (e.g. 10.244.0.0/24)" },
  { name: 'node-ip', type: 'string', value: 'IP', help: "The node's InternalIP, where the API server reaches it for logs and exec (default: the first non-loopback IPv4)" },
  { name: 'streaming-port', type: 'string', value: 'PORT', help: 'Port of the streaming server for logs/exec/port-forward (0 picks a free one)', default: '10250' },
  { name: 'images-dir', type: 'string', value: 'DIR', help: 'Import every *.tar image archive here into containerd at start (air-gapped images)' },
  { name: 'registries-config', type: 'string', value: 'PATH', help: 'registries.yaml with registry mirrors and plain-HTTP registries (k3s format)' },
  { name: 'keep-nodes', type: 'boolean', help: 'Leave the fake nodes registered on exit (they go NotReady and their pods are evicted) instead of deleting them' },
  { name: 'log-level', type: 'string', value: 'LEVEL', help: 'trace, debug, info, warn or error', default: 'info' },
  { name: 'help', short: 'h', type: 'boolean', help: 'Show this help' },
];

export const AGENT_HELP = renderHelp(
  'orch agent --server URL --token TOKEN [flags]',
  'Start an orch agent: register nodes with an orch (or Kubernetes) API server and run their pods.',
  AGENT_FLAGS,
);

export interface ContainerdAgentConfig {
  runtime: 'containerd';
  server?: string;
  token?: string;
  caFile?: string;
  kubeconfig?: string;
  insecureSkipTlsVerify: boolean;
  dataDir: string;
  nodeName: string;
  clusterName: string;
  bridgeName: string;
  clusterDns: string[];
  clusterDomain: string;
  podCidrFallback?: string;
  nodeIP?: string;
  streamingPort: number;
  imagesDir?: string;
  registriesConfig?: string;
  heartbeatIntervalMs: number;
  logLevel: string;
}

export interface AgentConfig {
  runtime: 'fake';
  /** From --server/--token/--ca-file; missing parts come from the kubeconfig. */
  server?: string;
  token?: string;
  caFile?: string;
  kubeconfig?: string;
  insecureSkipTlsVerify: boolean;
  nodes: number;
  nodeNamePrefix: string;
  capacity: { cpu: string; memory: string; pods: string };
  heartbeatIntervalMs: number;
  podStartDelayMs: number;
  /** Delete the nodes on exit (the default for fake nodes; see FakeNodesOptions.removeOnStop). */
  removeNodesOnStop: boolean;
  logLevel: string;
}

const MAX_NODES = 100_000;
const DNS_PREFIX = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Go-style durations: 500ms, 10s, 1m30s, 2h. */
export function parseDuration(s: string, flag: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    total += Number(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  if (!s || pos !== s.length) throw new UsageError(`--${flag}: invalid duration ${JSON.stringify(s)} (want e.g. 500ms, 10s, 1m30s)`);
  return Math.round(total);
}

function parseCapacity(s: string): AgentConfig['capacity'] {
  const out: Record<string, string> = {};
  for (const part of s.split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    if (!['cpu', 'memory', 'pods'].includes(k) || !v) throw new UsageError(`--node-capacity: invalid entry ${JSON.stringify(part)} (want cpu=N,memory=Q,pods=N)`);
    if (!tryParseQuantity(v)) throw new UsageError(`--node-capacity: ${k}=${JSON.stringify(v)} is not a quantity`);
    out[k] = v;
  }
  const def = { cpu: '32', memory: '256Gi', pods: '110' };
  return { ...def, ...out };
}

function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/orch/agent' : join(homedir(), '.orch', 'agent');
}

function defaultNodeName(): string {
  return hostname().toLowerCase();
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const CLUSTER_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

export function parseAgentConfig(argv: string[]): AgentConfig | ContainerdAgentConfig | 'help' {
  const f = parseFlags(AGENT_FLAGS, argv);
  if (f.help) return 'help';
  if (f.runtime !== 'fake' && f.runtime !== 'containerd') throw new UsageError(`--runtime: unknown runtime ${JSON.stringify(f.runtime)} (want containerd or fake)`);
  if (!f.server && !f.kubeconfig) throw new UsageError('--server (with --token) or --kubeconfig is required: where is the API server?');
  if (f.server !== undefined) {
    let url: URL;
    try {
      url = new URL(f.server);
    } catch {
      throw new UsageError(`--server: invalid URL ${JSON.stringify(f.server)}`);
    }
    if (url.protocol !== 'https:') throw new UsageError(`--server: the API server speaks HTTPS only, got ${JSON.stringify(f.server)}`);
  }
  if (f['ca-file'] && f['insecure-skip-tls-verify']) throw new UsageError('--ca-file and --insecure-skip-tls-verify contradict each other; give one');
  if (!['trace', 'debug', 'info', 'warn', 'error', 'silent'].includes(f['log-level'])) throw new UsageError(`--log-level: unknown level ${JSON.stringify(f['log-level'])}`);
  if (f.runtime === 'containerd') {
    const nodeName = String(f['node-name']);
    if (!NODE_NAME.test(nodeName)) throw new UsageError(`--node-name: ${JSON.stringify(nodeName)} is not a valid node name (lower-case letters, digits, '-' and '.')`);
    const clusterName = String(f['cluster-name']);
    if (!CLUSTER_NAME.test(clusterName)) throw new UsageError(`--cluster-name: ${JSON.stringify(clusterName)} must be 1-40 lower-case letters, digits or '-'`);
    const bridgeName = String(f.bridge);
    if (!/^[A-Za-z0-9_-]{1,15}$/.test(bridgeName)) throw new UsageError(`--bridge: ${JSON.stringify(bridgeName)} must be 1-15 letters, digits, '-' or '_'`);
    const clusterDns = String(f['cluster-dns']).split(',').map((x) => x.trim()).filter(Boolean);
    for (const ip of clusterDns) if (!IPV4.test(ip)) throw new UsageError(`--cluster-dns: ${JSON.stringify(ip)} is not an IPv4 address`);
    if (f['pod-cidr'] !== undefined) {
      try {
        parseCidr(f['pod-cidr']);
      } catch (err) {
        throw new UsageError(`--pod-cidr: ${(err as Error).message}`);
      }
    }
    if (f['node-ip'] !== undefined && !IPV4.test(f['node-ip'])) throw new UsageError(`--node-ip: ${JSON.stringify(f['node-ip'])} is not an IPv4 address`);
    const streamingPort = Number(f['streaming-port']);
    if (!Number.isInteger(streamingPort) || streamingPort < 0 || streamingPort > 65535) throw new UsageError(`--streaming-port: want a port number, got ${JSON.stringify(f['streaming-port'])}`);
    const heartbeatIntervalMs = parseDuration(f['heartbeat-interval'], 'heartbeat-interval');
    if (heartbeatIntervalMs < 100) throw new UsageError('--heartbeat-interval: must be at least 100ms');
    return {
      runtime: 'containerd',
      nodeIP: f['node-ip'],
      streamingPort,
      server: f.server,
      token: f.token,
      caFile: f['ca-file'] ? resolve(f['ca-file']) : undefined,
      kubeconfig: f.kubeconfig ? resolve(f.kubeconfig) : undefined,
      insecureSkipTlsVerify: Boolean(f['insecure-skip-tls-verify']),
      dataDir: resolve(String(f['data-dir'])),
      nodeName,
      clusterName,
      bridgeName,
      clusterDns,
      clusterDomain: String(f['cluster-domain']).replace(/\.$/, ''),
      podCidrFallback: f['pod-cidr'],
      imagesDir: f['images-dir'] ? resolve(f['images-dir']) : undefined,
      registriesConfig: f['registries-config'] ? resolve(f['registries-config']) : undefined,
      heartbeatIntervalMs,
      logLevel: f['log-level'],
    };
  }
  const nodes = Number(f.nodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) throw new UsageError(`--nodes: want a whole number from 1 to ${MAX_NODES}, got ${JSON.stringify(f.nodes)}`);
  const prefix: string = f['node-name-prefix'];
  if (!DNS_PREFIX.test(prefix) || prefix.length > 200)
    throw new UsageError(`--node-name-prefix: ${JSON.stringify(prefix)} must be lower-case letters, digits, '-' or '.', starting and ending with a letter or digit`);
  const heartbeatIntervalMs = parseDuration(f['heartbeat-interval'], 'heartbeat-interval');
  if (heartbeatIntervalMs < 100) throw new UsageError('--heartbeat-interval: must be at least 100ms');
  return {
    runtime: 'fake',
    server: f.server,
    token: f.token,
    caFile: f['ca-file'] ? resolve(f['ca-file']) : undefined,
    kubeconfig: f.kubeconfig ? resolve(f.kubeconfig) : undefined,
    insecureSkipTlsVerify: Boolean(f['insecure-skip-tls-verify']),
    nodes,
    nodeNamePrefix: prefix,
    capacity: parseCapacity(f['node-capacity']),
    heartbeatIntervalMs,
    podStartDelayMs: parseDuration(f['pod-start-delay'], 'pod-start-delay'),
    removeNodesOnStop: !f['keep-nodes'],
    logLevel: f['log-level'],
  };
}

/** The client config: the kubeconfig's, overridden by whatever flags were given. */
export async function agentClientConfig(config: AgentConfig | ContainerdAgentConfig): Promise<ClientConfig> {
  const base: ClientConfig = config.kubeconfig ? await loadKubeconfig(config.kubeconfig) : { server: config.server!, ca: '' };
  const ca = config.caFile ? await readFile(config.caFile, 'utf8') : base.ca;
  return { server: config.server ?? base.server, ca: config.insecureSkipTlsVerify ? '' : ca, token: config.token ?? base.token };
}

export async function runAgent(config: AgentConfig | ContainerdAgentConfig, signal: AbortSignal): Promise<void> {
  const log = createLogger({ level: config.logLevel });
  const client = await agentClientConfig(config);
  if (config.insecureSkipTlsVerify) {
    client.insecureSkipTlsVerify = true;
    log.warn({ server: client.server }, "not verifying the API server's certificate (--insecure-skip-tls-verify)");
  }
  if (config.runtime === 'containerd') return runContainerdAgent(config, client, log, signal);
  // Fake nodes are a scale-test load generator, not a node to keep small (see main.ts).
  leaveLeanV8();
  // Each runtime's code is loaded only when it runs (and not at all by the commands that
  // import this file for parseDuration): a node agent never needs the fake nodes, nor
  // `orch dns` the agent.
  const { FakeNodes } = await import('../agent/fake/fake-nodes.js');
  const fake = new FakeNodes({
    client,
    log,
    count: config.nodes,
    namePrefix: config.nodeNamePrefix,
    capacity: config.capacity,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    podStartDelayMs: config.podStartDelayMs,
    removeOnStop: config.removeNodesOnStop,
  });
  void fake.ready.then(
    () => process.stdout.write(`orch agent: ${config.nodes} fake node(s) ${config.nodeNamePrefix}-0..${config.nodes - 1} joined ${client.server}\n`),
    () => undefined,
  );
  try {
    await fake.run(signal);
  } finally {
    log.flush();
  }
}

async function runContainerdAgent(config: ContainerdAgentConfig, client: ClientConfig, log: ReturnType<typeof createLogger>, signal: AbortSignal): Promise<void> {
  let registries: RegistriesConfig | undefined;
  if (config.registriesConfig) registries = await loadRegistriesFile(config.registriesConfig);
  const { ContainerdAgent } = await import('../agent/containerd-agent.js');
  const agent = new ContainerdAgent({
    client,
    log,
    nodeName: config.nodeName,
    dataDir: config.dataDir,
    clusterName: config.clusterName,
    bridgeName: config.bridgeName,
    clusterDns: config.clusterDns,
    clusterDomain: config.clusterDomain,
    podCidrFallback: config.podCidrFallback,
    nodeIP: config.nodeIP,
    streaming: { port: config.streamingPort },
    imagesDir: config.imagesDir,
    registries,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
  });
  void agent.ready.then(
    () => process.stdout.write(`orch agent: node ${config.nodeName} joined ${client.server} (containerd, data in ${config.dataDir})\n`),
    () => undefined,
  );
  try {
    await agent.run(signal);
  } finally {
    log.flush();
  }
}
