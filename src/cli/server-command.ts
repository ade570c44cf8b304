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
import { parseDuration } from './agent-command.js';
import { parseFlags, parsePort, parsePortRange, renderHelp, UsageError, type FlagSpec } from './flags.js';

const defaultDataDir = () => (process.getuid?.() === 0 ? '/var/lib/orch/server' : join(homedir(), '.orch', 'server'));

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
    disableScheduler: Boolean(f['disable-scheduler']),
    disableControllerManager: Boolean(f['disable-controller-manager']),
    nodeMonitorGracePeriodMs: parseDuration(f['node-monitor-grace-period'], 'node-monitor-grace-period'),
    podEvictionTimeoutMs: parseDuration(f['pod-eviction-timeout'], 'pod-eviction-timeout'),
    logLevel: f['log-level'],
  };
}

export async function runServer(config: ServerConfig, signal: AbortSignal): Promise<void> {
  const log = createLogger({ level: config.logLevel });
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
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
  });
  try {
    await api.start();
    if (config.writeKubeconfig) {
      await copyFile(api.kubeconfigPath, config.writeKubeconfig);
      if (config.writeKubeconfigMode !== undefined) await chmod(config.writeKubeconfig, config.writeKubeconfigMode);
    }
    const kubeconfig = config.writeKubeconfig ?? api.kubeconfigPath;
    process.stdout.write(`orch server is ready at ${api.url}\nkubeconfig written to ${kubeconfig}\n  export KUBECONFIG=${kubeconfig}\n`);
    if (!config.disableAgent) log.warn('the containerd node agent is not part of this build yet; join nodes with "orch agent --runtime fake"');
    // The control plane talks to the API server over HTTPS like any other client, so it
    // could run in another process or on another machine unchanged.
    const client = { server: api.url, ca: api.caPem, token: api.adminToken };
    const components: Promise<void>[] = [];
    if (!config.disableScheduler) components.push(new Scheduler({ client, log }).run(signal));
    if (!config.disableControllerManager)
      components.push(
        new ControllerManager({
          client,
          log: log.child({ component: 'controller-manager' }),
          config: {
            clusterCidr: config.clusterCidr,
            nodeMonitorGracePeriodMs: config.nodeMonitorGracePeriodMs,
            podEvictionTimeoutMs: config.podEvictionTimeoutMs,
          },
        }).run(signal),
      );
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.all(components);
  } finally {
    await api.stop();
    await store.close();
    log.flush();
  }
}
