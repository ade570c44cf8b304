/**
 * Desired state becomes actual state: the real `orch server` (API server, scheduler,
 * controllers) with fake nodes from `orch agent --runtime fake`, driven by the real kubectl
 * through a Deployment's whole life: rollout, scale, update, history, undo, restart, pause,
 * resume and cascading delete.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOrchServer, ORCH_BIN, type OrchServer } from '../support/orch-process.js';

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/examples');

describe('kubectl rollout against orch server with fake nodes', () => {
  let s: OrchServer;
  let agent: ChildProcess | undefined;
  let agentOut = '';
  const k = async (...args: string[]) => {
    const r = await s.kubectl(args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}\n--- server/agent output:\n${s.output().slice(-3000)}\n${agentOut.slice(-2000)}`);
    return r.stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await k(...args, '-o', 'json'));
  const until = async (what: string, cond: () => Promise<boolean>, ms = 30_000) => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  before(async () => {
    s = await startOrchServer({ extraArgs: ['--node-monitor-grace-period', '40s'] });
    agent = spawn(process.execPath, [ORCH_BIN, 'agent', '--runtime', 'fake', '--kubeconfig', s.kubeconfig, '--nodes', '3', '--node-name-prefix', 'e2e-node', '--pod-start-delay', '100ms', '--heartbeat-interval', '2s', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent.stdout!.on('data', (d) => (agentOut += d));
    agent.stderr!.on('data', (d) => (agentOut += d));
    await until('3 Ready nodes', async () => {
      const r = await s.kubectl(['get', 'nodes', '-o', 'json']);
      if (r.code !== 0) return false;
      const nodes = JSON.parse(r.stdout).items;
      return nodes.length === 3 && nodes.every((n: any) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    });
  });

  after(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      const t = setTimeout(() => agent!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    await s?.cleanup();
  });

  it('lists the fake nodes as Ready with pod CIDRs', async () => {
    const out = await k('get', 'nodes');
    assert.match(out, /e2e-node-0\s+Ready/);
    const nodes = await json('get', 'nodes');
    const cidrs = nodes.items.map((n: any) => n.spec.podCIDR);
    assert.equal(new Set(cidrs).size, 3, `distinct pod CIDRs: ${cidrs}`);
    for (const c of cidrs) assert.match(c, /^10\.244\.\d+\.0\/24$/);
  });

  it('rolls out the course Deployment and reports it done', async () => {
    await k('apply', '-f', join(EXAMPLES, 'my-nginx-deployment.yaml'));
    const out = await k('rollout', 'status', 'deployment/my-nginx', '--timeout=60s');
    assert.match(out, /successfully rolled out/);
    const pods = await json('get', 'pods', '-l', 'app=nginx');
    assert.equal(pods.items.length, 3);
    for (const p of pods.items) {
      assert.equal(p.status.phase, 'Running');
      assert.ok(p.spec.nodeName.startsWith('e2e-node-'));
      assert.equal(p.metadata.ownerReferences[0].kind, 'ReplicaSet');
    }
    // Spread over the nodes by the scheduler's owner spreading.
    assert.ok(new Set(pods.items.map((p: any) => p.spec.nodeName)).size >= 2);
    const table = await k('get', 'deployment', 'my-nginx');
    assert.match(table, /my-nginx\s+3\/3\s+3\s+3/);
  });

  it('scales with kubectl scale', async () => {
    await k('scale', 'deployment/my-nginx', '--replicas=5');
    await k('rollout', 'status', 'deployment/my-nginx', '--timeout=60s');
    await until('5 running pods', async () => (await json('get', 'pods', '-l', 'app=nginx')).items.filter((p: any) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp).length === 5);
    await k('scale', 'deployment/my-nginx', '--replicas=3');
    await until('3 pods', async () => (await json('get', 'pods', '-l', 'app=nginx')).items.length === 3);
  });

  it('updates the image, keeps history and rolls back with undo', async () => {
    await k('set', 'image', 'deployment/my-nginx', 'nginx=nginx:1.9.1');
    await k('rollout', 'status', 'deployment/my-nginx', '--timeout=60s');
    await k('annotate', 'deployment/my-nginx', 'kubernetes.io/change-cause=third', '--overwrite');
    await k('set', 'image', 'deployment/my-nginx', 'nginx=nginx:1.10');
    await k('rollout', 'status', 'deployment/my-nginx', '--timeout=60s');
    const history = await k('rollout', 'history', 'deployment/my-nginx');
    assert.match(history, /REVISION\s+CHANGE-CAUSE/);
    assert.match(history, /^1\s+/m);
    assert.match(history, /^2\s+/m);
    assert.match(history, /^3\s+third/m);
    const rev2 = await k('rollout', 'history', 'deployment/my-nginx', '--revision=2');
    assert.match(rev2, /nginx:1\.9\.1/);
    assert.match(await k('rollout', 'undo', 'deployment/my-nginx'), /rolled back/);
    await k('rollout', 'status', 'deployment/my-nginx', '--timeout=60s');
    let d = await json('get', 'deployment', 'my-nginx');
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.9.1');
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '4');
    await k('rollout', 'undo', 'deployment/my-nginx', '--to-revision=1');
    await k('rollout', 'status', 'deployment/my-nginx', '--timeout=60s');
    d = await json('get', 'deployment', 'my-nginx');
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.7.9');
    const pods = await json('get', 'pods', '-l', 'app=nginx');
    await until('only 1.7.9 pods', async () => {
      const ps = (await json('get', 'pods', '-l', 'app=nginx')).items;
      return ps.length === 3 && ps.every((p: any) => p.spec.containers[0].image === 'nginx:1.7.9');
    });
    assert.ok(pods.items.length >= 3);
  });

  it('restarts, pauses and resumes a rollout', async () => {
    const before = (await json('get', 'rs', '-l', 'app=nginx')).items.length;
    assert.match(await k('rollout', 'restart', 'deployment/my-nginx'), /restarted/);
    await k('rollout', 'status', 'deployment/my-nginx', '--timeout=60s');
    assert.equal((await json('get', 'rs', '-l', 'app=nginx')).items.length, before + 1);
    assert.match(await k('rollout', 'pause', 'deployment/my-nginx'), /paused/);
    await k('set', 'image', 'deployment/my-nginx', 'nginx=nginx:paused');
    // While paused nothing rolls: no new ReplicaSet appears.
    await new Promise((r) => setTimeout(r, 1500));
    const rs = (await json('get', 'rs', '-l', 'app=nginx')).items;
    assert.ok(!rs.some((r: any) => r.spec.template.spec.containers[0].image === 'nginx:paused'), 'no rollout while paused');
    assert.match(await k('rollout', 'resume', 'deployment/my-nginx'), /resumed/);
    await k('rollout', 'status', 'deployment/my-nginx', '--timeout=60s');
    const d = await json('get', 'deployment', 'my-nginx');
    assert.equal(d.status.updatedReplicas, 3);
    const describe = await k('describe', 'deployment', 'my-nginx');
    assert.match(describe, /ScalingReplicaSet/);
  });

  it('deletes a deployment with its replica sets and pods', async () => {
    await k('delete', 'deployment', 'my-nginx');
    await until('pods and replica sets gone', async () => {
      const pods = (await json('get', 'pods', '-l', 'app=nginx')).items;
      const rs = (await json('get', 'rs', '-l', 'app=nginx')).items;
      return pods.length === 0 && rs.length === 0;
    });
  });
});
