import type { Etcd3, IWatchResponse, IEvent } from 'etcd3';
import { compacted, unavailable } from '../errors.js';
import { prefixEndBytes, prefixStartBytes } from '../keys.js';
import type { Watch, WatchEvent, WatchHandlers } from '../store.js';
import { fromEtcdError } from './etcd-errors.js';
import { toKeyValue } from './etcd-kv.js';

const EMPTY = Buffer.alloc(0);

function toWatchEvent(ev: IEvent): WatchEvent {
  const prev = ev.prev_kv ? toKeyValue(ev.prev_kv) : undefined;
  // The typings say 'Delete'; the proto loader delivers the enum name, 'DELETE'.
  if (String(ev.type).toUpperCase() === 'DELETE') {
    // etcd's delete event has no value; the contract wants the last one, at the delete's revision.
    const modRevision = Number(ev.kv.mod_revision);
    const kv = prev ? { ...prev, modRevision } : { key: ev.kv.key.toString(), value: EMPTY, modRevision, createRevision: 0 };
    return { type: 'delete', kv, prev };
  }
  const kv = toKeyValue(ev.kv);
  return kv.createRevision === kv.modRevision ? { type: 'create', kv } : { type: 'update', kv, prev };
}

/**
 * One etcd watch stream per watch, on the raw gRPC call rather than the client's shared
 * watch manager: it needs the compact_revision of a cancel (to report Compacted with the
 * oldest revision) and it resumes reconnects from the server header, which can skip
 * events during a catch-up. Here a lost stream ends the watch with Unavailable and the
 * caller starts a new one from the last revision it saw.
 */
export function watchEtcd(client: Etcd3, prefix: string, fromRevision: number, handlers: WatchHandlers): Watch {
  let closed = false;
  let cancel: (() => void) | undefined;
  // etcd may resend a revision after its own reconnects; never deliver one twice.
  let lastDelivered = fromRevision;

  const fail = (err: Error) => {
    if (closed) return;
    closed = true;
    cancel?.();
    try {
      handlers.onError(err);
    } catch {
      // The watch is over either way.
    }
  };

  const onResponse = (res: IWatchResponse) => {
    if (closed) return;
    if (res.canceled) {
      const oldest = Number(res.compact_revision);
      if (oldest > 0) return fail(compacted(fromRevision, oldest));
      return fail(unavailable(`etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`));
    }
    const events = res.events.filter((e) => Number(e.kv.mod_revision) > lastDelivered).map(toWatchEvent);
    if (events.length === 0) return;
    lastDelivered = events[events.length - 1].kv.modRevision;
    try {
      handlers.onEvents(events);
    } catch (err) {
      fail(err instanceof Error ? err : unavailable(String(err)));
    }
  };

  client.watchClient
    .watch()
    .then((stream) => {
      cancel = () => stream.cancel();
      if (closed) return stream.cancel();
      stream.on('data', onResponse);
      stream.on('error', (err: Error) => fail(fromEtcdError(err) as Error));
      stream.on('end', () => fail(unavailable('etcd watch stream ended')));
      stream.write({
        create_request: {
          key: prefixStartBytes(prefix),
          range_end: prefixEndBytes(prefix),
          start_revision: fromRevision + 1,
          prev_kv: true,
        },
      });
    })
    .catch((err: unknown) => fail(fromEtcdError(err) as Error));

  return {
    close: () => {
      if (closed) return;
      closed = true;
      cancel?.();
    },
  };
}
