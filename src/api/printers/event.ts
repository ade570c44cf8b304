/** Events (core/v1): when, what kind, why, about which object, and the message. */
import type { Event } from 'kubernetes-types/core/v1.js';
import { parseTimestamp, translateTimestampSince } from './age.js';
import { column, nameColumn, wide, type Printer } from './types.js';

/** `component, host`, falling back to the reporting controller and instance that newer clients set instead. */
export function eventSource(e: Event): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

/** `pod/web-1`, or just the kind when the event names no object. */
export function eventObject(e: Event): string {
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  return e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
}

const isSet = (ts: string | undefined): boolean => parseTimestamp(ts) !== undefined;

export const eventPrinter = {
  columns: [
    column('Last Seen', 'Time since the event last occurred.'),
    column('Type', 'Normal or Warning.'),
    column('Reason', 'A short, machine-readable reason for the event.'),
    column('Object', 'The object the event is about, as kind/name.'),
    wide('Subobject', 'The part of the object the event is about, e.g. spec.containers{web}.'),
    wide('Source', 'The component (and host) that reported the event.'),
    column('Message', 'A human-readable description of the event.'),
    wide('First Seen', 'Time since the event first occurred.'),
    wide('Count', 'How many times the event has occurred.'),
    { ...nameColumn, priority: 1 },
  ],
  row(e, now) {
    // Events written through events.k8s.io carry eventTime and series instead of the legacy timestamps.
    const firstSeen = translateTimestampSince(isSet(e.firstTimestamp) ? e.firstTimestamp : e.eventTime, now);
    let lastSeen = isSet(e.lastTimestamp) ? translateTimestampSince(e.lastTimestamp, now) : firstSeen;
    let count = e.count ?? 0;
    if (e.series) {
      lastSeen = translateTimestampSince(e.series.lastObservedTime, now);
      count = e.series.count ?? 0;
    } else if (count === 0) {
      count = 1;
    }
    return [
      lastSeen,
      e.type ?? '',
      e.reason ?? '',
      eventObject(e),
      e.involvedObject?.fieldPath ?? '',
      eventSource(e),
      (e.message ?? '').trim(),
      firstSeen,
      count,
      e.metadata?.name ?? '',
    ];
  },
} satisfies Printer<Event>;
