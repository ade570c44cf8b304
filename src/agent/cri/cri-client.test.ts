import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { criMethods, decodeMessage, encodeMessage } from './cri-codec.js';
import { CriClient } from './cri-client.js';
import { CriAlreadyExistsError, CriCancelledError, CriNotFoundError, CriRequestRejectedError, CriTimeoutError, CriUnavailableError } from './cri-errors.js';
import type { PodSandboxConfig } from './cri-types.js';

/** A fake CRI server speaking the same codec: records requests, answers from `handlers`. */
type Handler = (req: any) => any | Promise<any>;
const received: { method: string; req: any }[] = [];
const handlers: Record<string, Handler> = {
  Version: () => ({ version: '0.1.0', runtime_name: 'fake', runtime_version: 'v0', runtime_api_version: 'v1' }),
  RunPodSandbox: (req) => {
    if (req.config.metadata.name === 'dup') {
      throw Object.assign(new Error(), {
        code: grpc.status.UNKNOWN,
        details: 'failed to reserve sandbox name "dup_default_u_0": name "dup_default_u_0" is reserved for "0123abcd"',
      });
    }
    return { pod_sandbox_id: `sb-${req.config.metadata.name}` };
  },
  PodSandboxStatus: () => {
    throw Object.assign(new Error(), { code: grpc.status.NOT_FOUND, details: 'an error occurred when try to find sandbox "x": not found' });
  },
  CreateContainer: () => ({ container_id: 'ctr-1' }),
  ExecSync: () => ({ stdout: Buffer.from('hi\n'), stderr: Buffer.alloc(0), exit_code: 3 }),
  ImageStatus: () => ({}),
  ListContainers: () => ({ containers: [{ id: 'c1', state: 'CONTAINER_RUNNING', created_at: '1732700000123456789' }] }),
  Status: () => new Promise((resolve) => setTimeout(() => resolve({}), 2000)),
};

let server: grpc.Server;
let dir: string;
let socket: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-cri-test-'));
  socket = path.join(dir, 'cri.sock');
  server = new grpc.Server();
  for (const service of ['RuntimeService', 'ImageService']) {
    const def: Record<string, grpc.MethodDefinition<any, any>> = {};
    const impl: grpc.UntypedServiceImplementation = {};
    for (const m of criMethods().values()) {
      if (m.service !== service) continue;
      def[m.name] = {
        path: m.path,
        requestStream: false,
        responseStream: false,
        requestSerialize: (v: any) => encodeMessage(m.requestType, v),
        requestDeserialize: (b: Buffer) => decodeMessage(m.requestType, b),
        responseSerialize: (v: any) => encodeMessage(m.responseType, v),
        responseDeserialize: (b: Buffer) => decodeMessage(m.responseType, b),
      };
      impl[m.name] = (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) => {
        received.push({ method: m.name, req: call.request });
        const h = handlers[m.name];
        if (!h) return callback({ code: grpc.status.UNIMPLEMENTED, details: 'not in fake' });
        Promise.resolve()
          .then(() => h(call.request))
          .then((res) => callback(null, res), (err) => callback(err));
      };
    }
    server.addService(def, impl);
  }
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
});

