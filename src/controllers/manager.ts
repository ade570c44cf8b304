/**
 * The controller manager: builds every controller, starts the shared informers, waits for
 * them to sync, and runs the controllers — only while holding the leader Lease, so two
 * servers never run the same controller at once.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Client } from '../client/client.js';
import type { ClientConfig } from '../client/config.js';
import { InformerFactory } from '../client/informer-factory.js';
import { EventRecorder } from '../client/events.js';
import { runWithLeaderElection } from '../client/leader-election.js';
import type { Logger } from '../machinery/log.js';
import { CONTROLLERS } from './registry.js';
import { DEFAULT_CONTROLLERS_CONFIG, type ControllersConfig, type ControllerContext } from './types.js';

export interface ControllerManagerOptions {
  client: ClientConfig;
  log: Logger;
  config?: Partial<ControllersConfig>;
  /** Names of controllers to run (default: all). */
  only?: string[];
  /** Leader election identity (default: hostname + random suffix). */
  identity?: string;
  leaderElection?: boolean;
}

export class ControllerManager {
  constructor(private readonly opts: ControllerManagerOptions) {}

  async run(signal: AbortSignal): Promise<void> {
    const { opts } = this;
    const client = new Client({ ...opts.client, userAgent: 'orch-controller-manager' });
    const identity = opts.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    const lead = async (leaderSignal: AbortSignal) => {
      const informers = new InformerFactory(client, opts.log.child({ component: 'informers' }));
      const ctx: ControllerContext = {
        client,
        informers,
        log: opts.log,
        recorder: (component) => new EventRecorder(client, component, hostname(), opts.log),
        config: { ...DEFAULT_CONTROLLERS_CONFIG, ...opts.config },
      };
      const chosen = CONTROLLERS.filter((d) => !opts.only || opts.only.includes(d.name));
      const controllers = chosen.map((d) => d.create(ctx));
      informers.start(leaderSignal);
      await informers.waitForSync();
      opts.log.info({ controllers: controllers.map((c) => c.name) }, 'controllers starting');
      await Promise.all(
        controllers.map((c) =>
          c.run(leaderSignal).catch((err) => opts.log.error({ err, controller: c.name }, 'controller stopped with an error')),
        ),
      );
      await informers.stopped();
    };
    try {
      if (opts.leaderElection === false) await lead(signal);
      else await runWithLeaderElection(client, { name: 'orch-controller-manager', identity, log: opts.log }, signal, lead);
    } finally {
      client.close();
    }
  }
}
