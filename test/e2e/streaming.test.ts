/**
 * kubectl logs, exec and port-forward against a busybox pod run on the real containerd:
 * the pod is started by CRI directly (as the pod workers would) with matching Node and Pod
 * objects in an in-process API server; the node streaming server bridges to containerd.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Exec, KubeConfig, PortForward } from '@kubernetes/client-node';
import { startTestContainerd, type TestContainerd } from '../support/containerd.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { findKubectl } from '../support/orch-process.js';
import { silentLogger } from '../../src/machinery/log.js';
import { writeBuiltinImages, BUSYBOX_IMAGE } from '../../src/agent/images/busybox-images.js';
import { CONTAINER_NAME_LABEL, POD_NAMESPACE_LABEL, POD_NAME_LABEL, POD_UID_LABEL } from '../../src/agent/pods/labels.js';
import { CriContainerLocator, NodeStreamingServer, STREAMING_CERT_ANNOTATION } from '../../src/agent/streaming/index.js';
import type { PodSandboxConfig } from '../../src/agent/cri/cri-types.js';

const hasKubectl = (process.env.PATH ?? '').split(':').some((p) => fs.existsSync(path.join(p, 'kubectl')));
const skip = process.getuid?.() !== 0 ? 'needs root' : !fs.existsSync('/usr/bin/containerd') ? 'containerd not installed' : !hasKubectl ? 'kubectl not installed' : false;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('kubectl logs, exec and port-forward through the node streaming server', { skip }, () => {
  let env: TestContainerd;
  let s: TestServer;
  let node: NodeStreamingServer;
  let home: string;
  let sandboxId = '';
  let uid = '';

  const kubectl = (args: string[], opts: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const p = spawn(findKubectl(), ['--kubeconfig', s.api.kubeconfigPath, ...args], {
        env: { ...process.env, HOME: home, KUBECACHEDIR: path.join(home, 'kcache'), ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      if (opts.stdin !== undefined) p.stdin.end(opts.stdin);
      else p.stdin.end();
    });

  before(async () => {
    home = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orch-stream-'));
    env = await startTestContainerd();
    const images = path.join(home, 'images');
    await fs.promises.mkdir(images);
    await writeBuiltinImages(images);
    await env.supervisor.importImageDir(images);
    s = await startTestServer('sqlite');
    node = new NodeStreamingServer({ port: 0, tokens: [s.api.adminToken], locator: new CriContainerLocator(env.cri), cri: env.cri, log: silentLogger(), nodeName: 'n1' });
    await node.start();

    const created = await s.client.post('/api/v1/namespaces/default/pods', {
      metadata: { name: 'p' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: BUSYBOX_IMAGE }] },
    });
    assert.equal(created.status, 201, created.text);
    uid = created.body.metadata.uid;
    const config: PodSandboxConfig = {
      metadata: { name: 'p', uid, namespace: 'default', attempt: 0 },
      hostname: 'p',
      log_directory: env.supervisor.podLogDirectory('default', 'p', uid),
      labels: { [POD_NAME_LABEL]: 'p', [POD_NAMESPACE_LABEL]: 'default', [POD_UID_LABEL]: uid },
      linux: {
        cgroup_parent: env.supervisor.podCgroupParent(uid),
        security_context: { namespace_options: { network: 'POD', pid: 'POD', ipc: 'POD' } },
      },
    };
    sandboxId = await env.cri.runPodSandbox(config);
    const script = 'mkdir -p /www && echo pf-ok > /www/index.html && httpd -p 8080 -h /www && echo started && exec sleep 3600';
    const cid = await env.cri.createContainer(
      sandboxId,
      {
        metadata: { name: 'c', attempt: 0 },
        image: { image: BUSYBOX_IMAGE },
        command: ['sh', '-c', script],
        log_path: 'c/0.log',
        labels: { [POD_NAME_LABEL]: 'p', [POD_NAMESPACE_LABEL]: 'default', [POD_UID_LABEL]: uid, [CONTAINER_NAME_LABEL]: 'c' },
      },
      config,
    );
    await env.cri.startContainer(cid);

    const n = await s.client.post('/api/v1/nodes', { metadata: { name: 'n1', annotations: { [STREAMING_CERT_ANNOTATION]: node.certFingerprint256 } } });
    assert.equal(n.status, 201, n.text);
    const setStatus = async (p: string, status: any) => {
      const cur = await s.client.get(p);
      const r = await s.client.put(`${p}/status`, { ...cur.body, status });
      assert.equal(r.status, 200, r.text);
    };
    await setStatus('/api/v1/nodes/n1', { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: node.port } } });
    await setStatus('/api/v1/namespaces/default/pods/p', {
      phase: 'Running',
      containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: BUSYBOX_IMAGE, imageID: '', containerID: `containerd://${cid}`, state: { running: { startedAt: new Date().toISOString() } }, lastState: {} }],
    });
  });

  after(async () => {
    await node?.stop();
    await s?.cleanup();
    if (env) {
      if (sandboxId) {
        await env.cri.stopPodSandbox(sandboxId).catch(() => undefined);
        await env.cri.removePodSandbox(sandboxId).catch(() => undefined);
        await env.supervisor.removePodCgroups(uid).catch(() => undefined);
      }
      await env.cleanup();
    }
    if (home) await fs.promises.rm(home, { recursive: true, force: true });
  });

  it('kubectl logs reads the container log written by containerd', async () => {
    let r: Run | undefined;
    for (let i = 0; i < 50; i++) {
      r = await kubectl(['logs', 'p']);
      if (r.stdout.includes('started')) break;
      await sleep(100);
    }
    assert.equal(r!.code, 0, r!.stderr);
    assert.equal(r!.stdout, 'started\n');
  });

  it('kubectl exec p -- echo hi prints hi and exits 0 (WebSocket v5)', async () => {
    const r = await kubectl(['exec', 'p', '-v=4', '--', 'echo', 'hi']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');
    assert.match(r.stderr, /subprotocol is v5\.channel\.k8s\.io/);
    assert.doesNotMatch(r.stderr, /fallback/i);
  });

  it('kubectl exec passes stderr and the non-zero exit code', async () => {
    const r = await kubectl(['exec', 'p', '--', 'sh', '-c', 'echo oops >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /oops/);
    assert.match(r.stderr, /command terminated with exit code 3/);
  });

  it('kubectl exec -i p -- cat echoes stdin and ends with it (WebSocket v5, no SPDY fallback)', async () => {
    const r = await kubectl(['exec', '-i', 'p', '-v=4', '--', 'cat'], { stdin: 'hello from stdin\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello from stdin\n');
    assert.doesNotMatch(r.stderr, /fallback/i);
  });

  it('kubectl exec -i p -- cat echoes stdin over SPDY (relayed to containerd)', async () => {
    const r = await kubectl(['exec', '-i', 'p', '--', 'cat'], { stdin: 'hello from stdin\n', env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello from stdin\n');
  });

  it('kubectl port-forward reaches httpd in the pod', async () => {
    const p = spawn(findKubectl(), ['--kubeconfig', s.api.kubeconfigPath, '-v=4', 'port-forward', 'pod/p', ':8080'], {
      env: { ...process.env, HOME: home, KUBECACHEDIR: path.join(home, 'kcache') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    try {
      let port = 0;
      for (let i = 0; i < 100 && !port; i++) {
        port = Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1] ?? 0);
        if (!port) await sleep(100);
      }
      assert.ok(port, `kubectl port-forward did not start:\n${out}`);
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/index.html', agent: false, timeout: 5000 }, (res) => {
            let b = '';
            res.on('data', (d) => (b += d));
            res.on('end', () => resolve(b));
          })
          .on('error', reject)
          .on('timeout', function (this: http.ClientRequest) {
            this.destroy(new Error(`no answer through port-forward:\n${out}`));
          });
      });
      assert.equal(body, 'pf-ok\n');
      // The WebSocket tunnel carried it: kubectl did not fall back to a plain SPDY upgrade.
      assert.doesNotMatch(out, /fallback/i);
    } finally {
      p.kill('SIGTERM');
    }
  });

  const kubeConfig = () => {
    const kc = new KubeConfig();
    kc.loadFromFile(s.api.kubeconfigPath);
    return kc;
  };
  const collect = (stream: PassThrough) => {
    let text = '';
    stream.on('data', (d) => (text += d));
    return () => text;
  };

  it('client-node Exec: stdin, stdout, stderr and the exit status', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out = collect(stdout);
    const err = collect(stderr);
    const status = await new Promise<any>((resolve, reject) => {
      new Exec(kubeConfig())
        .exec('default', 'p', 'c', ['sh', '-c', 'cat; echo done >&2; exit 4'], stdout, stderr, Readable.from(['via client-node\n']), false, resolve)
        .catch(reject);
    });
    assert.equal(out(), 'via client-node\n');
    assert.equal(err(), 'done\n');
    assert.equal(status.status, 'Failure');
    assert.equal(status.details.causes[0].message, '4');
  });

  it('client-node Exec with a TTY runs the command on a terminal', async () => {
    const stdout = new PassThrough();
    const out = collect(stdout);
    const status = await new Promise<any>((resolve, reject) => {
      new Exec(kubeConfig()).exec('default', 'p', 'c', ['sh', '-c', 'test -t 0 && test -t 1 && echo on-a-tty'], stdout, null, null, true, resolve).catch(reject);
    });
    assert.equal(status.status, 'Success');
    assert.equal(out().trim(), 'on-a-tty');
  });

  it('client-node PortForward (channel WebSocket) reaches httpd in the pod', async () => {
    const forward = new PortForward(kubeConfig());
    const server = net.createServer((socket) => {
      forward.portForward('default', 'p', [8080], socket, null, socket, 0).catch(() => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/index.html', agent: false, timeout: 5000, headers: { Connection: 'close' } }, (res) => {
            let b = '';
            res.on('data', (d) => (b += d));
            res.on('end', () => resolve(b));
          })
          .on('error', reject)
          .on('timeout', function (this: http.ClientRequest) {
            this.destroy(new Error('no answer through client-node port-forward'));
          });
      });
      assert.equal(body, 'pf-ok\n');
    } finally {
      server.close();
    }
  });
});
