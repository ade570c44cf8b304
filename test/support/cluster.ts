/**
 * A whole cluster in this process, for integration tests: the API server on a temp SQLite
 * store, the scheduler, the controller manager (no leader election) and groups of fake
 * nodes — every component talking to the API server over HTTPS, as `orch server` and
 * `orch agent --runtime fake` would.
 *
 * Node groups can be added while the cluster runs, and stopped either removing their
 * nodes (a node leaving cleanly) or keeping them (an agent dying: its Lease stops being
 * renewed, the node goes Unknown and the node lifecycle controller evicts its pods).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeNodes } from '../../src/agent/fake/fake-nodes.js';
import { NODE_LEASE_NAMESPACE } from '../../src/agent/node/lease.js';
import { Client } from '../../src/client/client.js';
import type { ClientConfig } from '../../src/client/config.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { CONTROLLERS } from '../../src/controllers/registry.js';
import type { ControllersConfig } from '../../src/controllers/types.js';
import { ApiError } from '../../src/machinery/errors.js';
import { silentLogger, type Logger } from '../../src/machinery/log.js';
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.js';
import { startTestServer, type TestServer } from './api-server.js';

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: string;
}

export interface NodeGroupOptions {
  capacity?: NodeCapacity;
  /** How long a bound pod stays Pending before the fake reports it Running (default 50 ms). */
  podStartDelayMs?: number;
  /** How long a deleted pod "terminates" before the fake finishes its deletion (default 50 ms). */
  podDeleteDelayMs?: number;
  /** Lease renewal period (default 300 ms, so a short node grace period can be tested). */
  heartbeatIntervalMs?: number;
}

export interface TestClusterOptions {
  /** Fake nodes in the first group, named `node-0`.. (default 2; 0 starts none). */
  nodes?: number;
  nodeCapacity?: NodeCapacity;
  /** Controller names to run, or 'all' (default). An empty list runs no controller manager. */
  controllers?: string[] | 'all';
  /** Run the scheduler (default true). */
  scheduler?: boolean;
  schedulerOptions?: Partial<Omit<SchedulerOptions, 'client' | 'log' | 'leaderElection'>>;
  controllerConfig?: Partial<ControllersConfig>;
  podStartDelayMs?: number;
  podDeleteDelayMs?: number;
  heartbeatIntervalMs?: number;
  log?: Logger;
}

export interface NodeGroup {
  readonly prefix: string;
  readonly names: readonly string[];
  readonly fake: FakeNodes;
  /**
   * Stops the group's agent. By default its nodes, their Leases and the pods bound to
   * them are deleted; with keepNodes they stay, and simply stop heartbeating.
   */
  stop(opts?: { keepNodes?: boolean }): Promise<void>;
}

export interface TestCluster {
  /** The API server: url, caPem, adminToken. */
  api: TestServer['api'];
  server: TestServer;
  /** Client config for the cluster's admin. */
  config: ClientConfig;
  /** A client for the test's own requests (closed by cleanup). */
  client: Client;
  /** The first node group, if `nodes` > 0. */
  nodes?: NodeGroup;
  scheduler?: Scheduler;
  /** Starts another group of fake nodes `<prefix>-0`..; resolves once they are registered and ready. */
  addNodes(count: number, prefix: string, opts?: NodeGroupOptions): Promise<NodeGroup>;
  /** Stops every component (node groups keep their nodes: the store is thrown away) and removes the data. */
  cleanup(): Promise<void>;
}

const isCode = (err: unknown, ...codes: number[]) => err instanceof ApiError && codes.includes(err.code);

