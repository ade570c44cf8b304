import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { NewestCache } from '../shared/newest-cache.js';
import { oldScaleDownBudget, planScaleDown, planUnhealthyCleanup, rolloutRolling } from './rolling.js';
import { SyncContext, type SyncDeps } from './sync-context.js';
import { deployment, rs } from './test-fixtures.js';
import { maxSurge, maxUnavailable } from './rolling-params.js';

describe('rolling update planning', () => {
  it('budgets the old pods that may go', () => {
    const d = deployment(10, { maxSurge: 3, maxUnavailable: 2 });
    const old = rs('old', { replicas: 10, available: 10 });
    const cur = rs('new', { replicas: 3, available: 0 });
    assert.equal(oldScaleDownBudget(d, [old, cur], cur), 13 - 8 - 3);
    cur.status!.availableReplicas = 3;
    assert.equal(oldScaleDownBudget(d, [old, cur], cur), 5);
  });

  it('cleans unhealthy old replicas first, oldest ReplicaSet first, within the budget', () => {
    const a = rs('a', { replicas: 4, available: 1, created: '2025-01-01T00:00:00Z' });
    const b = rs('b', { replicas: 3, available: 0, created: '2025-01-02T00:00:00Z' });
    const c = rs('c', { replicas: 2, available: 2, created: '2025-01-03T00:00:00Z' });
    assert.deepEqual(planUnhealthyCleanup([b, c, a], 4).map((s) => [s.rs.metadata!.name, s.size]), [['a', 1], ['b', 2]]);
  });

  it('scales old ReplicaSets down only as far as availability allows', () => {
    const d = deployment(10, { maxSurge: 3, maxUnavailable: 2 });
    const old = rs('old', { replicas: 10, available: 10 });
    const cur = rs('new', { replicas: 3, available: 1 });
    // 11 available, 8 needed: 3 may go.
    assert.deepEqual(planScaleDown(d, [old, cur], [old]).map((s) => s.size), [7]);
    // A set just scaled down still reports its old availability: not counted twice.
    const shrinking = rs('old', { replicas: 7, available: 10 });
    assert.deepEqual(planScaleDown(d, [shrinking, cur], [shrinking]), []);
  });
});

/**
 * A model of the cluster for the real rollout code: ReplicaSet writes land in `world`; a
 * perfect ReplicaSet controller converges pods at once (deleting unready ones first);
 * pods become ready at random. The bounds must hold after every sync.
 */
describe('rolling update simulation', () => {
  function rng(seed: number) {
    return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  }

  interface Sim {
    d: Deployment;
    world: Map<string, ReplicaSet>;
    ready: Map<string, number>;
    rv: number;
    clock: number;
  }

  function deps(sim: Sim): SyncDeps {
    const bump = <T extends { metadata?: any }>(o: T): T => {
      const c = structuredClone(o);
      c.metadata.resourceVersion = String(++sim.rv);
      return c;
    };
    return {
      deployments: {
        update: async (d: Deployment) => (sim.d = { ...bump(d), status: sim.d.status }),
        updateStatus: async (d: Deployment) => (sim.d = bump(d)),
      } as unknown as ResourceClient<Deployment>,
      replicaSets: {
        update: async (r: ReplicaSet) => {
          const cur = sim.world.get(r.metadata!.name!)!;
          const next: any = bump({ ...r, status: cur.status });
          if (next.spec.replicas !== cur.spec!.replicas) next.metadata.generation = (cur.metadata!.generation ?? 1) + 1;
          sim.world.set(r.metadata!.name!, next);
          return next;
        },
        create: async (_ns: string, r: ReplicaSet) => {
          const c: any = bump(r);
          c.metadata.uid = `uid-${c.metadata.name}`;
          c.metadata.generation = 1;
          c.metadata.creationTimestamp = new Date(sim.clock).toISOString();
          c.status = { replicas: 0, availableReplicas: 0, readyReplicas: 0, observedGeneration: 0 };
          sim.world.set(c.metadata!.name!, c);
          return c;
        },
        delete: async (_ns: string, name: string) => void sim.world.delete(name),
      } as unknown as ResourceClient<ReplicaSet>,
      writtenReplicaSets: new NewestCache(),
      writtenDeployments: new NewestCache(),
      event: () => {},
      requeueAfter: () => {},
      now: () => sim.clock,
    };
  }

  /** The perfect ReplicaSet controller: pods = spec, unready ones removed first. */
  function converge(sim: Sim): void {
    for (const r of sim.world.values()) {
      const want = r.spec!.replicas!;
      const name = r.metadata!.name!;
      const ready = Math.min(sim.ready.get(name) ?? 0, want);
      sim.ready.set(name, ready);
      (r as any).status = { replicas: want, readyReplicas: ready, availableReplicas: ready, observedGeneration: r.metadata!.generation };
    }
  }

  const params: [number, number | string, number | string][] = [
    [10, 3, 2],
    [10, '25%', '25%'],
    [6, 0, 1],
    [6, 1, 0],
    [5, '100%', 0],
    [5, 0, '100%'],
    [1, '25%', '25%'],
    [7, 2, 3],
  ];
  for (const [replicas, surgeIn, unavailableIn] of params) {
    it(`replicas ${replicas}, maxSurge ${surgeIn}, maxUnavailable ${unavailableIn}`, async () => {
      for (let seed = 1; seed <= 20; seed++) {
        const rand = rng(seed);
        const d0 = deployment(replicas, { maxSurge: surgeIn, maxUnavailable: unavailableIn }, 'v2');
        const surge = maxSurge(d0);
        const unavailable = maxUnavailable(d0);
        const old = rs('old', { replicas, available: replicas, revision: 1, desired: replicas, maxReplicas: replicas + surge });
        old.spec!.template!.spec!.containers[0].image = 'v1';
        const sim: Sim = { d: d0, world: new Map([['old', old]]), ready: new Map([['old', replicas]]), rv: 1, clock: Date.parse('2025-06-01T00:00:00Z') };
        for (let step = 0; step < 500; step++) {
          sim.clock += 1000;
          const list = [...sim.world.values()].map((r) => structuredClone(r));
          await rolloutRolling(new SyncContext(deps(sim), structuredClone(sim.d), list));
          converge(sim);
          const all = [...sim.world.values()];
          const pods = all.reduce((n, r) => n + r.spec!.replicas!, 0);
          const available = all.reduce((n, r) => n + (sim.ready.get(r.metadata!.name!) ?? 0), 0);
          assert.ok(pods <= replicas + surge, `seed ${seed} step ${step}: ${pods} pods > ${replicas}+${surge}`);
          assert.ok(available >= replicas - unavailable, `seed ${seed} step ${step}: ${available} available < ${replicas}-${unavailable}`);
          const fresh = all.find((r) => r.spec!.template!.spec!.containers[0].image === 'v2');
          if (fresh && sim.ready.get(fresh.metadata!.name!) === replicas && all.every((r) => r === fresh || r.spec!.replicas === 0)) break;
          // Some unready pods become ready.
          for (const r of all) {
            const name = r.metadata!.name!;
            const unready = r.spec!.replicas! - (sim.ready.get(name) ?? 0);
            let n = 0;
            for (let i = 0; i < unready; i++) if (rand() < 0.4) n++;
            sim.ready.set(name, (sim.ready.get(name) ?? 0) + n);
          }
          converge(sim);
          assert.ok(step < 499, `seed ${seed}: rollout did not finish`);
        }
        assert.equal(sim.d.metadata!.annotations!['deployment.kubernetes.io/revision'], '2');
      }
    });
  }
});
