/**
 * What the rules are derived from besides the API objects: the ranges this proxy owns and
 * the chain prefix that makes its chains its own. Validated once, at construction.
 */
import { ipToInt, parseCidr, type Cidr } from '../machinery/cidr.js';

export interface RulesConfig {
  /** Prefix of every chain this proxy owns, e.g. `ORCH-1a2b3c-`. */
  chainPrefix: string;
  /** Only ClusterIPs inside this range get rules; the hook rules match only it. */
  serviceCidr: string;
  /** The pod network: traffic from outside it to a ClusterIP is masqueraded. Unset: all of it is. */
  clusterCidr?: string;
  /** Node ports outside this range get no rules; the hook rules match only it. */
  nodePortRange: [number, number];
  /** Addresses node ports answer on (127.0.0.1 included for localhost node ports). Empty: every local address but loopback. */
  nodeIPs: string[];
  /** Bit of the packet mark that flags traffic for masquerade (default 14, kube-proxy's 0x4000). */
  masqueradeBit?: number;
  /** Add the anti-martian DROP for 127.0.0.0/8 (only when this proxy turned route_localnet on). */
  localnetGuard?: boolean;
}

/** A validated RulesConfig with everything parsed. */
export interface ResolvedRulesConfig {
  prefix: string;
  serviceCidr: Cidr;
  clusterCidr: Cidr | undefined;
  nodePortRange: [number, number];
  nodeIPs: string[];
  /** e.g. `0x4000` */
  mark: string;
  localhostNodePorts: boolean;
  localnetGuard: boolean;
  /** Hex digits of the hash in SVC/SEP/EXT chain names (iptables allows 28 characters in all). */
  hashLength: number;
}

const PREFIX_RE = /^[A-Za-z][A-Za-z0-9-]{1,12}-$/;
/** The longest fixed suffix (`NODEPORTS`) plus the shortest hashed one (`SVC-` + 8) must fit in 28. */
const MAX_CHAIN = 28;

/** Why a chain prefix is unusable, or undefined when it is fine. */
export function chainPrefixProblem(prefix: string): string | undefined {
  return PREFIX_RE.test(prefix) ? undefined : `chainPrefix ${JSON.stringify(prefix)} must be 3-14 letters, digits or dashes, start with a letter and end with "-"`;
}

export const isLoopback = (ip: string): boolean => ip.startsWith('127.');

export function resolveRulesConfig(c: RulesConfig): ResolvedRulesConfig {
  const problems: string[] = [];
  const prefixProblem = chainPrefixProblem(c.chainPrefix);
  if (prefixProblem) problems.push(prefixProblem);
  const cidr = (what: string, text: string | undefined): Cidr | undefined => {
    if (text === undefined) return undefined;
    try {
      return parseCidr(text);
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const serviceCidr = cidr('serviceCidr', c.serviceCidr);
  const clusterCidr = cidr('clusterCidr', c.clusterCidr);
  const [lo, hi] = c.nodePortRange ?? [];
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi > 65535 || lo > hi) problems.push(`nodePortRange ${JSON.stringify(c.nodePortRange)} must be [low, high] within 1-65535`);
  for (const ip of c.nodeIPs ?? []) if (ipToInt(ip) === undefined) problems.push(`nodeIPs: ${JSON.stringify(ip)} is not an IPv4 address`);
  const bit = c.masqueradeBit ?? 14;
  if (!Number.isInteger(bit) || bit < 0 || bit > 31) problems.push(`masqueradeBit ${bit} must be 0-31`);
  if (problems.length || !serviceCidr) throw new Error(`invalid proxy config: ${problems.join('; ')}`);
  const nodeIPs = [...new Set(c.nodeIPs ?? [])].sort((a, b) => ipToInt(a)! - ipToInt(b)!);
  return {
    prefix: c.chainPrefix,
    serviceCidr,
    clusterCidr,
    nodePortRange: [lo, hi],
    nodeIPs,
    mark: `0x${(2 ** bit).toString(16)}`,
    localhostNodePorts: nodeIPs.some(isLoopback),
    localnetGuard: c.localnetGuard ?? false,
    hashLength: Math.min(16, MAX_CHAIN - c.chainPrefix.length - 4),
  };
}
