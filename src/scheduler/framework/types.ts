/**
 * The plugin contract, after kube-scheduler's framework: PreFilter once per attempt,
 * Filter per node, PreScore once with the feasible nodes, Score per feasible node, and an
 * optional Normalize over all the scores; once a node is chosen, PreBind (asynchronous)
 * before the binding is written. A plugin implements the extension points it needs; the
 * registry builds plugins by name. Plugins never throw: they return a Status.
 */
import type { Client } from '../../client/client.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Status } from './status.js';

/** Per-attempt scratch space: a plugin's PreFilter/PreScore results, read by its Filter/Score. */
export class CycleState {
  private readonly data = new Map<string, unknown>();

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
}

export interface Plugin {
  readonly name: string;
}

export interface PreFilterPlugin extends Plugin {
  /** Once per attempt, before any Filter. A rejection here rejects the pod on every node. */
  preFilter(pod: PodInfo, state: CycleState): Status;
}

export interface FilterPlugin extends Plugin {
  /** Whether the pod fits the node. Must be cheap: it runs for every node examined. */
  filter(pod: PodInfo, node: NodeInfo, state: CycleState): Status;
}

export interface PreScorePlugin extends Plugin {
  /** Once, with the feasible nodes; false means this plugin has nothing to say about the pod (skip its scores). */
  preScore(pod: PodInfo, nodes: readonly NodeInfo[], state: CycleState): boolean;
}

export interface ScorePlugin extends Plugin {
  /** Multiplies the 0..100 score in the node's total. */
  readonly weight: number;
  /** A raw score; 0..100 unless the plugin normalizes. */
  score(pod: PodInfo, node: NodeInfo, state: CycleState): number;
  /** Rescales the raw scores (same order as `nodes`) to 0..100 in place. */
  normalize?(scores: number[], nodes: readonly NodeInfo[], state: CycleState): void;
}

export interface PreBindPlugin extends Plugin {
  /**
   * After the pod is assumed on `nodeName`, before its binding is written: the API writes
   * the binding depends on (volumes), waiting for them if need be. Not Success: the pod is
   * forgotten and retried. `signal` aborts when the scheduler stops.
   */
  preBind(pod: PodInfo, nodeName: string, state: CycleState, signal: AbortSignal): Promise<Status>;
}

/** What a plugin reads beyond pods and nodes: a read-only view of an informer's cache. */
export interface Lister<T> {
  /** By `namespace/name`, or name for cluster-scoped objects. */
  get(key: string): T | undefined;
  list(): T[];
}

/** kube-scheduler's framework.Handle: cluster state and the API for plugins that need them. */
export interface PluginHandle {
  /** The shared informer of a resource for this term of leadership. */
  lister<T extends { metadata?: any }>(plural: string, group?: string): Lister<T>;
  client: Client;
}

export interface PluginArgs {
  /** Score weight; each score plugin has its kube-scheduler default. */
  weight?: number;
}

/** `handle` is absent when a profile is only being checked (names and arguments). */
export type PluginFactory = (args: PluginArgs, handle?: PluginHandle) => Plugin;

export const MAX_NODE_SCORE = 100;

export const isPreFilter = (p: Plugin): p is PreFilterPlugin => typeof (p as PreFilterPlugin).preFilter === 'function';
export const isFilter = (p: Plugin): p is FilterPlugin => typeof (p as FilterPlugin).filter === 'function';
export const isPreScore = (p: Plugin): p is PreScorePlugin => typeof (p as PreScorePlugin).preScore === 'function';
export const isPreBind = (p: Plugin): p is PreBindPlugin => typeof (p as PreBindPlugin).preBind === 'function';
export const isScore = (p: Plugin): p is ScorePlugin => typeof (p as ScorePlugin).score === 'function';
