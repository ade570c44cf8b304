import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from 'kubernetes-types/core/v1.js';
import { eventPrinter } from './event.js';
import { ago, cellsOf, pick } from './testing.js';

const event = (e: Partial<Event>): Event => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web-1.17d2a3b4c5d6e7f8', namespace: 'default' },
  involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default' },
  ...e,
});

test('event row with wide columns', () => {
  const e = event({
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container web in pod web-1_default(uid)\n',
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{web}' },
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: ago(10, 'm'),
    lastTimestamp: ago(40),
    count: 7,
  });
  assert.deepEqual(cellsOf(eventPrinter, e), {
    'Last Seen': '40s',
    Type: 'Warning',
    Reason: 'BackOff',
    Object: 'pod/web-1',
    Subobject: 'spec.containers{web}',
    Source: 'kubelet, node-1',
    Message: 'Back-off restarting failed container web in pod web-1_default(uid)',
    'First Seen': '10m',
    Count: 7,
    Name: 'web-1.17d2a3b4c5d6e7f8',
  });
  assert.deepEqual(
    eventPrinter.columns.filter((c) => c.priority === 0).map((c) => c.name),
    ['Last Seen', 'Type', 'Reason', 'Object', 'Message'],
  );
});

test('event timestamps, counts and sources', () => {
  const cases: [name: string, e: Event, want: Record<string, unknown>][] = [
    [
      'legacy event seen once, no count',
      event({ firstTimestamp: ago(3, 'm') }),
      { 'Last Seen': '3m', 'First Seen': '3m', Count: 1 },
    ],
    [
      'events.k8s.io event: eventTime and reporting controller',
      event({ eventTime: ago(20), reportingComponent: 'orch-scheduler', reportingInstance: 'orch-scheduler-node-1' }),
      { 'Last Seen': '20s', 'First Seen': '20s', Count: 1, Source: 'orch-scheduler, orch-scheduler-node-1' },
    ],
    [
      'series overrides last seen and count',
      event({ eventTime: ago(1, 'h'), series: { count: 12, lastObservedTime: ago(5) } }),
      { 'Last Seen': '5s', 'First Seen': '60m', Count: 12 },
    ],
    ['no timestamps at all', event({}), { 'Last Seen': '<unknown>', 'First Seen': '<unknown>' }],
    ['source without host', event({ source: { component: 'deployment-controller' } }), { Source: 'deployment-controller' }],
    ['object without a name', event({ involvedObject: { kind: 'Node' } }), { Object: 'node' }],
  ];
  for (const [name, e, want] of cases) assert.deepEqual(pick(eventPrinter, e, Object.keys(want)), want, name);
});
