import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '../../client/client.js';
import type { WatchEvent } from '../../client/resource-client.js';
import { silentLogger } from '../../machinery/log.js';
import { SourceWatches, sourceKey } from './source-watches.js';

/** A client whose ConfigMap list returns one object at rv 5 and whose watches the test feeds. */
function fakeClient() {
  const open: { fieldSelector?: string; emit: (ev: WatchEvent<any>) => void; signal: AbortSignal }[] = [];
  const cm = (rv: string) => ({ metadata: { namespace: 'ns', name: 'cfg', resourceVersion: rv } });
  const client = {
    resource: (plural: string) => ({
      info: { plural },
      list: async () => ({ metadata: { resourceVersion: '5' }, items: [cm('5')] }),
      watch: (_ns: string, opts: { fieldSelector?: string }, onEvent: (ev: WatchEvent<any>) => void, signal: AbortSignal) =>
        new Promise<void>((resolve) => {
          const w = { fieldSelector: opts.fieldSelector, emit: onEvent, signal };
          open.push(w);
          signal.addEventListener('abort', () => {
            open.splice(open.indexOf(w), 1);
            resolve();
          });
        }),
    }),
  } as unknown as Client;
  return { client, open, cm };
}

test('a change notifies each pod whose files are older, once; the watch stops with its last pod', async () => {
  const { client, open, cm } = fakeClient();
  const changed: string[] = [];
  const w = new SourceWatches(client, silentLogger(), (uid) => changed.push(uid));
  const key = sourceKey('configmaps', 'ns', 'cfg');
  w.setPodRefs('pod-a', new Map([[key, '5']]));
  await sleep(10);
  assert.equal(open.length, 1);
  assert.equal(open[0].fieldSelector, 'metadata.name=cfg');
  assert.deepEqual(changed, [], 'the initial list at the version the pod has is no change');

  // pod-b is set up from rv 6 before the watch delivers 6: pod-a must still hear of it.
  w.setPodRefs('pod-b', new Map([[key, '6']]));
  open[0].emit({ type: 'MODIFIED', object: cm('6') });
  assert.deepEqual(changed, ['pod-a']);
  open[0].emit({ type: 'MODIFIED', object: cm('6') });
  assert.deepEqual(changed, ['pod-a'], 'the same version again is no news');

  open[0].emit({ type: 'DELETED', object: cm('7') });
  assert.deepEqual(changed.sort(), ['pod-a', 'pod-a', 'pod-b'].sort());

  w.dropPod('pod-a');
  assert.equal(w.watched, 1);
  w.setPodRefs('pod-b', new Map());
  assert.equal(w.watched, 0);
  await sleep(10);
  assert.equal(open.length, 0, 'no watch is left open');
});

test('aborting the signal stops every watch', async () => {
  const { client, open } = fakeClient();
  const ac = new AbortController();
  const w = new SourceWatches(client, silentLogger(), () => undefined, ac.signal);
  w.setPodRefs('p', new Map([[sourceKey('configmaps', 'ns', 'cfg'), '5'], [sourceKey('secrets', 'ns', 'cfg'), '']]));
  await sleep(10);
  assert.equal(open.length, 2);
  ac.abort();
  await sleep(10);
  assert.equal(open.length, 0);
  assert.equal(w.watched, 0);
});
