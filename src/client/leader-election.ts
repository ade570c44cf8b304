/**
 * Leader election through a coordination.k8s.io Lease, as client-go's leaderelection does:
 * the holder renews the lease; others take it over once it has not been renewed for the
 * lease duration. Only the leader runs `lead`; losing the lease aborts the signal it got.
 */
import { ApiError } from '../machinery/errors.js';
import type { Logger } from '../machinery/log.js';
import type { Client } from './client.js';
import { sleep } from '../machinery/sleep.js';

export interface LeaderElectionConfig {
  name: string;
  namespace?: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  retryIntervalMs?: number;
  log?: Logger;
}

const microTime = () => new Date().toISOString().replace('Z', '000Z');

export async function runWithLeaderElection(client: Client, cfg: LeaderElectionConfig, signal: AbortSignal, lead: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const ns = cfg.namespace ?? 'kube-system';
  const duration = cfg.leaseDurationSeconds ?? 15;
  const renewEvery = cfg.renewIntervalMs ?? 2_000;
  const retryEvery = cfg.retryIntervalMs ?? 2_000;
  const leases = client.leases;

  const tryAcquire = async (): Promise<boolean> => {
    let lease: any;
    try {
      lease = await leases.get(ns, cfg.name);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
      try {
        await leases.create(ns, {
          metadata: { name: cfg.name, namespace: ns },
          spec: { holderIdentity: cfg.identity, leaseDurationSeconds: duration, acquireTime: microTime(), renewTime: microTime(), leaseTransitions: 0 },
        });
        return true;
      } catch (e) {
        if (e instanceof ApiError && e.code === 409) return false;
        throw e;
      }
    }
    const spec = lease.spec ?? {};
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
    const mine = spec.holderIdentity === cfg.identity;
    const expired = !spec.holderIdentity || Date.now() > renewed + (spec.leaseDurationSeconds ?? duration) * 1000;
    if (!mine && !expired) return false;
    lease.spec = {
      ...spec,
      holderIdentity: cfg.identity,
      leaseDurationSeconds: duration,
      renewTime: microTime(),
      acquireTime: mine ? spec.acquireTime : microTime(),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    try {
      await leases.update(lease);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.code === 409) return false;
      throw e;
    }
  };

  while (!signal.aborted) {
    let acquired = false;
    try {
      acquired = await tryAcquire();
    } catch (err) {
      cfg.log?.warn({ err: (err as Error).message, lease: cfg.name }, 'leader election attempt failed');
    }
    if (!acquired) {
      await sleep(retryEvery, signal);
      continue;
    }
    cfg.log?.info({ lease: cfg.name, identity: cfg.identity }, 'became leader');
    const term = new AbortController();
    const onAbort = () => term.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const renewer = (async () => {
      let lastRenew = Date.now();
      while (!term.signal.aborted) {
        await sleep(renewEvery, term.signal);
        if (term.signal.aborted) break;
        try {
          if (await tryAcquire()) lastRenew = Date.now();
          else break;
        } catch {
          // keep trying until the lease would have expired
        }
        if (Date.now() - lastRenew > duration * 1000) break;
      }
      if (!term.signal.aborted) {
        cfg.log?.warn({ lease: cfg.name }, 'lost leadership');
        term.abort();
      }
    })();
    try {
      await lead(term.signal);
    } finally {
      term.abort();
      signal.removeEventListener('abort', onAbort);
      await renewer;
    }
    if (signal.aborted) await release(client, ns, cfg).catch(() => undefined);
  }
}

/** Gives the lease up on shutdown so another candidate need not wait for it to expire. */
async function release(client: Client, ns: string, cfg: LeaderElectionConfig): Promise<void> {
  const lease: any = await client.leases.get(ns, cfg.name);
  if (lease.spec?.holderIdentity !== cfg.identity) return;
  lease.spec.holderIdentity = '';
  lease.spec.renewTime = microTime();
  lease.spec.leaseDurationSeconds = 1;
  await client.leases.update(lease);
}
