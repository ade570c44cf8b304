import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { GrpcCallError, UnaryChannel } from './grpc-unary.js';

/** A real grpc-js server with one method that echoes its request (raw bytes) or fails on request. */
const ECHO = '/test.Echo/Call';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-grpc-unary-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function startServer(socket: string, calls: string[] = []): Promise<grpc.Server> {
  const server = new grpc.Server();
  const identity = (b: Buffer) => b;
  server.addService(
    { Call: { path: ECHO, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    {
      Call: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const text = call.request.toString();
        calls.push(text);
        if (text === 'fail') return cb({ code: grpc.status.NOT_FOUND, details: 'no such thing: 100% gone' });
        if (text === 'slow') return setTimeout(() => cb(null, Buffer.from('late')), 2000);
        if (text === 'big') return cb(null, Buffer.alloc(2048, 1));
        cb(null, Buffer.from(`echo ${text}`));
      },
    },
  );
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return server;
}

const stop = (s: grpc.Server) => new Promise<void>((r) => s.tryShutdown(() => r()));
const call = (ch: UnaryChannel, text: string, ms = 5000, signal?: AbortSignal) => ch.call({ path: ECHO, request: Buffer.from(text), deadline: Date.now() + ms, signal });
const codeOf = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof GrpcCallError, `want a GrpcCallError, got ${String(err)}`);
  return { code: err.code, details: err.details };
};

test('calls share one connection; statuses and percent-encoded messages come through', async () => {
  const socket = path.join(dir, 'a.sock');
  const server = await startServer(socket);
  const ch = new UnaryChannel({ socketPath: socket, waitForReady: true, maxMessageBytes: 1024 });
  try {
    const replies = await Promise.all(['a', 'b', 'c'].map((t) => call(ch, t)));
    assert.deepEqual(replies.map(String), ['echo a', 'echo b', 'echo c']);
    assert.deepEqual(await codeOf(call(ch, 'fail')), { code: 5, details: 'no such thing: 100% gone' });
    assert.equal((await codeOf(call(ch, 'big'))).code, 8, 'a response over the limit is RESOURCE_EXHAUSTED');
    assert.equal((await codeOf(ch.call({ path: ECHO, request: Buffer.alloc(2000), deadline: Date.now() + 1000 }))).code, 8);
    assert.equal((await codeOf(ch.call({ path: '/test.Echo/Nope', request: Buffer.from('x'), deadline: Date.now() + 1000 }))).code, 12);
  } finally {
    ch.close();
    await stop(server);
  }
});

test('deadline, abort and close end a call with DEADLINE_EXCEEDED and CANCELLED', async () => {
  const socket = path.join(dir, 'b.sock');
  const server = await startServer(socket);
  const ch = new UnaryChannel({ socketPath: socket, waitForReady: true, maxMessageBytes: 1024 });
  try {
    assert.equal((await codeOf(call(ch, 'slow', 200))).code, 4);
    const ac = new AbortController();
    const aborted = call(ch, 'slow', 5000, ac.signal);
    setTimeout(() => ac.abort(), 100);
    assert.equal((await codeOf(aborted)).code, 1);
    const closed = call(ch, 'slow');
    setTimeout(() => ch.close(), 100);
    assert.equal((await codeOf(closed)).code, 1);
    assert.equal((await codeOf(call(ch, 'a'))).code, 1, 'a closed channel takes no calls');
  } finally {
    ch.close();
    await stop(server);
  }
});

test('waitForReady: a call waits for the server to come up; without it the call is UNAVAILABLE at once', async () => {
  const socket = path.join(dir, 'c.sock');
  const eager = new UnaryChannel({ socketPath: socket, waitForReady: false, maxMessageBytes: 1024 });
  const patient = new UnaryChannel({ socketPath: socket, waitForReady: true, maxMessageBytes: 1024 });
  let server: grpc.Server | undefined;
  try {
    assert.equal((await codeOf(call(eager, 'a'))).code, 14);
    assert.equal((await codeOf(call(patient, 'a', 300))).code, 4, 'nobody came within the deadline');
    const pending = call(patient, 'late riser', 10_000);
    await new Promise((r) => setTimeout(r, 400));
    server = await startServer(socket);
    assert.equal(String(await pending), 'echo late riser');
  } finally {
    eager.close();
    patient.close();
    if (server) await stop(server);
  }
});

test('after the server restarts (as containerd does), the next call reconnects', async () => {
  const socket = path.join(dir, 'd.sock');
  const calls: string[] = [];
  let server = await startServer(socket, calls);
  const ch = new UnaryChannel({ socketPath: socket, waitForReady: true, maxMessageBytes: 1024 });
  try {
    assert.equal(String(await call(ch, 'one')), 'echo one');
    server.forceShutdown();
    fs.rmSync(socket, { force: true });
    server = await startServer(socket, calls);
    assert.equal(String(await call(ch, 'two')), 'echo two');
    assert.deepEqual(calls, ['one', 'two']);
  } finally {
    ch.close();
    await stop(server);
  }
});
