import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leasePrinter } from './lease.js';
import { ago, cellsOf } from './testing.js';

test('lease HOLDER', () => {
  const metadata = { name: 'node-1', namespace: 'kube-node-lease', creationTimestamp: ago(12, 'd') };
  const cases: [name: string, obj: object, holder: string][] = [
    ['node heartbeat', { metadata, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: ago(3) } }, 'node-1'],
    ['released', { metadata, spec: {} }, ''],
  ];
  for (const [name, obj, holder] of cases) {
    assert.deepEqual(cellsOf(leasePrinter, obj), { Name: 'node-1', Holder: holder, Age: '12d' }, name);
  }
});