after(async () => {
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const sandbox: PodSandboxConfig = {
  metadata: { name: 'p', uid: 'u', namespace: 'default' },
  hostname: 'p',
  log_directory: '/var/log/pods/default_p_u',
  linux: { cgroup_parent: '/orch-t/podu' },
};

test('version round-trips through a gRPC server on a unix socket', async () => {
  const cri = new CriClient({ socket });
  try {
    assert.deepEqual(await cri.version(), { version: '0.1.0', runtime_name: 'fake', runtime_version: 'v0', runtime_api_version: 'v1' });
    assert.equal(received.at(-1)?.req.version, 'v1');
  } finally {
    cri.close();
  }
});

test('a reserved name (code 2) is a CriAlreadyExistsError with the id holding it', async () => {
  const cri = new CriClient({ socket });
  try {
    assert.equal(await cri.runPodSandbox(sandbox), 'sb-p');
    const err = await cri.runPodSandbox({ ...sandbox, metadata: { ...sandbox.metadata, name: 'dup' } }).catch((e) => e);
    assert.ok(err instanceof CriAlreadyExistsError, String(err));
    assert.equal(err.code, 2);
    assert.equal(err.existingId, '0123abcd');
    assert.equal(err.method, 'RunPodSandbox');
  } finally {
    cri.close();
  }
});

test('NOT_FOUND is a CriNotFoundError', async () => {
  const cri = new CriClient({ socket });
  try {
    await assert.rejects(cri.podSandboxStatus('x'), (e) => e instanceof CriNotFoundError && e.code === 5);
  } finally {
    cri.close();
  }
});

test('containers get a private PID namespace unless they ask for another', async () => {
  const cri = new CriClient({ socket });
  try {
    await cri.createContainer('sb-p', { metadata: { name: 'c' }, image: { image: 'orch.local/busybox:1' } }, sandbox);
    let req = received.at(-1)!.req;
    assert.equal(req.config.linux.security_context.namespace_options.pid, 'CONTAINER');
    assert.equal(req.sandbox_config.metadata.uid, 'u');
    await cri.createContainer(
      'sb-p',
      { metadata: { name: 'c' }, image: { image: 'orch.local/busybox:1' }, linux: { security_context: { namespace_options: { pid: 'POD' }, privileged: true } } },
      sandbox,
    );
    req = received.at(-1)!.req;
    assert.equal(req.config.linux.security_context.namespace_options.pid, 'POD');
    assert.equal(req.config.linux.security_context.privileged, true);
  } finally {
    cri.close();
  }
});

test('requests known to hurt containerd are refused before sending', async () => {
  const cri = new CriClient({ socket, cgroupParentRoot: '/orch-t' });
  const before = received.length;
  try {
    await assert.rejects(cri.createContainer('sb', { metadata: { name: 'c' }, image: { image: 'x' } }, undefined as any), CriRequestRejectedError);
    await assert.rejects(cri.runPodSandbox({ ...sandbox, log_directory: 'relative/logs' }), /log_directory must be absolute/);
    await assert.rejects(cri.runPodSandbox({ ...sandbox, linux: { cgroup_parent: 'kubepods.slice' } }), /systemd slice/);
    await assert.rejects(cri.runPodSandbox({ ...sandbox, linux: { cgroup_parent: '/k8s.io/x' } }), /must lie under \/orch-t/);
    await assert.rejects(cri.runPodSandbox({ ...sandbox, linux: undefined }), /must lie under/);
    assert.equal(received.length, before, 'nothing reached the server');
    assert.equal(await cri.runPodSandbox(sandbox), 'sb-p');
  } finally {
    cri.close();
  }
});

test('execSync returns output as buffers and a non-zero exit code without throwing', async () => {
  const cri = new CriClient({ socket });
  try {
    const res = await cri.execSync('c', ['sh', '-c', 'echo hi; exit 3'], 5);
    assert.equal(res.stdout.toString(), 'hi\n');
    assert.equal(res.stderr.length, 0);
    assert.equal(res.exit_code, 3);
    assert.equal(received.at(-1)!.req.timeout, '5');
  } finally {
    cri.close();
  }
});

test('a missing image is image: null; list results keep int64 as strings', async () => {
  const cri = new CriClient({ socket });
  try {
    assert.deepEqual(await cri.imageStatus('orch.local/nope:1'), { image: null, info: {} });
    const [c] = await cri.listContainers({ state: { state: 'CONTAINER_RUNNING' } });
    assert.equal(c.created_at, '1732700000123456789');
    assert.equal(c.metadata, null);
    assert.equal(received.at(-1)!.req.filter.state.state, 'CONTAINER_RUNNING');
  } finally {
    cri.close();
  }
});

test('deadlines and aborts are typed', async () => {
  const cri = new CriClient({ socket });
  try {
    await assert.rejects(cri.status(false, { timeoutMs: 100 }), CriTimeoutError);
    const ac = new AbortController();
    const p = cri.status(false, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(p, CriCancelledError);
  } finally {
    cri.close();
  }
});

test('a socket nobody listens on is CriUnavailableError when not waiting for ready', async () => {
  const cri = new CriClient({ socket: path.join(dir, 'nobody.sock'), waitForReady: false });
  try {
    await assert.rejects(cri.version({ timeoutMs: 5000 }), CriUnavailableError);
  } finally {
    cri.close();
  }
});
