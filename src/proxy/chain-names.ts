/**
 * Chain names. Per-service and per-endpoint chains carry a hash of what they stand for, as
 * kube-proxy's KUBE-SVC-/KUBE-SEP- do, so a name is stable across restarts and syncs (an
 * unchanged service keeps its chains, which is what lets a sync skip them).
 */
import { createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(buf: Buffer, chars: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= chars) break;
    value &= (1 << bits) - 1;
  }
  return out;
}

// Hashing is the costliest step of a large build; names are asked for again on every sync.
const memo = new Map<string, string>();

export function hashOf(text: string, chars: number): string {
  const key = `${chars}\0${text}`;
  let h = memo.get(key);
  if (h === undefined) {
    h = base32(createHash('sha256').update(text).digest(), chars);
    if (memo.size > 200_000) memo.clear();
    memo.set(key, h);
  }
  return h;
}

/** The fixed chains, by role. */
export const FIXED_CHAINS = ['SERVICES', 'NODEPORTS', 'POSTROUTING', 'MARK-MASQ', 'FIREWALL'] as const;

export class ChainNames {
  readonly services: string;
  readonly nodePorts: string;
  readonly postrouting: string;
  readonly markMasq: string;
  readonly firewall: string;
  private readonly own: RegExp;

  constructor(
    readonly prefix: string,
    private readonly hashLength: number,
  ) {
    this.services = `${prefix}SERVICES`;
    this.nodePorts = `${prefix}NODEPORTS`;
    this.postrouting = `${prefix}POSTROUTING`;
    this.markMasq = `${prefix}MARK-MASQ`;
    this.firewall = `${prefix}FIREWALL`;
    const esc = prefix.replace(/[-]/g, '\\-');
    // Exact shapes only: a longer prefix of another instance ("ORCH-a-b-") never matches ours ("ORCH-a-").
    this.own = new RegExp(`^${esc}(?:${FIXED_CHAINS.join('|')}|(?:SVC|SEP|EXT)-[A-Z2-7]{${hashLength}})$`);
  }

  /** `ns/name:port/proto`: the identity a service port's chains hash. */
  svc(servicePortKey: string, protocol: string): string {
    return `${this.prefix}SVC-${hashOf(`${servicePortKey}/${protocol}`, this.hashLength)}`;
  }

  ext(servicePortKey: string, protocol: string): string {
    return `${this.prefix}EXT-${hashOf(`${servicePortKey}/${protocol}`, this.hashLength)}`;
  }

  sep(servicePortKey: string, protocol: string, endpoint: string): string {
    return `${this.prefix}SEP-${hashOf(`${servicePortKey}/${protocol}/${endpoint}`, this.hashLength)}`;
  }

  /** Whether a chain name is one this proxy instance creates. */
  isOwn(chain: string): boolean {
    return this.own.test(chain);
  }
}
