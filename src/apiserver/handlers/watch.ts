/**
 * Watch streams: one JSON event per line, flushed as it happens. Each event's object text
 * comes from the watch cache entry (serialised once for all watchers); Table watches get
 * one-row Tables, with column definitions in the first only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toTable } from '../../api/printers/index.js';
import { groupVersion } from '../../api/resources.js';
import type { ApiError } from '../../machinery/errors.js';
import type { Registry } from '../registry/registry.js';
import type { ObjectMatcher } from '../registry/selection.js';
import type { Entry } from '../watch-cache.js';
import type { ResponseShape } from '../http/negotiate.js';
import { partialMetadata, type IncludeObject } from './list-response.js';

export interface WatchRequest {
  namespace?: string;
  matcher: ObjectMatcher;
  resourceVersion?: string;
  shape: ResponseShape;
  includeObject: IncludeObject;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds?: number;
}

/** A watcher whose socket buffers more than this is too slow to follow and is closed. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const BOOKMARK_INTERVAL_MS = 60_000;

/** Kubernetes closes watches after a random 30–60 minutes so clients spread their re-lists. */
const defaultTimeoutSeconds = () => 1800 + Math.floor(Math.random() * 1800);

export function serveWatch(req: IncomingMessage, res: ServerResponse, reg: Registry, w: WatchRequest): void {
  const info = reg.info;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  let first = true;
  let lastRv = 0;
  let closed = false;
  const bookmarkJson = (rv: number, extra?: Record<string, string>) =>
    JSON.stringify({
      type: 'BOOKMARK',
      object: { kind: info.kind, apiVersion: groupVersion(info), metadata: { resourceVersion: String(rv), ...(extra ? { annotations: extra } : {}) } },
    });

  const render = (entry: Entry): string => {
    if (w.shape === 'table') {
      const t = toTable(info, [entry.obj], { includeObject: w.includeObject, noHeaders: !first, listMeta: { resourceVersion: String(entry.rv) } });
      first = false;
      return JSON.stringify(t);
    }
    if (w.shape === 'partial-metadata') return JSON.stringify(partialMetadata(entry.obj));
    return entry.json();
  };

  const write = (line: string) => {
    if (closed) return;
    res.write(line + '\n');
    if (res.writableLength > MAX_BUFFERED_BYTES) finish();
  };

  let stop: () => void = () => undefined;
  const timers: NodeJS.Timeout[] = [];
  const finish = () => {
    if (closed) return;
    closed = true;
    stop();
    for (const t of timers) clearTimeout(t);
    res.end();
  };

  stop = reg.watch(
    { namespace: w.namespace, matcher: w.matcher, resourceVersion: w.sendInitialEvents ? '0' : w.resourceVersion },
    {
      event: (type, entry) => {
        lastRv = Math.max(lastRv, entry.rv);
        write(`{"type":"${type}","object":${render(entry)}}`);
      },
      bookmark: (rv) => w.allowBookmarks && write(bookmarkJson(rv)),
      error: (err: ApiError) => {
        write(JSON.stringify({ type: 'ERROR', object: err.toStatus() }));
        finish();
      },
    },
  );
  if (closed) return;
  if (w.sendInitialEvents && w.allowBookmarks) {
    write(bookmarkJson(reg.cache.revision, { 'k8s.io/initial-events-end': 'true' }));
  }
  if (w.allowBookmarks) {
    const tick = () => {
      write(bookmarkJson(Math.max(lastRv, reg.cache.revision)));
      timers[1] = setTimeout(tick, BOOKMARK_INTERVAL_MS).unref();
    };
    timers[1] = setTimeout(tick, BOOKMARK_INTERVAL_MS).unref();
  }
  const timeout = w.timeoutSeconds && w.timeoutSeconds > 0 ? w.timeoutSeconds : defaultTimeoutSeconds();
  timers[0] = setTimeout(finish, timeout * 1000).unref();
  req.on('close', finish);
  res.on('error', finish);
}
