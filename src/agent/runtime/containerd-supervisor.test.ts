import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../machinery/log.js';
import { ContainerdSupervisor } from './containerd-supervisor.js';
import { PreflightError } from './preflight.js';

const base = { dataDir: '/var/lib/orch/agent', clusterName: 'c1', podCidr: '10.244.1.0/24', bridgeName: 'orch0', log: silentLogger() };

test('names on the host derive from the cluster name and the data dir', () => {
  const s = new ContainerdSupervisor(base);
  assert.equal(s.socket, '/var/lib/orch/agent/containerd/containerd.sock');
  assert.equal(s.networkName, 'orch-c1');
  assert.equal(s.cgroupRoot, '/orch-c1');
  assert.equal(s.podCgroupParent('0c8f6a9e-1b2c-4d5e-8f90-123456789abc'), '/orch-c1/pod0c8f6a9e-1b2c-4d5e-8f90-123456789abc');
  assert.equal(s.podLogDirectory('default', 'web', 'u1'), '/var/lib/orch/agent/pods/default_web_u1');
  assert.throws(() => s.podCgroupParent('../../etc'), /is not a uid/);
  assert.equal(s.state, 'new');
});

test('bad options are refused at construction', () => {
  assert.throws(() => new ContainerdSupervisor({ ...base, clusterName: 'Bad_Name' }), /cluster name "Bad_Name"/);
  assert.throws(() => new ContainerdSupervisor({ ...base, dataDir: 'relative' }), /must be absolute/);
  assert.throws(() => new ContainerdSupervisor({ ...base, podCidr: '10.244.1.1/24' }), /host bits set/);
});

test('a failed preflight rejects run() and ready, and touches nothing', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-sup-'));
  try {
    const s = new ContainerdSupervisor({ ...base, dataDir, containerdPath: '/nonexistent/containerd' });
    const err = await s.run(new AbortController().signal).catch((e) => e);
    assert.ok(err instanceof PreflightError, String(err));
    assert.ok(err.problems.includes('containerd not found at /nonexistent/containerd: apt-get install containerd'), err.message);
    await assert.rejects(s.ready, PreflightError);
    assert.equal(s.state, 'failed');
    assert.deepEqual(fs.readdirSync(dataDir), [], 'nothing written');
    await assert.rejects(s.run(new AbortController().signal), /run\(\) called twice/);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
