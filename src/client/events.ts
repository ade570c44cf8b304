/**
 * Records core/v1 Events about objects, as client-go's EventRecorder does: the same event
 * (object, reason, message) seen again within ten minutes bumps count and lastTimestamp
 * instead of creating a new object. Recording never throws: events are best effort.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../machinery/log.js';
import type { Client } from './client.js';

export type EventType = 'Normal' | 'Warning';

interface Seen {
  name: string;
  namespace: string;
  count: number;
  at: number;
}

const DEDUPE_MS = 10 * 60_000;
const MAX_REMEMBERED = 4096;
/** Kubernetes caps event messages at 1 KiB. */
const MAX_MESSAGE = 1024;
const seconds = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');
const micros = (d: Date) => d.toISOString().replace('Z', '000Z');

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly client: Client,
    private readonly component: string,
    // reportingInstance is required by the API server: default to this machine's name.
    private readonly host: string = hostname(),
    private readonly log?: Logger,
  ) {}

  /** `action` is what the component was doing (kube-scheduler: "Binding"); it defaults to the reason. */
  event(obj: any, type: EventType, reason: string, message: string, action = reason): void {
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
    void this.record(obj, type, reason, text, action).catch((err) => {
      // A rejected event (422) is a bug worth seeing; a terminating namespace (403) is not.
      const level = (err as { code?: number }).code === 422 ? 'warn' : 'debug';
      this.log?.[level]({ err: (err as Error).message, reason }, 'event not recorded');
    });
  }

  private async record(obj: any, type: EventType, reason: string, message: string, action: string): Promise<void> {
    const m = obj.metadata ?? {};
    const namespace = m.namespace || 'default';
    const key = `${obj.kind}/${namespace}/${m.name}/${m.uid}/${type}/${reason}/${message}`;
    const now = new Date();
    const prev = this.seen.get(key);
    const events = this.client.events;
    if (prev && Date.now() - prev.at < DEDUPE_MS) {
      prev.count++;
      prev.at = Date.now();
      await events.patch(prev.namespace, prev.name, { count: prev.count, lastTimestamp: seconds(now) }, 'merge');
      return;
    }
    const name = `${m.name}.${randomBytes(8).toString('hex')}`;
    const seen = { name, namespace, count: 1, at: Date.now() };
    this.seen.set(key, seen);
    try {
      await events.create(namespace, {
        metadata: { name, namespace },
        involvedObject: { kind: obj.kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: obj.apiVersion, resourceVersion: m.resourceVersion },
        reason,
        message,
        type,
        // The API server requires action whenever reportingComponent is set (events.k8s.io rules).
        action,
        source: { component: this.component, host: this.host },
        firstTimestamp: seconds(now),
        lastTimestamp: seconds(now),
        eventTime: micros(now),
        count: 1,
        reportingComponent: this.component,
        reportingInstance: this.host,
      } as any);
    } catch (err) {
      this.seen.delete(key);
      throw err;
    }
    if (this.seen.size > MAX_REMEMBERED) {
      for (const [k, v] of this.seen) if (Date.now() - v.at > DEDUPE_MS || this.seen.size > MAX_REMEMBERED) this.seen.delete(k);
    }
  }
}
