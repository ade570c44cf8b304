/**
 * Turns the routing table's problems into Warning Events on their Ingresses. The table is
 * rebuilt on every endpoint change, and each rebuild finds the same problems again: an
 * identical event (same Ingress, reason and message) is sent at most once per interval.
 */
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import type { EventRecorder } from '../client/events.js';
import type { Problem } from './routes.js';

export class ProblemReporter {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly recorder: Pick<EventRecorder, 'event'>,
    private readonly intervalMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reports problems; `ingressOf` finds the Ingress object a problem names. */
  report(problems: readonly Problem[], ingressOf: (key: string) => Ingress | undefined): number {
    const t = this.now();
    let sent = 0;
    for (const p of problems) {
      const ing = ingressOf(p.ingress);
      if (!ing) continue;
      const k = `${ing.metadata?.uid ?? p.ingress}/${p.reason}/${p.message}`;
      const at = this.last.get(k);
      if (at !== undefined && t - at < this.intervalMs) continue;
      this.last.set(k, t);
      this.recorder.event({ ...ing, apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' }, 'Warning', p.reason, p.message);
      sent++;
    }
    if (this.last.size > 4096) for (const [k, at] of this.last) if (t - at >= this.intervalMs) this.last.delete(k);
    return sent;
  }
}
