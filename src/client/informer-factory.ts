/**
 * Shared informers: one list+watch per resource however many controllers read it, as with
 * client-go's SharedInformerFactory. Ask for informers (and their indexes), then start.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from '../machinery/log.js';
import type { Client } from './client.js';
import { Informer, type IndexFunc } from './informer.js';

export class InformerFactory {
  private readonly informers = new Map<string, Informer<any>>();
  private signal?: AbortSignal;
  private readonly runs: Promise<void>[] = [];

  constructor(
    private readonly client: Client,
    private readonly log?: Logger,
  ) {}

  /** The shared informer of a resource; `indexers` add named indexes to it. */
  informer<T extends { metadata?: any } = any>(plural: string, group = '', indexers?: Record<string, IndexFunc<T>>): Informer<T> {
    const key = `${group}/${plural}`;
    let inf = this.informers.get(key) as Informer<T> | undefined;
    if (!inf) {
      inf = new Informer<T>(this.client.resource<T>(plural, group), { log: this.log });
      this.informers.set(key, inf);
      // Asked for after start: run it too.
      if (this.signal) this.runs.push(inf.run(this.signal));
    }
    if (indexers) inf.addIndexers(indexers);
    return inf;
  }

  start(signal: AbortSignal): void {
    // Every informer's watch listens on the one signal; dozens of them are expected.
    setMaxListeners(0, signal);
    this.signal = signal;
    for (const inf of this.informers.values()) this.runs.push(inf.run(signal));
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.synced));
  }

  /** Resolves when every informer has stopped (after the start signal aborts). */
  async stopped(): Promise<void> {
    await Promise.all(this.runs);
  }
}
