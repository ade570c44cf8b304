/**
 * Liveness, readiness and startup probes of running containers, as the kubelet's prober:
 * one timer loop per (container, probe kind), started when the container runs and stopped
 * when it no longer does. A result flips only after successThreshold successes or
 * failureThreshold failures in a row; flips are reported through `onChange` so the pod's
 * worker syncs (to restart the container or to rewrite readiness).
 *
 * httpGet and tcpSocket go from the agent to the pod IP; exec runs through CRI ExecSync.
 */
import http from 'node:http';
import net from 'node:net';
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../cri/cri-client.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeTarget {
  /** The pod the container belongs to: whose worker a flip wakes. */
  podUid?: string;
  containerId: string;
  container: Container;
  podIP: string;
}

interface ProbeLoop {
  result: boolean;
  /** false until the first result after initialDelaySeconds (readiness starts failed, liveness passing). */
  settled: boolean;
  successes: number;
  failures: number;
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

export type ProbeRunner = (kind: ProbeKind, probe: Probe, target: ProbeTarget) => Promise<{ ok: boolean; message: string }>;

export class ProbeManager {
  private readonly loops = new Map<string, ProbeLoop>();

  constructor(
    private readonly runProbe: ProbeRunner,
    /** A result flipped (or settled for the first time); `message` says why a probe failed. */
    private readonly onChange: (target: ProbeTarget, kind: ProbeKind, ok: boolean, message: string) => void,
  ) {}

  /**
   * Starts the container's probe loops (no-op for ones already running). `wasReady`: the
   * container was reported ready before (an agent restart) — readiness starts passing
   * instead of failing, so adopting a pod does not flap it to NotReady.
   */
  ensure(target: ProbeTarget, wasReady = false): void {
    const c = target.container;
    const kinds: [ProbeKind, Probe | undefined][] = [
      ['startup', c.startupProbe],
      ['liveness', c.livenessProbe],
      ['readiness', c.readinessProbe],
    ];
    for (const [kind, probe] of kinds) {
      if (!probe) continue;
      const key = `${target.containerId}/${kind}`;
      if (this.loops.has(key)) continue;
      const loop: ProbeLoop = { result: kind === 'liveness' || (kind === 'readiness' && wasReady), settled: false, successes: 0, failures: 0, stopped: false };
      this.loops.set(key, loop);
      const period = Math.max(1, probe.periodSeconds ?? 10) * 1000;
      const tick = async () => {
        if (loop.stopped) return;
        // Liveness and readiness wait until the startup probe has succeeded.
        if (kind !== 'startup' && c.startupProbe && !this.result(target.containerId, 'startup')) {
          loop.timer = setTimeout(tick, Math.min(period, 1000));
          return;
        }
        const { ok, message } = await this.runProbe(kind, probe, target).catch((err: Error) => ({ ok: false, message: err.message }));
        if (loop.stopped) return;
        if (ok) {
          loop.successes++;
          loop.failures = 0;
        } else {
          loop.failures++;
          loop.successes = 0;
        }
        const successThreshold = kind === 'readiness' ? (probe.successThreshold ?? 1) : 1;
        const failureThreshold = probe.failureThreshold ?? 3;
        let next = loop.result;
        if (ok && loop.successes >= successThreshold) next = true;
        if (!ok && loop.failures >= failureThreshold) next = false;
        const changed = next !== loop.result || !loop.settled;
        loop.result = next;
        loop.settled = true;
        if (changed) this.onChange(target, kind, next, message);
        // A startup probe stops once it has succeeded; the others run as long as the container.
        if (kind === 'startup' && next) return;
        loop.timer = setTimeout(tick, period);
      };
      loop.timer = setTimeout(tick, Math.max(0, probe.initialDelaySeconds ?? 0) * 1000);
    }
  }

  /** The probe's current result; a container without that probe counts as passing. */
  result(containerId: string, kind: ProbeKind): boolean {
    const loop = this.loops.get(`${containerId}/${kind}`);
    return loop ? loop.result : true;
  }

  /** Whether the container has that probe at all. */
  has(containerId: string, kind: ProbeKind): boolean {
    return this.loops.has(`${containerId}/${kind}`);
  }

  /** Stops every loop of the container. */
  stop(containerId: string): void {
    for (const kind of ['liveness', 'readiness', 'startup'] as const) {
      const key = `${containerId}/${kind}`;
      const loop = this.loops.get(key);
      if (!loop) continue;
      loop.stopped = true;
      clearTimeout(loop.timer);
      this.loops.delete(key);
    }
  }

  /** Stops loops of containers not in `keep`. */
  retain(keep: Set<string>, ofContainers: Set<string>): void {
    for (const key of [...this.loops.keys()]) {
      const id = key.slice(0, key.lastIndexOf('/'));
      if (ofContainers.has(id) && !keep.has(id)) this.stop(id);
    }
  }

  stopAll(): void {
    for (const key of [...this.loops.keys()]) this.stop(key.slice(0, key.lastIndexOf('/')));
  }
}

function resolvePort(port: string | number | undefined, c: Container): number {
  if (typeof port === 'number') return port;
  if (port && /^\d+$/.test(port)) return Number(port);
  const p = c.ports?.find((x) => x.name === port);
  if (!p) throw new Error(`port ${JSON.stringify(port)} not found in container ${c.name}`);
  return p.containerPort;
}

/** Runs one probe (or a preStop/postStart handler of the same shape) against a container. */
export function makeProbeRunner(cri: () => CriClient): ProbeRunner {
  return async (_kind, probe, target) => {
    const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
    if (probe.exec) {
      const r = await cri().execSync(target.containerId, probe.exec.command ?? [], Math.ceil(timeoutMs / 1000));
      return { ok: r.exit_code === 0, message: r.stdout.toString('utf8').slice(0, 1024) };
    }
    if (probe.httpGet) {
      const g = probe.httpGet;
      return httpGet(g.host || target.podIP, resolvePort(g.port, target.container), g.path ?? '/', g.scheme ?? 'HTTP', Object.fromEntries((g.httpHeaders ?? []).map((h) => [h.name, h.value])), timeoutMs);
    }
    if (probe.tcpSocket) {
      return tcpConnect(probe.tcpSocket.host || target.podIP, resolvePort(probe.tcpSocket.port, target.container), timeoutMs);
    }
    return { ok: false, message: 'probe has no handler' };
  };
}

export function httpGet(host: string, port: number, path: string, scheme: string, headers: Record<string, string>, timeoutMs: number): Promise<{ ok: boolean; message: string }> {
  if (scheme !== 'HTTP') return Promise.resolve({ ok: false, message: `scheme ${scheme} is not supported` });
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, headers: { 'user-agent': 'kube-probe/1.32', accept: '*/*', ...headers }, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve({ ok: code >= 200 && code < 400, message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => req.destroy(new Error(`Get "http://${host}:${port}${path}": context deadline exceeded`)));
    req.on('error', (err) => resolve({ ok: false, message: err.message }));
  });
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<{ ok: boolean; message: string }> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      resolve({ ok: true, message: '' });
    });
    s.once('timeout', () => {
      s.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    });
    s.once('error', (err) => resolve({ ok: false, message: err.message }));
  });
}
