/**
 * `pods/log` end to end without containerd: CRI-format log files in a temp directory, the
 * node streaming server reading them, the API server proxying to it, and the real kubectl.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { findKubectl } from '../support/orch-process.js';
import { silentLogger } from '../../src/machinery/log.js';
import { NodeStreamingServer, STREAMING_CERT_ANNOTATION, type ContainerLocator } from '../../src/agent/streaming/index.js';

const MAIN_CURRENT = [
  '2026-01-01T00:00:01.000000001Z stdout F line one',
  '2026-01-01T00:00:02.000000002Z stderr F line two',
  '2026-01-01T00:00:03.000000003Z stdout P part-',
  '2026-01-01T00:00:03.500000000Z stdout F ial three',
].join('\n') + '\n';
const MAIN_PREVIOUS = '2026-01-01T00:00:00.500000000Z stdout F old run\n';
const SIDE = '2026-01-01T00:00:01.000000000Z stdout F side says hi\n';

describe('pod logs through the API server from the node streaming server', () => {
  let s: TestServer;
  let dir: string;
  let node: NodeStreamingServer;
  let running = true;
  const files = new Map<string, string>();

  const kubectl = (args: string[], onStdout?: (text: string) => void): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const p = spawn(findKubectl(), ['--kubeconfig', s.api.kubeconfigPath, ...args], {
        env: { ...process.env, HOME: dir, KUBECACHEDIR: join(dir, 'kcache') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => {
        stdout += d;
        onStdout?.(stdout);
      });
      p.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });

  const setStatus = async (path: string, status: any) => {
    const cur = await s.client.get(path);
    assert.equal(cur.status, 200, cur.text);
    const r = await s.client.put(`${path}/status`, { ...cur.body, status });
    assert.equal(r.status, 200, r.text);
  };

  before(async () => {
    s = await startTestServer('sqlite');
    dir = await mkdtemp(join(tmpdir(), 'orch-logs-'));
    await mkdir(join(dir, 'main'));
    await mkdir(join(dir, 'side'));
    await writeFile(join(dir, 'main', '0.log'), MAIN_PREVIOUS);
    await writeFile(join(dir, 'main', '1.log'), MAIN_CURRENT);
    await writeFile(join(dir, 'side', '0.log'), SIDE);
    files.set('default/p/main/current', join(dir, 'main', '1.log'));
    files.set('default/p/main/previous', join(dir, 'main', '0.log'));
    files.set('default/p/side/current', join(dir, 'side', '0.log'));
    const locator: ContainerLocator = {
      async logFile(ns, pod, container, previous) {
        const path = files.get(`${ns}/${pod}/${container}/${previous ? 'previous' : 'current'}`);
        return path ? { path, running: async () => running } : undefined;
      },
      runningContainer: async () => undefined,
      readySandbox: async () => undefined,
    };
    node = new NodeStreamingServer({ port: 0, tokens: [s.api.adminToken], locator, log: silentLogger(), nodeName: 'n1' });
    await node.start();

    for (const [name, fp] of [
      ['n1', node.certFingerprint256],
      ['n2', 'AA:BB'],
    ]) {
      const r = await s.client.post('/api/v1/nodes', { metadata: { name, annotations: { [STREAMING_CERT_ANNOTATION]: fp } } });
      assert.equal(r.status, 201, r.text);
      await setStatus(`/api/v1/nodes/${name}`, {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: node.port } },
      });
    }
    const pod = (name: string, nodeName: string, containers: string[], annotations: Record<string, string> = {}) => ({
      metadata: { name, annotations },
      spec: { nodeName, containers: containers.map((c) => ({ name: c, image: 'orch.local/busybox:1' })) },
    });
    const isRunning = { running: { startedAt: '2026-01-01T00:00:00Z' } };
    for (const p of [pod('p', 'n1', ['main', 'side'], { 'kubectl.kubernetes.io/default-container': 'main' }), pod('pending', 'n1', ['c']), pod('elsewhere', 'n2', ['c'])]) {
      const r = await s.client.post('/api/v1/namespaces/default/pods', p);
      assert.equal(r.status, 201, r.text);
    }
    await setStatus('/api/v1/namespaces/default/pods/p', {
      phase: 'Running',
      containerStatuses: [
        { name: 'main', ready: true, restartCount: 1, image: 'orch.local/busybox:1', imageID: '', state: isRunning, lastState: { terminated: { exitCode: 1, reason: 'Error' } } },
        { name: 'side', ready: true, restartCount: 0, image: 'orch.local/busybox:1', imageID: '', state: isRunning, lastState: {} },
      ],
    });
    await setStatus('/api/v1/namespaces/default/pods/elsewhere', {
      phase: 'Running',
      containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'orch.local/busybox:1', imageID: '', state: isRunning, lastState: {} }],
    });
  });

  after(async () => {
    await node?.stop();
    await s?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const log = (query = '', pod = 'p') => s.client.get(`/api/v1/namespaces/default/pods/${pod}/log${query}`, { Accept: '*/*' });

  it('serves the default container as text/plain, merging partial lines and both streams', async () => {
    const r = await log();
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    assert.equal(r.text, 'line one\nline two\npart-ial three\n');
  });

  it('honours container, tailLines, timestamps, limitBytes and previous', async () => {
    assert.equal((await log('?container=side')).text, 'side says hi\n');
    assert.equal((await log('?tailLines=1')).text, 'part-ial three\n');
    assert.equal((await log('?tailLines=2')).text, 'line two\npart-ial three\n');
    assert.equal((await log('?tailLines=0')).text, '');
    assert.equal((await log('?timestamps=true&tailLines=2')).text, '2026-01-01T00:00:02.000000002Z line two\n2026-01-01T00:00:03.000000003Z part-ial three\n');
    assert.equal((await log('?limitBytes=6')).text, 'line o');
    assert.equal((await log('?previous=true')).text, 'old run\n');
  });

  it('answers a Status for missing pods, unknown containers, waiting containers and absent previous runs', async () => {
    const missing = await log('', 'nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.message, 'pods "nope" not found');
    const bad = await log('?container=x');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, 'container x is not valid for pod p');
    const waiting = await log('', 'pending');
    assert.equal(waiting.status, 400);
    assert.equal(waiting.body.message, 'container "c" in pod "pending" is waiting to start: ContainerCreating');
    const noPrev = await log('?container=side&previous=true');
    assert.equal(noPrev.status, 400);
    assert.equal(noPrev.body.message, 'previous terminated container "side" in pod "p" not found');
    const badTail = await log('?tailLines=-1');
    assert.equal(badTail.status, 400);
  });

  it('refuses a node whose certificate does not match the pinned fingerprint', async () => {
    const r = await log('', 'elsewhere');
    assert.equal(r.status, 503);
    assert.match(r.body.message, /does not match/);
  });

  it('the node server refuses requests without the bearer token', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: node.port, path: '/containerLogs/default/p/main', rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    assert.equal(status, 401);
  });

  it('follow streams appended lines and ends when the container stops', async () => {
    running = true;
    const path = files.get('default/p/side/current')!;
    const got = await new Promise<string>((resolve, reject) => {
      const url = new URL('/api/v1/namespaces/default/pods/p/log?container=side&follow=true', s.api.url);
      let text = '';
      let appended = false;
      const req = https.get(url, { ca: s.api.caPem, headers: { Authorization: `Bearer ${s.api.adminToken}` } }, (res) => {
        assert.equal(res.statusCode, 200);
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          if (!appended && text.includes('side says hi\n')) {
            appended = true;
            void appendFile(path, '2026-01-01T00:00:05.000000000Z stdout F appended later\n');
          }
          if (text.includes('appended later\n')) running = false;
        });
        res.on('end', () => resolve(text));
        res.on('error', reject);
      });
      req.on('error', reject);
      const timer = setTimeout(() => req.destroy(new Error(`follow did not end; got ${JSON.stringify(text)}`)), 10_000);
      req.on('close', () => clearTimeout(timer));
    });
    assert.equal(got, 'side says hi\nappended later\n');
    running = true;
  });

  it('kubectl logs: default container, -c, --tail, --timestamps, --previous and errors', async () => {
    const plain = await kubectl(['logs', 'p']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, 'line one\nline two\npart-ial three\n');
    assert.equal((await kubectl(['logs', 'p', '-c', 'side'])).stdout, 'side says hi\nappended later\n');
    assert.equal((await kubectl(['logs', 'p', '--tail=1'])).stdout, 'part-ial three\n');
    assert.equal((await kubectl(['logs', 'p', '--tail=1', '--timestamps'])).stdout, '2026-01-01T00:00:03.000000003Z part-ial three\n');
    assert.equal((await kubectl(['logs', 'p', '--previous'])).stdout, 'old run\n');
    const bad = await kubectl(['logs', 'p', '-c', 'nope']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /container nope is not valid for pod p/);
    const waiting = await kubectl(['logs', 'pending']);
    assert.notEqual(waiting.code, 0);
    assert.match(waiting.stderr, /container "c" in pod "pending" is waiting to start: ContainerCreating/);
  });

  it('kubectl logs -f prints a line appended while it follows', async () => {
    running = true;
    const path = files.get('default/p/main/current')!;
    let appended = false;
    const r = await kubectl(['logs', '-f', 'p', '--tail=1'], (out) => {
      if (!appended && out.includes('part-ial three\n')) {
        appended = true;
        void appendFile(path, '2026-01-01T00:00:06.000000000Z stdout F followed\n');
      }
      if (out.includes('followed\n')) running = false;
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'part-ial three\nfollowed\n');
  });
});
