/**
 * Keep-alive connection pools to upstream endpoints: one http.Agent per endpoint, so a
 * request reuses an idle connection to the very endpoint round-robin chose.
 *
 * When an endpoint leaves the routing table its pool is retired, not destroyed: requests
 * in flight on it finish, idle connections close at once, and each connection that
 * finishes its request afterwards is closed instead of kept.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Endpoint } from './routes.js';

export interface UpstreamPoolOptions {
  /** Idle connections kept per endpoint (default 64). */
  maxFreeSockets?: number;
  /**
   * An idle connection is closed after this long (default 30 s), or a second before the
   * upstream's own Keep-Alive timeout if it announces a shorter one. Node's agent only
   * honours that announcement when it has a timeout of its own: without one, a request
   * could be sent on a connection the upstream is just closing.
   */
  idleTimeoutMs?: number;
}

export class UpstreamPool {
  private readonly agents = new Map<string, http.Agent>();
  private readonly retired = new Set<http.Agent>();

  constructor(private readonly opts: UpstreamPoolOptions = {}) {}

  agentFor(ep: Endpoint): http.Agent {
    let a = this.agents.get(ep.key);
    if (!a) {
      a = new http.Agent({ keepAlive: true, maxFreeSockets: this.opts.maxFreeSockets ?? 64, scheduling: 'lifo', timeout: this.opts.idleTimeoutMs ?? 30_000 });
      this.agents.set(ep.key, a);
    }
    return a;
  }

  get size(): number {
    return this.agents.size;
  }

  /** Retires the pools of endpoints not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const [key, agent] of this.agents) {
      if (keep.has(key)) continue;
      this.agents.delete(key);
      this.retire(agent);
    }
  }

  private retire(agent: http.Agent): void {
    this.retired.add(agent);
    destroyFree(agent);
    // Runs after the agent's own 'free' handler, which either handed the socket to a
    // queued request (leave it) or parked it in freeSockets (close it).
    agent.on('free', (socket: Socket) => {
      if (isFree(agent, socket)) socket.destroy();
      if (Object.keys(agent.sockets).length === 0 && Object.keys(agent.requests).length === 0) this.retired.delete(agent);
    });
    if (Object.keys(agent.sockets).length === 0) this.retired.delete(agent);
  }

  /** Closes every connection, busy or idle (shutdown). */
  destroy(): void {
    for (const a of this.agents.values()) a.destroy();
    for (const a of this.retired) a.destroy();
    this.agents.clear();
    this.retired.clear();
  }
}

function destroyFree(agent: http.Agent): void {
  for (const list of Object.values(agent.freeSockets)) for (const s of [...(list ?? [])]) s.destroy();
}

function isFree(agent: http.Agent, socket: Socket): boolean {
  for (const list of Object.values(agent.freeSockets)) if (list?.includes(socket)) return true;
  return false;
}
