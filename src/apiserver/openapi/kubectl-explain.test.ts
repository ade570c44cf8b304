/**
 * The real kubectl against orch's discovery and OpenAPI documents, served by a bare
 * node:http server on 127.0.0.1 (no API server, no storage): proves that kubectl resolves
 * every resource and short name, explains kinds from orch's own schema in both OpenAPI
 * versions, and switches to server-side field validation.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RESOURCES, groupVersion } from '../../api/resources.js';
import { typeDef } from '../../api/schema/index.js';
import { discoveryResponse } from '../discovery.js';
import { OPENAPI_V2_PROTOBUF, openapiV2Protobuf, wantsV2Protobuf } from './v2-protobuf.js';
import { openapiV2Document } from './v2.js';
import { openapiV3Response } from './v3.js';

const KUBECTL = '/usr/bin/kubectl';
const EXAMPLE = '/work/shared/examples/my-nginx-deployment.yaml';

interface Seen {
  method: string;
  url: string;
}

let server: Server;
let dir: string;
let port: number;
const seen: Seen[] = [];

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', message: 'not found', code: 404 }));
}

/** Serves discovery and OpenAPI; answers creates by echoing the object, anything else 404. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  seen.push({ method: req.method ?? '', url: req.url ?? '' });
  if (req.method === 'POST') {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(body);
    });
    return;
  }
  const d = discoveryResponse(url.pathname, req.headers.accept, req.headers.host);
  if (d) {
    res.writeHead(200, { 'Content-Type': d.contentType });
    res.end(d.body);
    return;
  }
  const o = openapiV3Response(url.pathname, url.searchParams.get('hash'));
  if (o) {
    res.writeHead(o.status, o.headers);
    res.end(o.body);
    return;
  }
  if (url.pathname === '/openapi/v2') {
    const pb = wantsV2Protobuf(req.headers.accept);
    res.writeHead(200, { 'Content-Type': pb ? OPENAPI_V2_PROTOBUF : 'application/json' });
    res.end(pb ? openapiV2Protobuf() : openapiV2Document().body);
    return;
  }
  notFound(res);
}

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
  const full = ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args];
  // Asynchronous on purpose: the server answering kubectl runs in this same process.
  return new Promise((resolve) => {
    execFile(KUBECTL, full, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const squash = (s: string): string => s.replace(/\s+/g, ' ');

before(async () => {
  assert.ok(existsSync(KUBECTL), `kubectl is missing: expected it at ${KUBECTL}`);
  dir = mkdtempSync(join(tmpdir(), 'orch-kubectl-explain-'));
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  writeFileSync(
    join(dir, 'kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: orch, cluster: {server: "http://127.0.0.1:' + port + '"}}]',
      'users: [{name: anonymous, user: {}}]',
      'contexts: [{name: orch, context: {cluster: orch, user: anonymous, namespace: default}}]',
      'current-context: orch',
      '',
    ].join('\n'),
  );
});

after(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('kubectl api-resources lists all resources with their short names and scope', async () => {
  const out = await ok('api-resources');
  const lines = out.trim().split('\n');
  assert.match(lines[0], /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/);
  assert.equal(lines.length - 1, RESOURCES.length, out);
  for (const r of RESOURCES) {
    const want = [r.plural, r.shortNames.join(','), groupVersion(r), String(r.namespaced), r.kind].filter(Boolean);
    assert.ok(
      lines.some((l) => l.trim().split(/\s+/).join(' ') === want.join(' ')),
      `expected a line "${want.join(' ')}" in:\n${out}`,
    );
  }
});

test('kubectl api-versions lists every served group-version', async () => {
  const out = await ok('api-versions');
  const want = [...new Set(RESOURCES.map(groupVersion))].sort();
  assert.deepEqual(out.trim().split('\n').sort(), want);
});

test('kubectl explain deployment.spec.strategy prints orch\'s descriptions', async () => {
  const out = squash(await ok('explain', 'deployment.spec.strategy'));
  assert.match(out, /GROUP: apps KIND: Deployment VERSION: v1/);
  assert.ok(out.includes(squash(typeDef('apps.v1.DeploymentSpec').properties.strategy.description)), out);
  assert.ok(out.includes(squash(typeDef('apps.v1.DeploymentStrategy').description)), out);
  assert.match(out, /rollingUpdate <RollingUpdateDeployment>/);
  assert.match(out, /type <string> enum: Recreate, RollingUpdate/);
});

test('kubectl explain pods --recursive walks the whole Pod schema', async () => {
  const out = await ok('explain', 'pods', '--recursive');
  assert.match(out, /^KIND:\s+Pod$/m);
  for (const field of ['containers\t<[]Container> -required-', 'volumeMounts\t<[]VolumeMount>', 'nodeAffinity\t<NodeAffinity>', 'podIP\t<string>']) {
    assert.ok(out.includes(field), `expected ${JSON.stringify(field)} in the recursive explain`);
  }
});

test('kubectl explain svc.spec.ports shows types, required fields and int-or-string', async () => {
  const out = await ok('explain', 'svc.spec.ports');
  assert.match(out, /FIELD: ports <\[\]ServicePort>/);
  assert.match(out, /port\t<integer> -required-/);
  assert.match(out, /targetPort\t<IntOrString>/);
  assert.ok(squash(out).includes(squash(typeDef('core.v1.ServicePort').properties.nodePort.description)), out);
});

test('kubectl explain --output=plaintext-openapiv2 reads the protobuf v2 document', async () => {
  const out = squash(await ok('explain', 'deploy', '--output=plaintext-openapiv2'));
  assert.match(out, /KIND: Deployment VERSION: apps\/v1/);
  assert.ok(out.includes(squash(typeDef('apps.v1.Deployment').description)), out);
  const strategy = squash(await ok('explain', 'deploy.spec.strategy.rollingUpdate', '--output=plaintext-openapiv2'));
  assert.ok(strategy.includes(squash(typeDef('apps.v1.RollingUpdateDeployment').properties.maxSurge.description)), strategy);
});

test('kubectl create -f asks the server to validate fields strictly', async () => {
  seen.length = 0;
  const out = await ok('create', '-f', EXAMPLE);
  assert.match(out, /deployment.apps\/my-nginx created/);
  const post = seen.find((s) => s.method === 'POST');
  assert.ok(post, `expected a POST, saw ${JSON.stringify(seen)}`);
  assert.match(post.url, /^\/apis\/apps\/v1\/namespaces\/default\/deployments\?/);
  assert.match(post.url, /fieldValidation=Strict/);
  assert.ok(!seen.some((s) => s.url.startsWith('/openapi/v2')), 'no client-side validation (which needs /openapi/v2)');
  assert.ok(readFileSync(EXAMPLE, 'utf8').includes('my-nginx'));
});
