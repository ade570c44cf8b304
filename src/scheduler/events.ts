/**
 * The scheduler's Events: Normal/Scheduled on binding, Warning/FailedScheduling per failed
 * attempt. Written as kube-scheduler writes them — with reportingController, reportingInstance
 * and an action ("Binding", "Scheduling"), which the API server requires of events that
 * name a reporting controller. The same failure repeated for a pod bumps the count of its
 * event instead of creating another. Best effort: recording never throws.
 */
import { randomBytes } from 'node:crypto';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import type { Client } from '../client/client.js';
import type { Logger } from '../machinery/log.js';

const MAX_MESSAGE = 1024;
const MAX_REMEMBERED = 10_000;

const seconds = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');
const micros = (d: Date) => d.toISOString().replace('Z', '000Z');

interface Series {
  name: string;
  count: number;
}

export class SchedulerEvents {
  /** uid/reason/message -> the event to bump; insertion order doubles as age for eviction. */
  private readonly series = new Map<string, Series>();

  constructor(
    private readonly client: Client,
    private readonly schedulerName: string,
    private readonly instance: string,
    private readonly log: Logger,
  ) {}

  scheduled(pod: Pod, nodeName: string): void {
    const m = pod.metadata ?? {};
    this.record(pod, 'Normal', 'Scheduled', 'Binding', `Successfully assigned ${m.namespace}/${m.name} to ${nodeName}`);
  }

  failedScheduling(pod: Pod, message: string): void {
    this.record(pod, 'Warning', 'FailedScheduling', 'Scheduling', message);
  }

  private record(pod: Pod, type: 'Normal' | 'Warning', reason: string, action: string, message: string): void {
    void this.write(pod, type, reason, action, message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message).catch((err: unknown) =>
      this.log.debug({ err: (err as Error).message, reason }, 'event not recorded'),
    );
  }

  private async write(pod: Pod, type: 'Normal' | 'Warning', reason: string, action: string, message: string): Promise<void> {
    const m = pod.metadata ?? {};
    const ns = m.namespace ?? 'default';
    const now = new Date();
    const key = `${m.uid}/${reason}/${message}`;
    const prev = this.series.get(key);
    if (prev) {
      prev.count++;
      await this.client.events.patch(ns, prev.name, { count: prev.count, lastTimestamp: seconds(now) }, 'merge');
      return;
    }
    const name = `${m.name}.${randomBytes(8).toString('hex')}`;
    this.series.set(key, { name, count: 1 });
    if (this.series.size > MAX_REMEMBERED) this.series.delete(this.series.keys().next().value!);
    const event: Event = {
      metadata: { name, namespace: ns },
      involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: ns, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion },
      type,
      reason,
      action,
      message,
      source: { component: this.schedulerName },
      reportingComponent: this.schedulerName,
      reportingInstance: this.instance,
      firstTimestamp: seconds(now),
      lastTimestamp: seconds(now),
      eventTime: micros(now),
      count: 1,
    };
    try {
      await this.client.events.create(ns, event);
    } catch (err) {
      this.series.delete(key);
      throw err;
    }
  }
}
