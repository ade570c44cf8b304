/**
 * Keeps the kernel's rules equal to buildRules(current state): applies changes with
 * iptables-restore --noflush, at most `burst` syncs back to back and then one per
 * `minSyncIntervalMs` (kube-proxy's bounded-frequency runner), so a burst of changes
 * becomes one sync. Watches for someone else removing its rules — a cheap canary every few
 * seconds (our hook rules and POSTROUTING chain, via `iptables -S`) and a full comparison
 * against iptables-save every `checkIntervalMs` — and rewrites everything when they drifted.
 * On shutdown it removes every chain and hook rule of its own and puts back route_localnet.
 *
 * A normal sync rewrites only the chains whose rules changed (plus the chain that lists
 * every service, when a service comes or goes), in one transaction: at 5,000 services a
 * full rewrite takes seconds, a change a fraction of that. Full rewrites happen at start,
 * after a failure and after drift, in batches (planSync).
 */
import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../machinery/log.js';
import { ChainNames } from './chain-names.js';
import { resolveRulesConfig, type ResolvedRulesConfig, type RulesConfig } from './config.js';
import { ExecIptables, type Iptables } from './iptables.js';
import { drift, emptyKernelState, hookDrift, hooksFromListing, parseSave } from './kernel-state.js';
import { buildRules, planCleanup, planSync, ruleCount, RulesCache, type KernelState, type Rules } from './ruleset.js';
import type { ProxyState } from './service-ports.js';
import { procSysctl, ROUTE_LOCALNET, type Sysctl } from './sysctl.js';

/** Every successful sync's SyncReport is published here (metrics without log lines on the hot path). */
export const SYNC_CHANNEL = 'orch:proxy:sync';
const syncChannel = diagnostics.channel(SYNC_CHANNEL);

export interface ProxierOptions {
  rules: Omit<RulesConfig, 'localnetGuard'>;
  log: Logger;
  /** The current Services and EndpointSlices; read at every sync (level-based). */
  source: () => ProxyState;
  iptables?: Iptables;
  sysctl?: Sysctl;
  /** Minimum time between syncs once the burst is spent (default 1000). */
  minSyncIntervalMs?: number;
  /** Syncs allowed back to back before the minimum interval applies (default 2). */
  burst?: number;
  /** Full comparison with iptables-save (default 30000). */
  checkIntervalMs?: number;
  /** Cheap check of hook rules and one chain of ours (default 5000). */
  canaryIntervalMs?: number;
  /** Longest back-off after failed syncs (default 30000). */
  maxRetryMs?: number;
}

export interface SyncReport {
  full: boolean;
  /** Build of the rules from the state. */
  buildMs: number;
  /** Reading the kernel (full syncs only). */
  readMs: number;
  restoreMs: number;
  totalMs: number;
  /** From the first change that asked for this sync to the rules being in the kernel. */
  latencyMs: number;
  /** Bytes of restore input (0: nothing changed, nothing run). */
  inputBytes: number;
  rules: number;
  servicePorts: number;
}

export interface ProxierStats {
  syncs: number;
  fullSyncs: number;
  failures: number;
  /** Times drift was found and everything rewritten. */
  repairs: number;
  canaryChecks: number;
  fullChecks: number;
  lastSync: SyncReport | undefined;
}

export class Proxier {
  readonly ready: Promise<void>;
  readonly stats: ProxierStats = { syncs: 0, fullSyncs: 0, failures: 0, repairs: 0, canaryChecks: 0, fullChecks: 0, lastSync: undefined };
  private resolveReady!: () => void;
  private readonly log: Logger;
  private readonly ipt: Iptables;
  private readonly sysctl: Sysctl;
  private readonly names: ChainNames;
  private cfg: ResolvedRulesConfig;
  private readonly minInterval: number;
  private readonly burst: number;
  private readonly checkInterval: number;
  private readonly canaryInterval: number;
  private readonly maxRetry: number;
  /** What the last successful restore left in the kernel. */
  private applied: Rules | undefined;
  private needFull = true;
  private dirty = true;
  private dirtySince = performance.now();
  private tokens: number;
  private tokensAt = performance.now();
  private retryAt = 0;
  private backoff = 0;
  private wake: (() => void) | undefined;
  private checking: Promise<void> | undefined;
  private syncing = false;
  /** Bumped by every restore attempt, so a check can tell it raced one. */
  private writes = 0;
  private routeLocalnetWas: string | undefined;
  private readonly listeners = new Set<(r: SyncReport) => void>();
  private readonly cache = new RulesCache();

