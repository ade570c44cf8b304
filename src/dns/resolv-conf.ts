/**
 * The host's resolver configuration: where names outside the cluster go when no upstreams
 * are configured (CoreDNS's `forward . /etc/resolv.conf`), and the search path a
 * ClusterFirst pod inherits after the cluster's own.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { formatUpstream } from './forwarder.js';

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** Parses resolv.conf text as glibc does: the last `search`/`domain` line wins; comments start with # or ;. */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const fields = line.replace(/[#;].*$/, '').trim().split(/\s+/).filter(Boolean);
    const [key, ...args] = fields;
    switch (key) {
      case 'nameserver':
        // A scoped address (fe80::1%eth0) keeps its zone for the socket layer to use.
        if (args[0] && isIP(args[0].split('%')[0])) out.nameservers.push(args[0]);
        break;
      case 'search':
        out.searches = args;
        break;
      case 'domain':
        out.searches = args.slice(0, 1);
        break;
      case 'options':
        out.options.push(...args);
        break;
    }
  }
  return out;
}

/**
 * Upstreams (`host:port`) from a resolv.conf file. Addresses in `exclude` (the DNS server's
 * own listen addresses) are left out: forwarding to ourselves would loop, which is what
 * CoreDNS's `loop` plugin exists to catch.
 */
export async function upstreamsFromResolvConf(path = '/etc/resolv.conf', exclude: string[] = []): Promise<string[]> {
  const conf = parseResolvConf(await readFile(path, 'utf8'));
  return conf.nameservers.map((host) => formatUpstream({ host, port: 53 })).filter((u) => !exclude.includes(u));
}
