/**
 * Which pods use which ConfigMaps and Secrets, and one narrow watch per object in use
 * (an informer on `metadata.name=<name>` in the pod's namespace), so that a change to an
 * object tells exactly the pods that mount it. A watch stops when its last pod goes.
 */
import type { Client } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import type { Logger } from '../../machinery/log.js';

export type SourcePlural = 'configmaps' | 'secrets';

/** `configmaps/<ns>/<name>` */
export const sourceKey = (plural: SourcePlural, ns: string, name: string): string => `${plural}/${ns}/${name}`;

interface Entry {
  /**
   * Pod uid -> the resourceVersion that pod's files were written from (or that it was last
   * told about); '' while the object does not exist. Per pod, not per object: a pod set up
   * from a newer version must not hide the change from a pod still on an older one.
   */
  pods: Map<string, string>;
  ac: AbortController;
}

export class SourceWatches {
  private readonly entries = new Map<string, Entry>();
  private readonly podRefs = new Map<string, Set<string>>();

  constructor(
    private readonly client: Client,
    private readonly log: Logger,
    private readonly onChange: (podUid: string) => void,
    private readonly signal?: AbortSignal,
  ) {
    signal?.addEventListener('abort', () => this.stopAll(), { once: true });
  }

  /**
   * Replaces the set of objects a pod uses. `seen` maps each key to the resourceVersion the
   * volumes were just written from ('' for an optional object that does not exist).
   */
  setPodRefs(podUid: string, seen: Map<string, string>): void {
    if (this.signal?.aborted) return;
    const old = this.podRefs.get(podUid) ?? new Set<string>();
    for (const key of old) if (!seen.has(key)) this.release(podUid, key);
    for (const [key, rv] of seen) {
      let e = this.entries.get(key);
      if (!e) {
        e = { pods: new Map(), ac: new AbortController() };
        this.entries.set(key, e);
        this.start(key, e);
      }
      e.pods.set(podUid, rv);
    }
    if (seen.size) this.podRefs.set(podUid, new Set(seen.keys()));
    else this.podRefs.delete(podUid);
  }

  dropPod(podUid: string): void {
    for (const key of this.podRefs.get(podUid) ?? []) this.release(podUid, key);
    this.podRefs.delete(podUid);
  }

  /** Number of objects watched (for tests). */
  get watched(): number {
    return this.entries.size;
  }

  private release(podUid: string, key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.pods.delete(podUid);
    if (e.pods.size === 0) {
      e.ac.abort();
      this.entries.delete(key);
    }
  }

  private stopAll(): void {
    for (const e of this.entries.values()) e.ac.abort();
    this.entries.clear();
    this.podRefs.clear();
  }

  private start(key: string, e: Entry): void {
    const [plural, ns, name] = key.split('/') as [SourcePlural, string, string];
    const inf = new Informer<any>(this.client.resource(plural), { namespace: ns, fieldSelector: `metadata.name=${name}`, log: this.log });
    const changed = (rv: string) => {
      if (e.ac.signal.aborted) return;
      for (const [uid, seen] of e.pods) {
        if (seen === rv) continue;
        e.pods.set(uid, rv);
        this.log.debug({ source: key, resourceVersion: rv, podUid: uid }, 'volume source changed');
        try {
          this.onChange(uid);
        } catch (err) {
          this.log.warn({ err: (err as Error).message, podUid: uid }, 'onSourceChange failed');
        }
      }
    };
    inf.on({
      add: (o) => changed(o.metadata?.resourceVersion ?? ''),
      update: (_o, n) => changed(n.metadata?.resourceVersion ?? ''),
      delete: () => changed(''),
    });
    inf.run(e.ac.signal).catch((err) => this.log.warn({ err: (err as Error).message, source: key }, 'volume source watch ended'));
  }
}
