/**
 * `orch dns`: the cluster DNS server on its own (CoreDNS's place), for running it in a
 * separate process or on another machine. `orch server` is expected to run the same
 * DnsServer in-process; this command exists so that it can also be moved out.
 *
 *   orch dns --kubeconfig ~/.kube/config --listen 127.0.0.1:5353 --upstream 127.0.0.53:53
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadKubeconfig, type ClientConfig } from '../client/config.js';
import { DnsServer } from '../dns/server.js';
import { formatUpstream, parseUpstream } from '../dns/forwarder.js';
import { upstreamsFromResolvConf } from '../dns/resolv-conf.js';
import { createLogger } from '../machinery/log.js';
import { parseDuration } from './agent-command.js';
import { parseFlags, renderHelp, UsageError, type FlagSpec } from './flags.js';

export const DNS_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', value: 'PATH', help: 'Kubeconfig to take server, CA and token from' },
  { name: 'server', short: 's', type: 'string', value: 'URL', help: 'API server URL (overrides the kubeconfig)' },
  { name: 'token', short: 't', type: 'string', value: 'TOKEN', help: 'Bearer token for the API server' },
  { name: 'ca-file', type: 'string', value: 'PATH', help: "PEM file of the CA that signed the API server's certificate" },
  { name: 'insecure-skip-tls-verify', type: 'boolean', help: "Do not verify the API server's certificate (insecure; for tests)" },
  { name: 'listen', type: 'string', multiple: true, value: 'HOST:PORT', help: 'Address to answer on, UDP and TCP; repeatable', default: '127.0.0.1:53' },
  { name: 'cluster-domain', type: 'string', value: 'DOMAIN', help: 'The cluster DNS domain', default: 'cluster.local' },
  { name: 'upstream', type: 'string', multiple: true, value: 'HOST:PORT', help: 'Resolver for names outside the cluster domain; repeatable (default: the nameservers of --resolv-conf)' },
  { name: 'resolv-conf', type: 'string', value: 'PATH', help: 'Where to find upstreams when no --upstream is given', default: '/etc/resolv.conf' },
  { name: 'ttl', type: 'string', value: 'SECONDS', help: 'TTL of cluster answers (5 to 3600)', default: '5' },
  { name: 'upstream-timeout', type: 'string', value: 'DURATION', help: 'How long to wait for one upstream before trying the next', default: '2s' },
  { name: 'log-level', type: 'string', value: 'LEVEL', help: 'trace, debug, info, warn or error', default: 'info' },
  { name: 'help', short: 'h', type: 'boolean', help: 'Show this help' },
];

export const DNS_HELP = renderHelp('orch dns --kubeconfig PATH [flags]', 'Run the cluster DNS server: Services and pods of the cluster domain, everything else forwarded upstream.', DNS_FLAGS);

export interface DnsConfig {
  kubeconfig?: string;
  server?: string;
  token?: string;
  caFile?: string;
  insecureSkipTlsVerify: boolean;
  listen: { host: string; port: number }[];
  clusterDomain: string;
  /** Explicit upstreams; undefined: read them from resolvConf at start. */
  upstreams?: string[];
  resolvConf: string;
  ttl: number;
  upstreamTimeoutMs: number;
  logLevel: string;
}

const DOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parseDnsConfig(argv: string[]): DnsConfig | 'help' {
  const f = parseFlags(DNS_FLAGS, argv);
  if (f.help) return 'help';
  if (!f.server && !f.kubeconfig) throw new UsageError('--kubeconfig or --server (with --token) is required: where is the API server?');
  const listenFlags: string[] = typeof f.listen === 'string' ? [f.listen] : f.listen;
  const listen = listenFlags.map((l) => {
    try {
      return parseUpstream(l);
    } catch {
      throw new UsageError(`--listen: invalid address ${JSON.stringify(l)} (want HOST:PORT)`);
    }
  });
  const upstreams: string[] | undefined = f.upstream?.map((u: string) => {
    try {
      return formatUpstream(parseUpstream(u));
    } catch {
      throw new UsageError(`--upstream: invalid address ${JSON.stringify(u)} (want HOST:PORT)`);
    }
  });
  const domain = String(f['cluster-domain']).replace(/\.$/, '').toLowerCase();
  if (!DOMAIN.test(domain)) throw new UsageError(`--cluster-domain: ${JSON.stringify(f['cluster-domain'])} is not a DNS domain`);
  const ttl = Number(f.ttl);
  if (!Number.isInteger(ttl) || ttl < 5 || ttl > 3600) throw new UsageError(`--ttl: want whole seconds from 5 to 3600, got ${JSON.stringify(f.ttl)}`);
  if (!['trace', 'debug', 'info', 'warn', 'error', 'silent'].includes(f['log-level'])) throw new UsageError(`--log-level: unknown level ${JSON.stringify(f['log-level'])}`);
  return {
    kubeconfig: f.kubeconfig ? resolve(f.kubeconfig) : undefined,
    server: f.server,
    token: f.token,
    caFile: f['ca-file'] ? resolve(f['ca-file']) : undefined,
    insecureSkipTlsVerify: Boolean(f['insecure-skip-tls-verify']),
    listen,
    clusterDomain: domain,
    upstreams,
    resolvConf: resolve(f['resolv-conf']),
    ttl,
    upstreamTimeoutMs: parseDuration(f['upstream-timeout'], 'upstream-timeout'),
    logLevel: f['log-level'],
  };
}

async function clientConfig(c: DnsConfig): Promise<ClientConfig> {
  const base: ClientConfig = c.kubeconfig ? await loadKubeconfig(c.kubeconfig) : { server: c.server!, ca: '' };
  const ca = c.caFile ? await readFile(c.caFile, 'utf8') : base.ca;
  return { server: c.server ?? base.server, ca: c.insecureSkipTlsVerify ? '' : ca, token: c.token ?? base.token, insecureSkipTlsVerify: c.insecureSkipTlsVerify || base.insecureSkipTlsVerify };
}

export async function runDns(config: DnsConfig, signal: AbortSignal): Promise<void> {
  const log = createLogger({ level: config.logLevel });
  const client = await clientConfig(config);
  // Never forward to ourselves: a resolv.conf naming this server would loop.
  const upstreams = config.upstreams ?? (await upstreamsFromResolvConf(config.resolvConf, config.listen.map(formatUpstream)));
  if (!upstreams.length) log.warn({ resolvConf: config.resolvConf }, 'no upstream resolvers: names outside the cluster domain will get SERVFAIL');
  const dns = new DnsServer({ client, log, listen: config.listen, clusterDomain: config.clusterDomain, upstreams, ttl: config.ttl, upstreamTimeoutMs: config.upstreamTimeoutMs });
  void dns.ready.then(
    () => process.stdout.write(`orch dns: answering ${config.clusterDomain} on ${dns.addresses.map(formatUpstream).join(', ')}\n`),
    () => undefined,
  );
  try {
    await dns.run(signal);
  } finally {
    log.flush();
  }
}
