/**
 * Keep-alive connection pools to upstream endpoints: one undici Pool per endpoint, so a
 * request reuses an idle connection to the very endpoint round-robin chose.
 *
 * undici rather than node:http's client: per request it does a fraction of the work
 * (no ClientRequest/IncomingMessage streams, no Agent bookkeeping), which is most of what
 * separates a Node proxy from the throughput of its backend.
 *
 * When an endpoint leaves the routing table its pool is retired, not destroyed: requests
 * in flight or queued on it finish, idle connections close at once, and each connection
 * that finishes its request afterwards is closed instead of kept (Pool.close).
 */
import { Pool } from 'undici';
import type { Endpoint } from './routes.js';

export interface UpstreamPoolOptions {
  /**
   * An idle connection is closed after this long (default 30 s), or two seconds before the
   * upstream's own Keep-Alive timeout if it announces a shorter one, so that a request is
   * not sent on a connection the upstream is just closing.
   */
  idleTimeoutMs?: number;
  /** Give up connecting to an endpoint after this long (default 5 s). */
  connectTimeoutMs?: number;
  /** Give up waiting for a response's headers after this long (default 60 s; 0: never). */
  responseTimeoutMs?: number;
}

export class UpstreamPool {
  private readonly pools = new Map<string, Pool>();
  private readonly retired = new Set<Pool>();

  constructor(private readonly opts: UpstreamPoolOptions = {}) {}

  poolFor(ep: Endpoint): Pool {
    let p = this.pools.get(ep.key);
    if (!p) {
      const idle = this.opts.idleTimeoutMs ?? 30_000;
      p = new Pool(`http://${ep.key}`, {
        connectTimeout: this.opts.connectTimeoutMs ?? 5000,
        keepAliveTimeout: idle,
        keepAliveMaxTimeout: idle,
        headersTimeout: this.opts.responseTimeoutMs ?? 60_000,
        // A response body may legitimately pause for long (a watch, server-sent events):
        // the client, not the proxy, decides when to give up on it.
        bodyTimeout: 0,
      });
      this.pools.set(ep.key, p);
    }
    return p;
  }

  get size(): number {
    return this.pools.size;
  }

  /** Retires the pools of endpoints not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const [key, pool] of this.pools) {
      if (keep.has(key)) continue;
      this.pools.delete(key);
      this.retired.add(pool);
      pool
        .close()
        .catch(() => undefined)
        .finally(() => this.retired.delete(pool));
    }
  }

  /** Closes every connection, busy or idle (shutdown). */
  async destroy(): Promise<void> {
    const all = [...this.pools.values(), ...this.retired];
    this.pools.clear();
    this.retired.clear();
    await Promise.allSettled(all.map((p) => p.destroy()));
  }
}
