/**
 * Regenerates the protobuf request-body fixtures in test/fixtures/protobuf/ from the real
 * kubectl (see KUBECTL.md §2). Run from the repository root:
 *
 *   node --import tsx src/apiserver/protobuf/capture-fixtures.ts [path/to/kubectl]
 *
 * It starts a throwaway plain-HTTP server on 127.0.0.1 (random port) that answers just enough
 * legacy discovery for `kubectl create …` to work, records every POST body, and answers 201 with
 * a minimal JSON object. For each case it saves:
 *   <name>.bin   the POST body exactly as kubectl sent it (`k8s\0` + runtime.Unknown)
 *   <name>.json  what `kubectl … -o json --dry-run=client` prints for the same command, i.e. the
 *                object kubectl would have sent as JSON (the decoder must reproduce it).
 * Cases whose body arrives as something other than protobuf are reported and not saved.
 */

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

interface Res {
  name: string;
  kind: string;
  namespaced: boolean;
  short?: string[];
}
const groups: Record<string, Res[]> = {
  v1: [
    { name: 'namespaces', kind: 'Namespace', namespaced: false, short: ['ns'] },
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true, short: ['cm'] },
    { name: 'secrets', kind: 'Secret', namespaced: true },
    { name: 'services', kind: 'Service', namespaced: true, short: ['svc'] },
    { name: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, short: ['sa'] },
    { name: 'pods', kind: 'Pod', namespaced: true, short: ['po'] },
    { name: 'resourcequotas', kind: 'ResourceQuota', namespaced: true, short: ['quota'] },
  ],
  'apps/v1': [
    { name: 'deployments', kind: 'Deployment', namespaced: true, short: ['deploy'] },
    { name: 'replicasets', kind: 'ReplicaSet', namespaced: true, short: ['rs'] },
  ],
  'batch/v1': [
    { name: 'jobs', kind: 'Job', namespaced: true },
    { name: 'cronjobs', kind: 'CronJob', namespaced: true, short: ['cj'] },
  ],
  'scheduling.k8s.io/v1': [{ name: 'priorityclasses', kind: 'PriorityClass', namespaced: false, short: ['pc'] }],
};
const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function json(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

interface Capture {
  contentType: string;
  body: Buffer;
  path: string;
}

function startServer(captures: Capture[]) {
  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    if (req.method === 'GET') {
      if (p === '/version') {
        return json(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: 'capture', gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23', compiler: 'gc', platform: 'linux/amd64' });
      }
      if (p === '/api') return json(res, 200, { kind: 'APIVersions', versions: ['v1'] });
      if (p === '/apis') {
        return json(res, 200, {
          kind: 'APIGroupList',
          apiVersion: 'v1',
          groups: Object.keys(groups)
            .filter((gv) => gv.includes('/'))
            .map((gv) => {
              const [group, version] = gv.split('/');
              const v = { groupVersion: gv, version };
              return { name: group, versions: [v], preferredVersion: v };
            }),
        });
      }
      const gv = p === '/api/v1' ? 'v1' : p.startsWith('/apis/') ? p.slice('/apis/'.length) : '';
      if (groups[gv]) {
        return json(res, 200, {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: gv,
          resources: groups[gv].map((r) => ({
            name: r.name,
            singularName: r.kind.toLowerCase(),
            namespaced: r.namespaced,
            kind: r.kind,
            verbs,
            ...(r.short ? { shortNames: r.short } : {}),
          })),
        });
      }
      return json(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
    }
    if (req.method === 'POST') {
      captures.push({ contentType: String(req.headers['content-type'] ?? ''), body, path: p });
      // Answer with a minimal object of the right kind; kubectl only prints "<kind>/<name> created".
      const segs = p.split('/');
      const resource = segs[segs.length - 1];
      const gv = segs[1] === 'api' ? 'v1' : `${segs[2]}/${segs[3]}`;
      const kind = groups[gv]?.find((r) => r.name === resource)?.kind ?? 'Unknown';
      return json(res, 201, { kind, apiVersion: gv, metadata: { name: currentName } });
    }
    json(res, 405, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 405 });
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  return new Promise<typeof server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let currentName = '';

interface Case {
  /** Fixture file name (without extension). */
  file: string;
  /** Object name, echoed back in the 201 answer. */
  name: string;
  args: string[];
}

async function main(): Promise<void> {
  const kubectl = process.argv[2] ?? '/usr/bin/kubectl';
  const outDir = join(repoRoot(), 'test/fixtures/protobuf');
  await mkdir(outDir, { recursive: true });
  const tmp = await mkdtemp(join(tmpdir(), 'orch-pb-capture-'));
  const captures: Capture[] = [];
  const server = await startServer(captures);
  try {
    const port = (server.address() as AddressInfo).port;
    const kubeconfig = join(tmp, 'kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: capture',
        '  cluster:',
        `    server: http://127.0.0.1:${port}`,
        'users:',
        '- name: capture',
        '  user: {}',
        'contexts:',
        '- name: capture',
        '  context: {cluster: capture, user: capture}',
        'current-context: capture',
        '',
      ].join('\n'),
    );
    // A throwaway self-signed certificate for `create secret tls`.
    const crt = join(tmp, 'tls.crt');
    const key = join(tmp, 'tls.key');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=fixture.example.com']);
    // A file that is not UTF-8, so `create configmap --from-file` puts it in binaryData.
    const bin = join(tmp, 'blob.bin');
    await writeFile(bin, Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41, 0x0a]));
    const txt = join(tmp, 'app.properties');
    await writeFile(txt, 'color=blue\nsize=10\n');

    const cases: Case[] = [
      { file: 'deployment-web', name: 'web', args: ['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3', '--port=80'] },
      { file: 'deployment-multi', name: 'multi', args: ['create', 'deployment', 'multi', '--image=a:1', '--image=b:2'] },
      { file: 'deployment-cmd', name: 'cmd', args: ['create', 'deployment', 'cmd', '--image=busybox', '--', 'sleep', '3600'] },
      { file: 'deployment-ns', name: 'nsd', args: ['create', 'deployment', 'nsd', '--image=nginx', '--namespace=team-a', '--replicas=0'] },
      { file: 'namespace-dev', name: 'dev', args: ['create', 'namespace', 'dev'] },
      { file: 'configmap-cfg', name: 'cfg', args: ['create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=two'] },
      { file: 'configmap-files', name: 'files', args: ['create', 'configmap', 'files', `--from-file=${txt}`, `--from-file=blob=${bin}`] },
      { file: 'secret-generic', name: 's', args: ['create', 'secret', 'generic', 's', '--from-literal=user=admin', '--from-literal=pass=p@ss w0rd'] },
      { file: 'secret-typed', name: 'typed', args: ['create', 'secret', 'generic', 'typed', '--type=example.com/custom', '--from-literal=k=v'] },
      { file: 'secret-tls', name: 'tls', args: ['create', 'secret', 'tls', 'tls', `--cert=${crt}`, `--key=${key}`] },
      { file: 'secret-docker-registry', name: 'reg', args: ['create', 'secret', 'docker-registry', 'reg', '--docker-server=registry.example.com', '--docker-username=u', '--docker-password=p', '--docker-email=u@example.com'] },
      { file: 'service-clusterip', name: 'svc', args: ['create', 'service', 'clusterip', 'svc', '--tcp=80:8080'] },
      { file: 'service-headless', name: 'headless', args: ['create', 'service', 'clusterip', 'headless', '--clusterip=None', '--tcp=5432'] },
      { file: 'service-nodeport', name: 'np', args: ['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080'] },
      { file: 'service-externalname', name: 'ext', args: ['create', 'service', 'externalname', 'ext', '--external-name=example.com'] },
      { file: 'service-loadbalancer', name: 'lb', args: ['create', 'service', 'loadbalancer', 'lb', '--tcp=443:8443', '--tcp=80:http'] },
      { file: 'serviceaccount-robot', name: 'robot', args: ['create', 'serviceaccount', 'robot'] },
      { file: 'resourcequota-compute', name: 'compute', args: ['create', 'quota', 'compute', '--hard=cpu=2,memory=4Gi,pods=10', '--scopes=NotTerminating'] },
      { file: 'job-once', name: 'once', args: ['create', 'job', 'once', '--image=busybox', '--', 'date'] },
      { file: 'cronjob-nightly', name: 'nightly', args: ['create', 'cronjob', 'nightly', '--image=busybox', '--schedule=0 3 * * *', '--restart=OnFailure', '--', 'date'] },
      // A kind the decoder has no message for: the test expects 415 naming it.
      { file: 'unsupported-priorityclass', name: 'high', args: ['create', 'priorityclass', 'high', '--value=1000', '--description=important'] },
    ];

    for (const c of cases) {
      currentName = c.name;
      const base = ['--kubeconfig', kubeconfig, '--cache-dir', join(tmp, 'cache')];
      const before = captures.length;
      try {
        await run(kubectl, [...base, ...c.args], { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: tmp } });
      } catch (err) {
        console.error(`${c.file}: kubectl failed: ${(err as Error).message}`);
        continue;
      }
      const posted = captures.slice(before);
      if (posted.length !== 1) {
        console.error(`${c.file}: expected one POST, saw ${posted.length}`);
        continue;
      }
      const cap = posted[0];
      if (!cap.contentType.startsWith(PROTOBUF)) {
        console.error(`${c.file}: body was ${cap.contentType}, not protobuf; skipped`);
        continue;
      }
      const dry = await run(kubectl, [...base, ...c.args.slice(0, argsEnd(c.args)), '-o', 'json', '--dry-run=client', ...c.args.slice(argsEnd(c.args))], {
        env: { ...process.env, KUBECONFIG: kubeconfig, HOME: tmp },
      });
      await writeFile(join(outDir, `${c.file}.bin`), cap.body);
      await writeFile(join(outDir, `${c.file}.json`), JSON.stringify(JSON.parse(dry.stdout), null, 2) + '\n');
      console.log(`${c.file}: ${cap.body.length} bytes POSTed to ${cap.path}`);
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The repository root: the nearest folder above this file with a package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found');
    dir = up;
  }
  return dir;
}

/** Flags must go before `--` (the container command), so insert there. */
function argsEnd(args: string[]): number {
  const i = args.indexOf('--');
  return i < 0 ? args.length : i;
}

await main();
