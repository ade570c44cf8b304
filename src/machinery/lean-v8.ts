/**
 * V8 settings for processes that should stay small rather than run JavaScript fast: the
 * node agent (`orch agent`), which waits on containerd and the API server nearly all the
 * time (bench/agent-memory.ts: ~2% of a core with 50 pods). Two runtime flags, set early:
 *
 * - The young generation stays at its initial size (two 1 MB semi-spaces). By default V8
 *   doubles the semi-spaces up to 16 MB each while a process allocates steadily and keeps
 *   the pages: the agent's relists, CRI decoding and pod syncs made it hold ~30 MB more
 *   RSS. `--max-semi-space-size` cannot be set once the process runs, but the growth factor
 *   is read each time V8 grows the new space, so a factor of 1 has the same effect.
 *   Creating another isolate (a worker thread) resets it — V8's heap setup clamps the
 *   process-wide factor to at least 2 — so code that starts a worker calls
 *   restoreLeanV8() once the worker runs.
 * - No optimizing compiler (TurboFan; `--no-opt`): its code, compiler and zone memory cost
 *   the agent ~12 MB of RSS; Ignition and Sparkplug run its I/O-bound code at the same CPU
 *   use and pod start times.
 *
 * `orch server` does not use this: it runs the agent in-process with the API server, whose
 * throughput wants both. V8 flags given on the command line or in NODE_OPTIONS that touch
 * either setting are left alone (`node --opt bin/orch.js agent` gets TurboFan back).
 */
import v8 from 'node:v8';

const YOUNG = '--semi-space-growth-factor=1';
const NO_OPT = '--no-opt';
let applied: string[] = [];

/** Applies the settings the command line does not override; returns the flags set. */
export function useLeanV8(execArgv: string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  const mentions = (re: RegExp) => given.some((a) => re.test(a));
  applied = [];
  if (!mentions(/semi[-_]space/)) applied.push(YOUNG);
  if (!mentions(/^--(no-)?(opt|turbofan|always[-_]turbofan|jitless)(=|$)/)) applied.push(NO_OPT);
  for (const f of applied) v8.setFlagsFromString(f);
  return [...applied];
}

/** V8's defaults again (for work that wants throughput over memory). */
export function leaveLeanV8(): void {
  if (applied.includes(YOUNG)) v8.setFlagsFromString('--semi-space-growth-factor=2');
  if (applied.includes(NO_OPT)) v8.setFlagsFromString('--opt');
  applied = [];
}

/** Re-applies the young-generation cap after a new isolate reset it; nothing in processes that did not set it. */
export function restoreLeanV8(): void {
  if (applied.includes(YOUNG)) v8.setFlagsFromString(YOUNG);
}