  constructor(private readonly opts: ProxierOptions) {
    this.ready = new Promise((r) => (this.resolveReady = r));
    this.log = opts.log;
    this.cfg = resolveRulesConfig(opts.rules);
    this.names = new ChainNames(this.cfg.prefix, this.cfg.hashLength);
    this.ipt = opts.iptables ?? new ExecIptables();
    this.sysctl = opts.sysctl ?? procSysctl;
    this.minInterval = opts.minSyncIntervalMs ?? 1000;
    this.burst = Math.max(1, opts.burst ?? 2);
    this.tokens = this.burst;
    this.checkInterval = opts.checkIntervalMs ?? 30_000;
    this.canaryInterval = opts.canaryIntervalMs ?? 5000;
    this.maxRetry = opts.maxRetryMs ?? 30_000;
  }

  /** Asks for a sync: now if the rate allows, else as soon as it does. Cheap; call on every change. */
  requestSync(): void {
    if (!this.dirty) {
      this.dirty = true;
      this.dirtySince = performance.now();
    }
    this.wake?.();
  }

  /** Calls `fn` after every successful sync; returns the unsubscribe function. */
  onSync(fn: (r: SyncReport) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Whether the rules in the kernel route this service port (`ns/name:port`) to endpoints. */
  hasEndpointsFor(key: string): boolean {
    return this.applied?.servicePorts.has(key) ?? false;
  }

  /** The rules last written to the kernel (for tests and debugging). */
  get appliedRules(): Rules | undefined {
    return this.applied;
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.setUpRouteLocalnet();
    let nextCheck = performance.now() + this.checkInterval;
    let nextCanary = performance.now() + this.canaryInterval;
    try {
      while (!signal.aborted) {
        const t = performance.now();
        const syncAt = this.dirty ? this.nextSyncAt(t) : Infinity;
        if (t >= syncAt) {
          await this.sync();
          continue;
        }
        if (t >= nextCheck) {
          // Reading everything back takes ~1 s at 5,000 services: run it beside the loop so
          // a sync never waits for it (a result that raced a sync is discarded).
          if (!this.checking) this.checking = this.check().finally(() => (this.checking = undefined));
          nextCheck = performance.now() + this.checkInterval;
          nextCanary = performance.now() + this.canaryInterval;
          continue;
        }
        if (t >= nextCanary) {
          await this.canary();
          nextCanary = performance.now() + this.canaryInterval;
          continue;
        }
        await this.sleep(Math.min(syncAt, nextCheck, nextCanary) - t, signal);
      }
    } finally {
      await this.checking;
      await this.cleanUp();
    }
  }

  private nextSyncAt(t: number): number {
    const refill = (t - this.tokensAt) / this.minInterval;
    const tokens = Math.min(this.burst, this.tokens + refill);
    const byRate = tokens >= 1 ? t : t + (1 - tokens) * this.minInterval;
    return Math.max(byRate, this.retryAt);
  }

  private takeToken(t: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (t - this.tokensAt) / this.minInterval) - 1;
    this.tokensAt = t;
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  private async sync(): Promise<void> {
    this.syncing = true;
    try {
      await this.syncOnce();
    } finally {
      this.syncing = false;
    }
  }

  private async syncOnce(): Promise<void> {
    const start = performance.now();
    this.takeToken(start);
    const since = this.dirtySince;
    this.dirty = false;
    const full = this.needFull || !this.applied;
    try {
      const next = buildRules(this.opts.source(), this.cfg, this.cache);
      const built = performance.now();
      // A change is one transaction; a full rewrite or a huge change goes in parts (planSync).
      const parts = planSync(next, full ? { kernel: await this.readKernel() } : { prev: this.applied! });
      const read = performance.now();
      this.writes++;
      for (const part of parts) await this.ipt.restore(part);
      const end = performance.now();
      this.applied = next;
      this.needFull = false;
      this.backoff = 0;
      this.retryAt = 0;
      this.stats.syncs++;
      if (full) this.stats.fullSyncs++;
      const report: SyncReport = {
        full,
        buildMs: built - start,
        readMs: read - built,
        restoreMs: end - read,
        totalMs: end - start,
        latencyMs: end - since,
        inputBytes: parts.reduce((n, p) => n + p.length, 0),
        rules: ruleCount(next),
        servicePorts: next.servicePorts.size,
      };
      this.stats.lastSync = report;
      this.log.debug({ ...report, skipped: next.skipped.length }, 'rules synced');
      for (const fn of this.listeners) fn(report);
      if (syncChannel.hasSubscribers) syncChannel.publish({ prefix: this.cfg.prefix, ...report });
      this.resolveReady();
    } catch (err) {
      this.stats.failures++;
      // What is in the kernel is unknown now: read it back and rewrite everything next time.
      this.needFull = true;
      if (!this.dirty) {
        this.dirty = true;
        this.dirtySince = since;
      }
      this.backoff = Math.min(this.maxRetry, this.backoff ? this.backoff * 2 : Math.max(this.minInterval, 500));
      this.retryAt = performance.now() + this.backoff;
      this.log.error({ err: (err as Error).message, retryInMs: this.backoff, full }, 'rule sync failed');
    }
  }

  private async readKernel(): Promise<KernelState> {
    const state = emptyKernelState();
    parseSave(await this.ipt.save('nat'), 'nat', this.names, state);
    parseSave(await this.ipt.save('filter'), 'filter', this.names, state);
    return state;
  }

  private repair(problems: string[]): void {
    this.stats.repairs++;
    this.log.warn({ problems: problems.slice(0, 10), count: problems.length }, 'rules changed behind our back; rewriting them');
    this.needFull = true;
    // Repairs skip the rate limit: until they are done, services may be down.
    this.tokens = Math.max(this.tokens, 1);
    this.retryAt = 0;
    this.requestSync();
  }

  /** Full comparison of the kernel with what we wrote. */
  private async check(): Promise<void> {
    if (!this.applied) return;
    this.stats.fullChecks++;
    const writes = this.writes;
    const applied = this.applied;
    try {
      const kernel = await this.readKernel();
      if (writes !== this.writes || applied !== this.applied || this.syncing) return; // raced a sync: try next time
      const problems = drift(applied, kernel);
      if (problems.length) this.repair(problems);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'reading rules back failed');
    }
  }

