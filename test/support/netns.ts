/**
 * Network namespaces for proxy tests: each backend is a netns joined to the host by a veth
 * pair on its own /30 from a test range, running an HTTP server that answers with its name.
 * A "sink" netns takes the test service CIDR's route, so a packet to a ClusterIP that no
 * rule rewrote ends up dropped in a namespace the test owns instead of leaving the machine.
 *
 * Ranges are picked at random (10.250.R.0/24 backends, 10.251.R.0/30 sink, 10.97.R.0/24
 * services) and refused if anything on the machine already routes or holds an address in
 * them (services from 10.104-111 when a bigger CIDR is asked for). Every name carries a short random id; destroy() removes all of it and checks.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export async function sh(cmd: string, ...args: string[]): Promise<string> {
  try {
    return (await exec(cmd, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

function overlaps(a: string, b: string): boolean {
  const [ai, al] = a.split('/');
  const [bi, bl] = b.split('/');
  const size = 2 ** (32 - Math.min(Number(al ?? 32), Number(bl ?? 32)));
  return Math.floor(toInt(ai) / size) === Math.floor(toInt(bi) / size);
}

/** Every IPv4 prefix the machine routes (all tables) or holds an address in, except the default route. */
async function usedPrefixes(): Promise<string[]> {
  const routes = JSON.parse(await sh('ip', '-4', '-j', 'route', 'show', 'table', 'all')) as { dst: string }[];
  const addrs = JSON.parse(await sh('ip', '-4', '-j', 'addr', 'show')) as { addr_info?: { local: string; prefixlen: number }[] }[];
  const out: string[] = [];
  for (const r of routes) if (r.dst && r.dst !== 'default' && /^\d/.test(r.dst)) out.push(r.dst.includes('/') ? r.dst : `${r.dst}/32`);
  for (const a of addrs) for (const i of a.addr_info ?? []) out.push(`${i.local}/${i.prefixlen}`);
  return out;
}

export interface TestRanges {
  /** Short random id in every name (4 hex digits). */
  id: string;
  octet: number;
  /** Backends: 10.250.R.0/24, a /30 per backend. */
  backendNet: string;
  /** Sink veth: host 10.251.R.1, netns 10.251.R.2. */
  sinkNet: string;
  sinkHostIp: string;
  serviceCidr: string;
  nodePortRange: [number, number];
  /** With `clusterCidr: true`: pods' 10.252.R.0/24 (one node's worth). */
  clusterCidr?: string;
}

/**
 * Picks ranges nothing on the machine uses; throws if every try clashes. `serviceBits`
 * below 24 (benchmarks with thousands of Services) takes the service CIDR from 10.104-111.
 */
export async function pickTestRanges(opts: { serviceBits?: number; clusterCidr?: boolean } = {}): Promise<TestRanges> {
  const bits = opts.serviceBits ?? 24;
  if (bits < 16 || bits > 24) throw new Error('serviceBits must be 16-24');
  const used = await usedPrefixes();
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = 2 + Math.floor(Math.random() * 250);
    const block = 2 ** (24 - bits);
    const serviceCidr = bits === 24 ? `10.97.${r}.0/24` : `10.${104 + Math.floor(Math.random() * 8)}.${block * Math.floor(Math.random() * (256 / block))}.0/${bits}`;
    const mine = [`10.250.${r}.0/24`, `10.251.${r}.0/24`, serviceCidr, ...(opts.clusterCidr ? [`10.252.${r}.0/24`] : [])];
    const clash = mine.find((m) => used.some((u) => overlaps(m, u)));
    if (clash) continue;
    return {
      id: randomBytes(2).toString('hex'),
      octet: r,
      backendNet: mine[0],
      sinkNet: `10.251.${r}.0/30`,
      sinkHostIp: `10.251.${r}.1`,
      serviceCidr,
      nodePortRange: [30000 + r * 10, 30000 + r * 10 + 9],
      clusterCidr: opts.clusterCidr ? mine[3] : undefined,
    };
  }
  throw new Error(`no free test range: the machine routes ${used.join(', ')}`);
}

export interface Backend {
  name: string;
  netns: string;
  ip: string;
  hostIp: string;
}

export interface Server {
  pid: number;
  stop(): Promise<void>;
}

// Runs inside the netns: one listener per port, answering {name, port, remote} as JSON.
const SERVER_SCRIPT = `
const http = require('node:http');
const [ip, name, ...ports] = process.argv.slice(1);
let up = 0;
for (const p of ports) {
  const s = http.createServer((req, res) => {
    const body = JSON.stringify({ name, port: Number(p), remote: req.socket.remoteAddress });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  s.keepAliveTimeout = 60000;
  s.listen(Number(p), ip, () => { if (++up === ports.length) console.log('ready'); });
}
process.on('SIGTERM', () => process.exit(0));
`;

export class TestNetwork {
  readonly backends: Backend[] = [];
  private readonly netnses: string[] = [];
  private readonly links: string[] = [];
  private readonly servers = new Set<ChildProcess>();
  private routeAdded: string | undefined;

  constructor(readonly ranges: TestRanges) {}

  private get prefix() {
    return `o${this.ranges.id}`;
  }

