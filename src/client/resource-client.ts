/** Typed access to one resource over the API: the verbs every component uses. */
import { groupVersion, type ResourceInfo } from '../api/resources.js';
import type { Transport } from './transport.js';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface List<T> {
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'merge' | 'strategic' | 'json';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export class ResourceClient<T extends { metadata?: any } = any> {
  private readonly prefix: string;

  constructor(
    private readonly t: Transport,
    readonly info: ResourceInfo,
  ) {
    this.prefix = info.group ? `/apis/${groupVersion(info)}` : `/api/${info.version}`;
  }

  /** Collection path: namespaced when ns is given, all namespaces otherwise. */
  collectionPath(ns?: string): string {
    return this.info.namespaced && ns ? `${this.prefix}/namespaces/${encodeURIComponent(ns)}/${this.info.plural}` : `${this.prefix}/${this.info.plural}`;
  }

  itemPath(ns: string | undefined, name: string, sub?: string): string {
    return `${this.collectionPath(this.info.namespaced ? ns : undefined)}/${encodeURIComponent(name)}${sub ? `/${sub}` : ''}`;
  }

  get(ns: string | undefined, name: string): Promise<T> {
    return this.t.request('GET', this.itemPath(ns, name));
  }

  list(ns?: string, opts: ListOptions = {}): Promise<List<T>> {
    return this.t.request('GET', this.collectionPath(ns) + query(opts));
  }

  create(ns: string | undefined, obj: T): Promise<T> {
    return this.t.request('POST', this.collectionPath(ns), { apiVersion: groupVersion(this.info), kind: this.info.kind, ...obj });
  }

  update(obj: T): Promise<T> {
    return this.t.request('PUT', this.itemPath(obj.metadata.namespace, obj.metadata.name), obj);
  }

  updateStatus(obj: T): Promise<T> {
    return this.t.request('PUT', this.itemPath(obj.metadata.namespace, obj.metadata.name, 'status'), obj);
  }

  patch(ns: string | undefined, name: string, patch: unknown, type: PatchType = 'merge', sub?: string): Promise<T> {
    return this.t.request('PATCH', this.itemPath(ns, name, sub), patch, PATCH_CONTENT_TYPES[type]);
  }

  delete(ns: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T> {
    return this.t.request('DELETE', this.itemPath(ns, name), opts);
  }

  /** POST to a subresource (pods/binding, evictions...). */
  postSub(ns: string | undefined, name: string, sub: string, body: unknown): Promise<any> {
    return this.t.request('POST', this.itemPath(ns, name, sub), body);
  }

  /**
   * Watches until the server closes the stream, the signal aborts, or onEvent returns false.
   * ERROR events are passed to onEvent like any other.
   */
  async watch(ns: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => boolean | void, signal?: AbortSignal): Promise<void> {
    const ac = new AbortController();
    const abort = () => ac.abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await this.t.stream(
        this.collectionPath(ns) + query({ ...opts, watch: true }),
        (line) => {
          if (ac.signal.aborted) return;
          let ev: WatchEvent<T>;
          try {
            ev = JSON.parse(line);
          } catch {
            return;
          }
          if (onEvent(ev) === false) ac.abort();
        },
        ac.signal,
      );
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }
}

function query(opts: object): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(opts)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
