/**
 * One scheduling attempt for one pod, synchronously, against the cache as it stands
 * (JavaScript runs it to the end before any watch event can change the cache, which is
 * what kube-scheduler's snapshot buys with a copy):
 *
 *   PreFilter -> Filter nodes round-robin from a rotating start until enough feasible ones
 *   are found -> PreScore -> Score -> Normalize -> weighted sum -> highest total wins, ties
 *   broken at random.
 *
 * The rotating start spreads the filter work (and the choice) over the whole cluster
 * although each pod examines only a sample of it.
 */
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { fitErrorMessage, NO_NODES_MESSAGE } from './fit-error.js';
import { numFeasibleNodesToFind } from './sampling.js';
import { errorStatus, SUCCESS, type Status } from './status.js';
import {
  CycleState,
  isFilter,
  isPreBind,
  isPreFilter,
  isPreScore,
  isScore,
  MAX_NODE_SCORE,
  type FilterPlugin,
  type Plugin,
  type PreBindPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from './types.js';

export interface FrameworkOptions {
  /** kube-scheduler's percentageOfNodesToScore; 0 (default) is adaptive. */
  percentageOfNodesToScore?: number;
  /** For tests: a deterministic source for tie-breaking. */
  random?: () => number;
}

export type ScheduleResult =
  /** `state` carries the attempt's plugin results on to PreBind. */
  | { kind: 'Scheduled'; node: NodeInfo; evaluatedNodes: number; feasibleNodes: number; state: CycleState }
  /** No node fits; `message` is the FailedScheduling text, `plugins` the plugins that rejected. */
  | { kind: 'Unschedulable'; message: string; plugins: ReadonlySet<string> }
  | { kind: 'Error'; message: string };

export class Framework {
  private readonly preFilters: PreFilterPlugin[];
  private readonly filters: FilterPlugin[];
  private readonly preScores: PreScorePlugin[];
  private readonly scores: ScorePlugin[];
  private readonly preBinds: PreBindPlugin[];
  private readonly random: () => number;
  private nextStartNodeIndex = 0;

  constructor(
    readonly plugins: readonly Plugin[],
    private readonly opts: FrameworkOptions = {},
  ) {
    this.preFilters = plugins.filter(isPreFilter);
    this.filters = plugins.filter(isFilter);
    this.preScores = plugins.filter(isPreScore);
    this.scores = plugins.filter(isScore);
    this.preBinds = plugins.filter(isPreBind);
    this.random = opts.random ?? Math.random;
  }

  schedule(pod: PodInfo, nodes: readonly NodeInfo[]): ScheduleResult {
    if (nodes.length === 0) return { kind: 'Unschedulable', message: NO_NODES_MESSAGE, plugins: new Set() };
    const state = new CycleState();
    for (const p of this.preFilters) {
      const s = guard(() => p.preFilter(pod, state));
      if (s.code === 'Error') return { kind: 'Error', message: `running PreFilter plugin ${p.name}: ${s.reasons.join(', ')}` };
      if (s.code !== 'Success') return { kind: 'Unschedulable', message: fitErrorMessage(nodes.length, [], s.reasons.join(', ')), plugins: new Set([p.name]) };
    }

    const n = nodes.length;
    const want = numFeasibleNodesToFind(n, this.opts.percentageOfNodesToScore);
    const feasible: NodeInfo[] = [];
    const rejected: Status[] = [];
    const rejectedBy = new Set<string>();
    const start = this.nextStartNodeIndex % n;
    let processed = 0;
    while (processed < n && feasible.length < want) {
      const node = nodes[(start + processed) % n];
      processed++;
      const { status, plugin } = this.runFilters(pod, node, state);
      if (status.code === 'Success') feasible.push(node);
      else if (status.code === 'Error') return { kind: 'Error', message: `running Filter plugin ${plugin}: ${status.reasons.join(', ')}` };
      else {
        rejected.push(status);
        rejectedBy.add(plugin);
      }
    }
    this.nextStartNodeIndex = (start + processed) % n;

    if (feasible.length === 0) return { kind: 'Unschedulable', message: fitErrorMessage(n, rejected), plugins: rejectedBy };
    if (feasible.length === 1) return { kind: 'Scheduled', node: feasible[0], evaluatedNodes: processed, feasibleNodes: 1, state };
    const node = this.select(feasible, this.totals(pod, feasible, state));
    return { kind: 'Scheduled', node, evaluatedNodes: processed, feasibleNodes: feasible.length, state };
  }

  /** Whether the profile has PreBind work: without it, binding needs no extra step. */
  get hasPreBind(): boolean {
    return this.preBinds.length > 0;
  }

  /** PreBind plugins in order; the first that does not succeed decides (its reasons name the plugin). */
  async preBind(pod: PodInfo, nodeName: string, state: CycleState, signal: AbortSignal): Promise<Status> {
    for (const p of this.preBinds) {
      let s: Status;
      try {
        s = await p.preBind(pod, nodeName, state, signal);
      } catch (err) {
        s = errorStatus((err as Error).message);
      }
      if (s.code !== 'Success') return { code: s.code, reasons: s.reasons.map((r) => `running PreBind plugin ${p.name}: ${r}`) };
    }
    return SUCCESS;
  }

  /** Filters in order; the first that rejects decides, as kube-scheduler reports one plugin per node. */
  private runFilters(pod: PodInfo, node: NodeInfo, state: CycleState): { status: Status; plugin: string } {
    for (const f of this.filters) {
      let s: Status;
      try {
        s = f.filter(pod, node, state);
      } catch (err) {
        s = errorStatus((err as Error).message);
      }
      if (s.code !== 'Success') return { status: s, plugin: f.name };
    }
    return OK;
  }

  /** Weighted sum of every score plugin's (normalized) scores per feasible node. */
  private totals(pod: PodInfo, nodes: readonly NodeInfo[], state: CycleState): number[] {
    const totals = new Array<number>(nodes.length).fill(0);
    const skip = new Set<string>();
    for (const p of this.preScores) {
      let wants = true;
      try {
        wants = p.preScore(pod, nodes, state);
      } catch {
        wants = false;
      }
      if (!wants) skip.add(p.name);
    }
    const scores = new Array<number>(nodes.length);
    for (const p of this.scores) {
      if (skip.has(p.name) || p.weight === 0) continue;
      try {
        for (let i = 0; i < nodes.length; i++) scores[i] = p.score(pod, nodes[i], state);
        p.normalize?.(scores, nodes, state);
      } catch {
        // A broken scorer must not decide placement: its scores count as 0 everywhere.
        scores.fill(0);
      }
      for (let i = 0; i < nodes.length; i++) totals[i] += p.weight * clamp(scores[i]);
    }
    return totals;
  }

  /** The highest total; among equals each has the same chance (reservoir sampling). */
  private select(nodes: readonly NodeInfo[], totals: readonly number[]): NodeInfo {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      if (totals[i] > totals[best]) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (Math.floor(this.random() * ties) === 0) best = i;
      }
    }
    return nodes[best];
  }
}

const OK = Object.freeze({ status: SUCCESS, plugin: '' });

const clamp = (s: number): number => (Number.isFinite(s) ? Math.min(MAX_NODE_SCORE, Math.max(0, s)) : 0);

function guard(fn: () => Status): Status {
  try {
    return fn();
  } catch (err) {
    return errorStatus((err as Error).message);
  }
}
