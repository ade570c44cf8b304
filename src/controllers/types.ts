/** What every controller is given, and the shape it has (DESIGN.md: informer + work queue + sync). */
import type { Client } from '../client/client.js';
import type { InformerFactory } from '../client/informer-factory.js';
import type { EventRecorder } from '../client/events.js';
import type { Logger } from '../machinery/log.js';

export interface ControllersConfig {
  /** Pod CIDR split into one range per node (node IPAM). */
  clusterCidr: string;
  /** Prefix length of each node's pod range. */
  nodeCidrMaskSize: number;
  /** A node whose Lease is not renewed for this long is NotReady/Unknown. */
  nodeMonitorGracePeriodMs: number;
  /** How long pods stay on a not-ready/unreachable node before they are evicted. */
  podEvictionTimeoutMs: number;
  /** Worker goroutines (loops) per controller. */
  workers: number;
}

export const DEFAULT_CONTROLLERS_CONFIG: ControllersConfig = {
  clusterCidr: '10.244.0.0/16',
  nodeCidrMaskSize: 24,
  nodeMonitorGracePeriodMs: 40_000,
  podEvictionTimeoutMs: 300_000,
  workers: 4,
};

export interface ControllerContext {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  /** An event recorder whose events name this component as their source. */
  recorder(component: string): EventRecorder;
  config: ControllersConfig;
}

export interface Controller {
  readonly name: string;
  /** Runs until the signal aborts. Informers are started and synced before this is called. */
  run(signal: AbortSignal): Promise<void>;
}

/** Each controller folder exports one of these as `controller`. */
export interface ControllerDescriptor {
  name: string;
  /** Builds the controller: asks the informer factory for what it reads, registers handlers. */
  create(ctx: ControllerContext): Controller;
}