export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const log = opts.log ?? silentLogger();
  const server = await startTestServer('sqlite');
  const config: ClientConfig = { server: server.api.url, ca: server.api.caPem, token: server.api.adminToken };
  const client = new Client(config);
  const ac = new AbortController();
  const runs: Promise<void>[] = [];
  const groups = new Set<NodeGroup>();
  const defaults: NodeGroupOptions = {
    capacity: opts.nodeCapacity,
    podStartDelayMs: opts.podStartDelayMs,
    podDeleteDelayMs: opts.podDeleteDelayMs,
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
  };

  const addNodes = async (count: number, prefix: string, o: NodeGroupOptions = {}): Promise<NodeGroup> => {
    const g = { ...defaults, ...definedOnly(o) };
    const fake = new FakeNodes({
      client: config,
      log,
      count,
      namePrefix: prefix,
      capacity: g.capacity,
      podStartDelayMs: g.podStartDelayMs ?? 50,
      podDeleteDelayMs: g.podDeleteDelayMs ?? 50,
      heartbeatIntervalMs: g.heartbeatIntervalMs ?? 300,
      // The group decides at stop time; see NodeGroup.stop.
      removeOnStop: false,
    });
    const groupAc = new AbortController();
    const run = fake.run(groupAc.signal);
    let stopped: Promise<void> | undefined;
    const group: NodeGroup = {
      prefix,
      names: fake.names,
      fake,
      stop({ keepNodes = false } = {}) {
        stopped ??= (async () => {
          groups.delete(group);
          groupAc.abort();
          await run.catch(() => undefined);
          if (!keepNodes) await removeNodes(client, fake.names);
        })();
        return stopped;
      },
    };
    groups.add(group);
    try {
      await Promise.race([fake.ready, run.then(() => Promise.reject(new Error(`node group ${prefix} stopped before it was ready`)))]);
    } catch (err) {
      await group.stop({ keepNodes: true });
      throw err;
    }
    return group;
  };

  let scheduler: Scheduler | undefined;
  let nodes: NodeGroup | undefined;
  try {
    if (opts.scheduler !== false) {
      scheduler = new Scheduler({ ...opts.schedulerOptions, client: config, log, leaderElection: false });
      runs.push(scheduler.run(ac.signal));
    }
    const names = opts.controllers === undefined || opts.controllers === 'all' ? CONTROLLERS.map((c) => c.name) : opts.controllers;
    const unknown = names.filter((n) => !CONTROLLERS.some((c) => c.name === n));
    if (unknown.length) throw new Error(`startTestCluster: unknown controllers ${unknown.join(', ')} (have ${CONTROLLERS.map((c) => c.name).join(', ')})`);
    if (names.length) {
      const manager = new ControllerManager({ client: config, log, config: opts.controllerConfig, only: names, leaderElection: false });
      runs.push(manager.run(ac.signal));
    }
    if (scheduler) await scheduler.ready;
    if ((opts.nodes ?? 2) > 0) nodes = await addNodes(opts.nodes ?? 2, 'node');
  } catch (err) {
    ac.abort();
    for (const g of groups) await g.stop({ keepNodes: true });
    await Promise.allSettled(runs);
    client.close();
    await server.cleanup();
    throw err;
  }

  let cleaned: Promise<void> | undefined;
  return {
    api: server.api,
    server,
    config,
    client,
    nodes,
    scheduler,
    addNodes,
    cleanup() {
      cleaned ??= (async () => {
        // Agents first (nothing to remove: the whole store goes), then the control plane.
        await Promise.all([...groups].map((g) => g.stop({ keepNodes: true })));
        ac.abort();
        await Promise.allSettled(runs);
        client.close();
        await server.cleanup();
      })();
      return cleaned;
    },
  };
}

/** Deletes nodes, the pods bound to them (at once: no agent is left) and their Leases. */
async function removeNodes(client: Client, names: readonly string[]): Promise<void> {
  const mine = new Set(names);
  const ignoreGone = (err: unknown) => {
    if (!isCode(err, 404, 409)) throw err;
  };
  await Promise.all(names.map((n) => client.nodes.delete(undefined, n).catch(ignoreGone)));
  const bound: Pod[] = (await client.pods.list(undefined, { fieldSelector: 'spec.nodeName!=' })).items;
  await Promise.all(
    bound
      .filter((p) => mine.has(p.spec!.nodeName!))
      .map((p) => client.pods.delete(p.metadata!.namespace, p.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata!.uid } }).catch(ignoreGone)),
  );
  await Promise.all(names.map((n) => client.leases.delete(NODE_LEASE_NAMESPACE, n).catch(ignoreGone)));
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
