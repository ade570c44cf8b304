/**
 * The node's CNI network: a bridge of its own, host-local IPAM over the node's pod CIDR,
 * then portmap (hostPort). containerd reads it once at start, so it is written before
 * containerd starts. No firewall plugin: pod traffic passes a FORWARD policy of DROP by two
 * rules for the whole pod CIDR put in once per node (pod-forward.ts), not two per pod.
 */

export interface CniConfigInput {
  /** Network name; also the prefix of libcni's cache files in /var/lib/cni/results. */
  networkName: string;
  bridgeName: string;
  /** The node's pod CIDR, e.g. 10.244.1.0/24. */
  podCidr: string;
  /** host-local's store of allocated IPs. */
  ipamDataDir: string;
}

export interface Ipv4Cidr {
  /** Network address as a 32-bit number. */
  network: number;
  prefix: number;
  text: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(s: string): number | undefined {
  const m = IPV4.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((n) => n > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export const formatIpv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** Parses `a.b.c.d/n`; the address must be the network address. */
export function parseCidr(s: string): Ipv4Cidr {
  const [addr, len, extra] = s.split('/');
  const ip = parseIpv4(addr ?? '');
  const prefix = Number(len);
  if (ip === undefined || extra !== undefined || !/^\d{1,2}$/.test(len ?? '') || prefix > 32) {
    throw new Error(`invalid IPv4 CIDR ${JSON.stringify(s)} (want e.g. 10.244.1.0/24)`);
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((ip & mask) >>> 0 !== ip) throw new Error(`CIDR ${s} has host bits set; did you mean ${formatIpv4((ip & mask) >>> 0)}/${prefix}?`);
  return { network: ip, prefix, text: s };
}

export function cidrContains(cidr: Ipv4Cidr, ip: number): boolean {
  const mask = cidr.prefix === 0 ? 0 : (0xffffffff << (32 - cidr.prefix)) >>> 0;
  return (ip & mask) >>> 0 === cidr.network;
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return cidrContains(a, b.network) || cidrContains(b, a.network);
}

/** The bridge's address: the first host of the pod CIDR. */
export const gatewayOf = (cidr: Ipv4Cidr) => formatIpv4(cidr.network + 1);

export function renderCniConflist(input: CniConfigInput): string {
  const cidr = parseCidr(input.podCidr);
  if (cidr.prefix > 28) throw new Error(`pod CIDR ${input.podCidr} is too small (want /28 or larger)`);
  const conf = {
    cniVersion: '0.4.0',
    name: input.networkName,
    plugins: [
      {
        type: 'bridge',
        bridge: input.bridgeName,
        isGateway: true,
        // No NAT out of the node: pods talk to each other, the node and services only.
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: input.ipamDataDir,
          ranges: [[{ subnet: input.podCidr, gateway: gatewayOf(cidr) }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
  return `${JSON.stringify(conf, null, 2)}\n`;
}
