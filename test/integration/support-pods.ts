/**
 * Support for the workload controller tests: runs the ReplicaSet and Deployment
 * controllers against a test API server, plays a kubelet that makes pods Running and
 * Ready through the status subresource (there is no scheduler or agent here), and records
 * every state a namespace's pods and ReplicaSets pass through.
 */
import { hostname } from 'node:os';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { Client } from '../../src/client/client.js';
import type { ClientConfig } from '../../src/client/config.js';
import { EventRecorder } from '../../src/client/events.js';
import { Informer } from '../../src/client/informer.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { silentLogger } from '../../src/machinery/log.js';
import { DEFAULT_CONTROLLERS_CONFIG, type Controller, type ControllerContext } from '../../src/controllers/types.js';
import { controller as replicaSetController } from '../../src/controllers/replicaset/index.js';
import { controller as deploymentController } from '../../src/controllers/deployment/index.js';
import type { TestServer } from '../support/api-server.js';

export function clientConfig(s: TestServer): ClientConfig {
  return { server: s.api.url, ca: s.api.caPem, token: s.api.adminToken };
}

export interface RecordedEvent {
  component: string;
  kind: string;
  name: string;
  type: string;
  reason: string;
  message: string;
}

export interface RunningControllers {
  client: Client;
  controllers: Controller[];
  /** Every event the controllers emitted (also sent to the API server, best effort). */
  events: RecordedEvent[];
  stop(): Promise<void>;
}

/** An EventRecorder that also remembers what it was asked to record. */
function capturingRecorder(client: Client, component: string, log: ReturnType<typeof silentLogger>, into: RecordedEvent[]): EventRecorder {
  const real = new EventRecorder(client, component, hostname(), log);
  const capture = Object.create(real) as EventRecorder;
  capture.event = (obj: any, type, reason, message) => {
    into.push({ component, kind: obj.kind, name: obj.metadata?.name, type, reason, message });
    real.event(obj, type, reason, message);
  };
  return capture;
}

/** Runs the named workload controllers on their own client and informers, as the manager would. */
export async function startControllers(s: TestServer, names: ('replicaset' | 'deployment')[] = ['replicaset', 'deployment']): Promise<RunningControllers> {
  const log = silentLogger();
  const client = new Client({ ...clientConfig(s), userAgent: 'orch-controller-manager' });
  const informers = new InformerFactory(client, log);
  const events: RecordedEvent[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    log,
    recorder: (component) => capturingRecorder(client, component, log, events),
    config: { ...DEFAULT_CONTROLLERS_CONFIG },
  };
  const descriptors = { replicaset: replicaSetController, deployment: deploymentController };
  const controllers = names.map((n) => descriptors[n].create(ctx));
  const ac = new AbortController();
  informers.start(ac.signal);
  await informers.waitForSync();
  const runs = controllers.map((c) => c.run(ac.signal));
  return {
    client,
    controllers,
    events,
    async stop() {
      ac.abort();
      await Promise.all(runs);
      await informers.stopped();
      client.close();
    },
  };
}

export async function createNamespace(client: Client, name: string): Promise<void> {
  await client.namespaces.create(undefined, { metadata: { name } });
}

/** Polls until fn returns something truthy; fails naming what was awaited and the last value seen. */
type Falsy = false | 0 | '' | null | undefined;

export async function waitFor<T>(what: string, fn: () => T | Falsy | Promise<T | Falsy>, timeoutMs = 20_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const rfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The status a kubelet reports for a pod whose containers all run and pass readiness. */
export function runningReadyStatus(pod: Pod): PodStatus {
  const now = rfc3339();
  return {
    phase: 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      { type: 'Initialized', status: 'True', lastTransitionTime: now },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
      { type: 'Ready', status: 'True', lastTransitionTime: now },
    ],
    startTime: now,
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    })),
  };
}

export interface KubeletOptions {
  /** Delay before a new pod turns ready, drawn uniformly from [min, max] ms. */
  delayMs?: [number, number];
  /** Which pods ever become ready (default all). */
  ready?: (pod: Pod) => boolean;
}

/** A stand-in kubelet: watches a namespace's pods and reports them Running and Ready. */
export class TestKubelet {
  private readonly ac = new AbortController();
  private readonly informer: Informer<Pod>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<Promise<unknown>>();
  private run?: Promise<void>;
  /** Pods this kubelet has made ready, by name. */
  readonly readied = new Set<string>();

  constructor(
    private readonly client: Client,
    private readonly ns: string,
    private readonly opts: KubeletOptions = {},
  ) {
    this.informer = new Informer<Pod>(client.pods, { namespace: ns });
    this.informer.on({ add: (p) => this.schedule(p) });
  }

  async start(): Promise<void> {
    this.run = this.informer.run(this.ac.signal);
    await this.informer.synced;
  }

  private schedule(pod: Pod): void {
    if (this.opts.ready && !this.opts.ready(pod)) return;
    const [min, max] = this.opts.delayMs ?? [0, 0];
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        const p = this.markReady(pod).catch(() => undefined);
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
      },
      min + Math.random() * (max - min),
    );
    this.timers.add(t);
  }

  async markReady(pod: Pod): Promise<void> {
    if (this.ac.signal.aborted) return;
    await this.client.pods.patch(this.ns, pod.metadata!.name!, { status: runningReadyStatus(pod) }, 'merge', 'status');
    this.readied.add(pod.metadata!.name!);
  }

  async stop(): Promise<void> {
    this.ac.abort();
    for (const t of this.timers) clearTimeout(t);
    await Promise.all(this.pending);
    await this.run;
  }
}

/**
 * Watches a namespace's objects of one resource and calls `check` with the full current
 * set after every change, in the order the API server committed them.
 */
export class StateRecorder<T extends { metadata?: any }> {
  private readonly ac = new AbortController();
  private readonly informer: Informer<T>;
  private run?: Promise<void>;
  /** Every check failure, with the state that caused it. */
  readonly violations: string[] = [];
  steps = 0;

  constructor(client: Client, plural: string, group: string, ns: string, check: (all: T[]) => string | undefined) {
    this.informer = new Informer<T>(client.resource<T>(plural, group), { namespace: ns });
    const onChange = () => {
      this.steps++;
      const problem = check(this.informer.list());
      if (problem && this.violations.length < 20) this.violations.push(problem);
    };
    this.informer.on({ add: onChange, update: onChange, delete: onChange });
  }

  async start(): Promise<void> {
    this.run = this.informer.run(this.ac.signal);
    await this.informer.synced;
  }

  list(): T[] {
    return this.informer.list();
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.run;
  }
}