  /** A few `iptables -S` of small chains: our hooks and our POSTROUTING chain, which any flush empties. */
  private async canary(): Promise<void> {
    if (!this.applied) return;
    this.stats.canaryChecks++;
    try {
      const problems: string[] = [];
      const post = await this.ipt.listChain('nat', this.names.postrouting);
      const want = this.applied.nat.get(this.names.postrouting)?.length ?? 0;
      if (post === undefined) problems.push(`nat chain ${this.names.postrouting} is missing`);
      else if (post.length !== want) problems.push(`nat chain ${this.names.postrouting} has ${post.length} rules, want ${want}`);
      const byChain = new Map<string, typeof this.applied.hooks>();
      for (const h of this.applied.hooks) {
        const k = `${h.table} ${h.chain}`;
        byChain.set(k, [...(byChain.get(k) ?? []), h]);
      }
      for (const [k, hooks] of byChain) {
        const { table, chain } = hooks[0];
        const lines = await this.ipt.listChain(table, chain);
        if (lines === undefined) problems.push(`cannot list ${k}`);
        else problems.push(...hookDrift(hooks, hooksFromListing(lines, table, this.names)));
      }
      if (problems.length) this.repair(problems);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'canary check failed');
    }
  }

  private async setUpRouteLocalnet(): Promise<void> {
    if (!this.cfg.localhostNodePorts) return;
    try {
      const was = await this.sysctl.get(ROUTE_LOCALNET);
      if (was === '1') return; // someone else's choice: leave it, and add no guard of ours
      await this.sysctl.set(ROUTE_LOCALNET, '1');
      this.routeLocalnetWas = was;
      this.cfg = resolveRulesConfig({ ...this.opts.rules, localnetGuard: true });
      this.log.info({ sysctl: 'net.ipv4.conf.all.route_localnet', value: 1, was }, 'set route_localnet for node ports on 127.0.0.1; restored on shutdown');
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'cannot set net.ipv4.conf.all.route_localnet: node ports on 127.0.0.1 will not work');
    }
  }

  /**
   * Puts back route_localnet, then removes every chain and hook of ours the kernel holds
   * (read back, so leftovers of a crashed run with the same prefix go too). In that order,
   * so 127.0.0.0/8 is never open without the guard rule.
   */
  private async cleanUp(): Promise<void> {
    if (this.routeLocalnetWas !== undefined) {
      try {
        await this.sysctl.set(ROUTE_LOCALNET, this.routeLocalnetWas);
        this.log.info({ sysctl: 'net.ipv4.conf.all.route_localnet', value: this.routeLocalnetWas }, 'restored route_localnet');
        this.routeLocalnetWas = undefined;
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'cannot restore net.ipv4.conf.all.route_localnet');
      }
    }
    let lastErr: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const parts = planCleanup(await this.readKernel());
        lastErr = undefined;
        if (parts.length === 0) break; // verified: nothing of ours is left
        for (const part of parts) await this.ipt.restore(part);
      } catch (err) {
        lastErr = err;
        this.log.warn({ err: (err as Error).message, attempt }, 'removing rules failed; retrying');
      }
    }
    this.applied = undefined;
    if (lastErr) throw new Error(`could not remove the proxy's iptables rules: ${(lastErr as Error).message}`);
  }
}
