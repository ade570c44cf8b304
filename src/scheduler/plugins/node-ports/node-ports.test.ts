import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeInfo, podInfo, type PodSpecShort } from '../../testing.js';
import { plugin, REASON } from './node-ports.js';

test('NodePorts filter', async (t) => {
  type Ports = PodSpecShort['hostPorts'];
  const cases: { name: string; used: Ports; want: Ports; fits: boolean }[] = [
    { name: 'no host ports asked', used: [80], want: undefined, fits: true },
    { name: 'free port', used: [80], want: [8080], fits: true },
    { name: 'same port, both on all addresses', used: [80], want: [80], fits: false },
    { name: 'same port, other protocol', used: [{ port: 53, protocol: 'UDP' }], want: [{ port: 53, protocol: 'TCP' }], fits: true },
    { name: 'same port on two distinct IPs', used: [{ port: 80, ip: '127.0.0.1' }], want: [{ port: 80, ip: '127.0.0.2' }], fits: true },
    { name: 'specific IP against 0.0.0.0 in use', used: [80], want: [{ port: 80, ip: '127.0.0.1' }], fits: false },
    { name: '0.0.0.0 against a specific IP in use', used: [{ port: 80, ip: '127.0.0.1' }], want: [80], fits: false },
    { name: 'any of several ports conflicting rejects', used: [443], want: [80, 443], fits: false },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const node = nodeInfo({}, [{ hostPorts: c.used }]);
      const s = plugin.filter(podInfo({ hostPorts: c.want }), node);
      assert.equal(s.code, c.fits ? 'Success' : 'Unschedulable');
      if (!c.fits) assert.deepEqual(s.reasons, [REASON]);
    });
  }
});

test('NodePorts frees a port when the pod holding it leaves', () => {
  const holder = podInfo({ hostPorts: [80] });
  const node = nodeInfo({}, [holder]);
  assert.equal(plugin.filter(podInfo({ hostPorts: [80] }), node).code, 'Unschedulable');
  node.removePod(holder.key);
  assert.equal(plugin.filter(podInfo({ hostPorts: [80] }), node).code, 'Success');
});
