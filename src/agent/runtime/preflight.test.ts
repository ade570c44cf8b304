import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preflight } from './preflight.js';

const good = {
  containerdPath: '/usr/bin/containerd',
  ctrPath: '/usr/bin/ctr',
  cniBinDir: '/usr/lib/cni',
  busyboxPath: '/usr/bin/busybox',
  socketPath: '/tmp/orch/containerd/containerd.sock',
  podCidr: '10.223.250.0/24',
  bridgeName: 'orchpre',
};

test('each missing piece is named with the command that fixes it', async () => {
  const problems = await preflight({
    ...good,
    containerdPath: '/nonexistent/containerd',
    cniBinDir: '/nonexistent/cni',
    busyboxPath: '/nonexistent/busybox',
    socketPath: `/tmp/${'d'.repeat(100)}/containerd.sock`,
    bridgeName: 'a-bridge-name-too-long',
    podCidr: '10.1.2.3/24',
  });
  const has = (re: RegExp) => assert.ok(problems.some((p) => re.test(p)), `${re} in:\n${problems.join('\n')}`);
  has(/^containerd not found at \/nonexistent\/containerd: apt-get install containerd$/);
  has(/^CNI plugins missing in \/nonexistent\/cni \(bridge, host-local, portmap, loopback\): apt-get install containernetworking-plugins$/);
  has(/^static busybox not found at \/nonexistent\/busybox .*: apt-get install busybox-static$/);
  has(/too deep for a unix socket/);
  has(/^bridge name "a-bridge-name-too-long" must be 1-15/);
  has(/^pod CIDR: CIDR 10.1.2.3\/24 has host bits set/);
  if (process.getuid?.() !== 0) has(/^must run as root/);
});

test('a pod CIDR overlapping a host route is refused', { skip: process.platform !== 'linux' }, async () => {
  // 0.0.0.0/0 overlaps every route; a machine with a network has at least its link route.
  const problems = await preflight({ ...good, podCidr: '0.0.0.0/0' });
  assert.ok(problems.some((p) => /^pod CIDR 0.0.0.0\/0 overlaps the host route \S+ on \S+: choose another pod CIDR$/.test(p)), problems.join('\n'));
});
