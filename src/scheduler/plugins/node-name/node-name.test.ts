import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeInfo, podInfo } from '../../testing.js';
import { plugin, REASON } from './node-name.js';

test('NodeName filter', async (t) => {
  const cases = [
    { name: 'no nodeName fits any node', nodeName: undefined, node: 'a', want: 'Success' },
    { name: 'matching nodeName fits', nodeName: 'a', node: 'a', want: 'Success' },
    { name: 'other nodeName does not fit', nodeName: 'b', node: 'a', want: 'UnschedulableAndUnresolvable' },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const s = plugin.filter(podInfo({ nodeName: c.nodeName }), nodeInfo({ name: c.node }));
      assert.equal(s.code, c.want);
      if (c.want !== 'Success') assert.deepEqual(s.reasons, [REASON]);
    });
  }
});