  private async addNetns(suffix: string, hostIp: string, nsIp: string): Promise<string> {
    const ns = `orch-${this.ranges.id}-${suffix}`;
    const hostIf = `${this.prefix}h${suffix}`;
    const nsIf = `${this.prefix}n${suffix}`;
    await sh('ip', 'netns', 'add', ns);
    this.netnses.push(ns);
    await sh('ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns);
    this.links.push(hostIf);
    await sh('ip', 'addr', 'add', `${hostIp}/30`, 'dev', hostIf);
    await sh('ip', 'link', 'set', hostIf, 'up');
    await sh('ip', '-n', ns, 'addr', 'add', `${nsIp}/30`, 'dev', nsIf);
    await sh('ip', '-n', ns, 'link', 'set', nsIf, 'up');
    await sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    // Replies to anything go back to the host (which does not forward): nothing leaves.
    await sh('ip', '-n', ns, 'route', 'add', 'default', 'via', hostIp);
    return ns;
  }

  /** Backend k: netns with 10.250.R.(4k+2), host side 10.250.R.(4k+1). */
  async addBackend(): Promise<Backend> {
    const k = this.backends.length;
    if (k > 60) throw new Error('too many backends for one /24');
    const base = `10.250.${this.ranges.octet}.`;
    const b: Backend = { name: `b${k}`, netns: '', ip: `${base}${4 * k + 2}`, hostIp: `${base}${4 * k + 1}` };
    b.netns = await this.addNetns(`b${k}`, b.hostIp, b.ip);
    this.backends.push(b);
    return b;
  }

  /** The sink for the service CIDR: `ip route add <serviceCidr> via 10.251.R.2`. */
  async addSink(): Promise<void> {
    const r = this.ranges.octet;
    await this.addNetns('s', `10.251.${r}.1`, `10.251.${r}.2`);
    await sh('ip', 'route', 'add', this.ranges.serviceCidr, 'via', `10.251.${r}.2`);
    this.routeAdded = this.ranges.serviceCidr;
  }

  /** Starts an HTTP server inside the backend's netns on `ports`; resolves when it listens. */
  async startServer(b: Backend, ports: number[]): Promise<Server> {
    const child = spawn('ip', ['netns', 'exec', b.netns, process.execPath, '-e', SERVER_SCRIPT, b.ip, b.name, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.servers.add(child);
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server in ${b.netns} did not start: ${err}`)), 10_000);
      child.stdout!.on('data', (c: Buffer) => {
        if (c.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server in ${b.netns} exited (${code}): ${err}`));
      });
    });
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM'); // by PID: `ip netns exec` execs node in place
      await exited;
      this.servers.delete(child);
    };
    return { pid: child.pid!, stop };
  }

  /** Stops the servers, removes the route and the namespaces (their veths go with them), and checks. */
  async destroy(): Promise<void> {
    for (const c of this.servers) {
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await exited;
      }
    }
    this.servers.clear();
    if (this.routeAdded) {
      await sh('ip', 'route', 'del', this.routeAdded).catch(() => {});
      this.routeAdded = undefined;
    }
    // Deleting the host end takes the pair down at once; a netns is torn down asynchronously.
    for (const l of this.links.splice(0)) await sh('ip', 'link', 'del', l).catch(() => {});
    for (const ns of this.netnses.splice(0)) await sh('ip', 'netns', 'del', ns).catch(() => {});
    let left = await this.leftovers();
    for (let i = 0; i < 50 && left.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await this.leftovers();
    }
    if (left.length) throw new Error(`test network left behind: ${left.join(', ')}`);
  }

  /** Namespaces, links and routes of this network still present. */
  async leftovers(): Promise<string[]> {
    const out: string[] = [];
    for (const l of (await sh('ip', 'netns', 'list')).split('\n')) if (l.startsWith(`orch-${this.ranges.id}-`)) out.push(`netns ${l.split(' ')[0]}`);
    for (const l of JSON.parse(await sh('ip', '-j', 'link', 'show')) as { ifname: string }[]) if (l.ifname.startsWith(this.prefix)) out.push(`link ${l.ifname}`);
    for (const p of await usedPrefixes()) if ([this.ranges.backendNet, this.ranges.serviceCidr, `10.251.${this.ranges.octet}.0/24`].some((m) => overlaps(m, p))) out.push(`route/address ${p}`);
    return out;
  }
}

/** iptables-save output without comments or counters, and without empty built-in chains/tables (a table nft created empty is no rule). */
export async function normalizedIptablesSave(): Promise<string> {
  const out: string[] = [];
  let table: string[] = [];
  let hasContent = false;
  for (const line of (await sh('/usr/sbin/iptables-save')).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      table = [line];
      hasContent = false;
      continue;
    }
    if (line === 'COMMIT') {
      if (hasContent) out.push(...table, 'COMMIT');
      continue;
    }
    const clean = line.replace(/\[\d+:\d+\]/, '[0:0]');
    if (/^:[A-Z]+ ACCEPT /.test(clean) && /^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /.test(clean)) continue;
    table.push(clean);
    hasContent = true;
  }
  return out.join('\n');
}

/** Runs `cmd args` with `input` on stdin; throws with stderr on a non-zero exit. */
export function shInput(cmd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} (exit ${code}): ${err.trim()}`))));
    child.stdin!.end(input);
  });
}
