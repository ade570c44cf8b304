/**
 * Durability of the real `orch server` binary on each backend: acknowledged writes survive
 * SIGKILL in the middle of a write load, optimistic concurrency lets exactly one of two
 * racing updates win, and a watch resumes across a restart without gaps, duplicates or 410.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestClient } from '../support/http.js';
import { startEtcd, type EtcdServer } from '../support/etcd.js';
import type { OrchServer } from '../support/orch-process.js';
import { ConfigMapWriteLoad, WatchStream, brief, clientFor, readAccess, restartServer, startServer, waitFor, within, type WatchEvent } from '../support/load.js';

const rv = (o: any): number => Number(o?.metadata?.resourceVersion);
// Every step is bounded: a server that stops answering fails the test, and `after` still cleans up.
const BOUNDED = { timeout: 120_000 };

for (const backend of ['sqlite', 'etcd'] as const) {
  describe(`durability of orch server on ${backend}`, () => {
    let s: OrchServer | undefined;
    let etcd: EtcdServer | undefined;
    let tc: TestClient | undefined;
    const streams: WatchStream[] = [];

    const reconnect = async () => {
      tc?.close();
      tc = await clientFor(s!.kubeconfig);
      return tc;
    };
    const watch = async (path: string) => {
      const w = new WatchStream(await readAccess(s!.kubeconfig), path);
      streams.push(w);
      return w;
    };
    const ok = async (p: Promise<{ status: number; text: string; body: any }>, status: number, what: string) => {
      const r = await p;
      assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
      return r.body;
    };

    before(async () => {
      // Our own etcd, so it is stopped even if the server never comes up.
      if (backend === 'etcd') etcd = await startEtcd();
      s = await startServer({ backend, etcd });
      await reconnect();
    }, BOUNDED);
    after(async () => {
      await Promise.all(streams.map((w) => w.close()));
      tc?.close();
      // Stops the server by PID and removes its data dir; then etcd (by PID).
      await s?.cleanup();
      await etcd?.stop();
    }, BOUNDED);

    it('lets exactly one of two concurrent updates from the same resourceVersion win; the other gets 409', BOUNDED, async () => {
      const c = tc!;
      const ns = 'race';
      await ok(c.post('/api/v1/namespaces', { metadata: { name: ns } }), 201, 'create namespace');
      const path = `/api/v1/namespaces/${ns}/configmaps/contended`;
      await ok(c.post(`/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'contended' }, data: { round: '-1' } }), 201, 'create');
      // Two sockets already open, so both requests leave at once rather than one waiting on a handshake.
      await Promise.all([c.get(path), c.get(path)]);
      for (let round = 0; round < 20; round++) {
        const cur = await ok(c.get(path), 200, 'read');
        const put = (who: string) => c.put(path, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'contended', resourceVersion: cur.metadata.resourceVersion }, data: { round: String(round), who } });
        // Even rounds race two PUTs; odd rounds race a PUT against a merge patch carrying the same precondition.
        const [a, b] = await Promise.all([
          put('a'),
          round % 2 === 0 ? put('b') : c.patch(path, { metadata: { resourceVersion: cur.metadata.resourceVersion }, data: { round: String(round), who: 'b' } }, 'application/merge-patch+json'),
        ]);
        const codes = [a.status, b.status].sort();
        assert.deepEqual(codes, [200, 409], `round ${round}: ${a.status} ${a.text.slice(0, 200)} / ${b.status} ${b.text.slice(0, 200)}`);
        const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
        assert.equal(loser.body.reason, 'Conflict');
        assert.equal(loser.body.code, 409);
        const now = await ok(c.get(path), 200, 'read back');
        assert.equal(now.data.who, winner.body.data.who, `round ${round}: the stored object is the winner's`);
        assert.equal(now.data.round, String(round));
        assert.equal(now.metadata.resourceVersion, winner.body.metadata.resourceVersion);
        assert.ok(rv(now) > rv(cur));
      }
    });

    it('resumes a watch across a SIGTERM restart from the last seen resourceVersion: exactly the new events', BOUNDED, async () => {
      let c = tc!;
      const ns = 'resume';
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await ok(c.post('/api/v1/namespaces', { metadata: { name: ns } }), 201, 'create namespace');
      await ok(c.post(base, { metadata: { name: 'keep' }, data: { v: '0' } }), 201, 'create keep');
      const list = await ok(c.get(base), 200, 'list');
      const w1 = await watch(`${base}?resourceVersion=${list.metadata.resourceVersion}`);
      const a1 = await ok(c.post(base, { metadata: { name: 'tmp-1' }, data: { v: '0' } }), 201, 'create tmp-1');
      const keep = await ok(c.get(`${base}/keep`), 200, 'get keep');
      const a2 = await ok(c.put(`${base}/keep`, { ...keep, data: { v: '1' } }), 200, 'update keep');
      await ok(c.delete(`${base}/tmp-1`), 200, 'delete tmp-1');
      const before = await w1.waitForEvents(3);
      assert.deepEqual(before.map(brief), [`ADDED tmp-1 ${rv(a1)}`, `MODIFIED keep ${rv(a2)}`, `DELETED tmp-1 ${before[2].object.metadata.resourceVersion}`]);
      assert.ok(rv(before[2].object) > rv(a2));
      const lastSeen = before[before.length - 1].object.metadata.resourceVersion;

      await s!.stop('SIGTERM');
      await within(w1.ended, 10_000, 'the watch stream ending with the server');
      assert.equal(w1.events.length, 3, `nothing else arrived: ${w1.events.map(brief).join(', ')}`);
      s = await restartServer(s!, { backend, etcd });
      c = await reconnect();

      const b1 = await ok(c.post(base, { metadata: { name: 'tmp-2' }, data: { v: '0' } }), 201, 'create tmp-2');
      const keep2 = await ok(c.get(`${base}/keep`), 200, 'get keep');
      assert.deepEqual(keep2.data, { v: '1' });
      const b2 = await ok(c.put(`${base}/keep`, { ...keep2, data: { v: '2' } }), 200, 'update keep');
      await ok(c.delete(`${base}/tmp-2`), 200, 'delete tmp-2');

      const w2 = await watch(`${base}?resourceVersion=${lastSeen}`);
      const got = await w2.waitForEvents(3);
      assert.equal(w2.status, 200);
      // A write after the resumed watch started: it must come next, with nothing in between.
      const sentinel = await ok(c.post(base, { metadata: { name: 'sentinel' }, data: {} }), 201, 'create sentinel');
      await w2.waitForEvents(4);
      const expected = [`ADDED tmp-2 ${rv(b1)}`, `MODIFIED keep ${rv(b2)}`, `DELETED tmp-2 ${got[2].object.metadata.resourceVersion}`, `ADDED sentinel ${rv(sentinel)}`];
      assert.deepEqual(w2.events.map(brief), expected);
      assert.ok(!w2.events.some((e: WatchEvent) => e.type === 'ERROR'));
      const rvs = w2.events.map((e) => rv(e.object));
      assert.ok(rvs.every((r, i) => r > Number(lastSeen) && (i === 0 || r > rvs[i - 1])), `revisions strictly increase past ${lastSeen}: ${rvs}`);
      assert.deepEqual(w2.events[1].object.data, { v: '2' });
      await w2.close();
    });

    // Runs before the write load below on purpose: on a store with fewer than 5000 revisions
    // the watch cache (WatchCacheSet.start) starts its history at the current revision
    // instead of replaying, which is the case a small cluster's informers meet.
    it('resumes across a restart a watch whose last event is older than the last write (another resource was written last)', BOUNDED, async () => {
      // An informer on a quiet resource: it has seen every ConfigMap event, but the newest
      // revision before the restart belongs to a Secret. The store still holds every revision
      // (nothing is compacted), so resuming from the last ConfigMap event must not be a 410.
      let c = tc!;
      const ns = 'quiet';
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await ok(c.post('/api/v1/namespaces', { metadata: { name: ns } }), 201, 'create namespace');
      const list = await ok(c.get(base), 200, 'list');
      const w1 = await watch(`${base}?resourceVersion=${list.metadata.resourceVersion}`);
      const cm = await ok(c.post(base, { metadata: { name: 'quiet-cm' }, data: { v: '0' } }), 201, 'create configmap');
      const [seen] = await w1.waitForEvents(1);
      assert.equal(brief(seen), `ADDED quiet-cm ${rv(cm)}`);
      const lastSeen = rv(seen.object);
      const secret = await ok(c.post(`/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'later' }, stringData: { k: 'v' } }), 201, 'create secret');
      assert.ok(rv(secret) > lastSeen);

      await s!.stop('SIGTERM');
      await within(w1.ended, 10_000, 'the watch stream ending with the server');
      s = await restartServer(s!, { backend, etcd });
      c = await reconnect();

      const w2 = await watch(`${base}?resourceVersion=${lastSeen}`);
      const cur = await ok(c.get(`${base}/quiet-cm`), 200, 'get configmap');
      const upd = await ok(c.put(`${base}/quiet-cm`, { ...cur, data: { v: '1' } }), 200, 'update configmap');
      await waitFor(() => w2.events.length >= 1, 15_000, () => 'an event on the resumed watch');
      assert.deepEqual(w2.events.map(brief), [`MODIFIED quiet-cm ${rv(upd)}`], `resuming from rv ${lastSeen} (secret written at ${rv(secret)}) after a restart`);
      await w2.close();
    });

    it('keeps every acknowledged write when SIGKILLed under a concurrent write load', BOUNDED, async (t) => {
      const ns = 'load';
      await ok(tc!.post('/api/v1/namespaces', { metadata: { name: ns } }), 201, 'create namespace');
      const load = new ConfigMapWriteLoad(tc!, ns, { writers: 20, updateEvery: 3 });
      const started = Date.now();
      load.start();
      // ~2 s of load, and enough acknowledged creates and updates to make the check mean something.
      await waitFor(() => Date.now() - started >= 2000 && load.acks.length >= 60 && load.updatesAcked >= 10, 60_000, () => `load to build up (acks ${load.acks.length}, updates ${load.updatesAcked}, unexpected ${load.unexpected.join(' | ')})`);
      assert.deepEqual(load.unexpected, [], 'no write failed before the kill');
      const inFlight = load.inFlight;
      const killedAfter = Date.now() - started;
      const pid = s!.proc.pid!;
      const exited = new Promise<void>((r) => (s!.proc.exitCode !== null || s!.proc.signalCode !== null ? r() : s!.proc.once('exit', () => r())));
      process.kill(pid, 'SIGKILL');
      await within(exited, 10_000, `orch server (pid ${pid}) exiting on SIGKILL`);
      assert.equal(s!.proc.signalCode, 'SIGKILL');
      await load.stop();
      assert.ok(inFlight > 0, 'writes were in flight when the server was killed');
      assert.ok(load.transportErrors > 0, 'the kill cut writes off mid-request');
      assert.deepEqual(load.unexpected, []);

      s = await restartServer(s!, { backend, etcd });
      const c = await reconnect();
      const list = await ok(c.get(`/api/v1/namespaces/${ns}/configmaps?labelSelector=load%3Dtrue`), 200, 'list after restart');
      const stored = new Map<string, any>(list.items.map((i: any) => [i.metadata.name, i]));
      const latest = load.latestAcks();
      const problems: string[] = [];
      for (const [name, ack] of latest) {
        const obj = stored.get(name);
        if (!obj) {
          problems.push(`${name}: acknowledged (${ack.op} at rv ${ack.rv}) but missing`);
          continue;
        }
        const sent = load.attempts.get(name)!;
        const storedV = Number(obj.data?.v);
        if (rv(obj) < ack.rv) problems.push(`${name}: stored rv ${rv(obj)} < acknowledged rv ${ack.rv}`);
        else if (rv(obj) === ack.rv && JSON.stringify(obj.data) !== JSON.stringify(ack.data)) problems.push(`${name}: at the acknowledged rv ${ack.rv} the data differs: ${JSON.stringify(obj.data)}`);
        // A newer stored version can only be a write that was sent but whose reply the kill lost.
        else if (rv(obj) > ack.rv && !(storedV > ack.v && JSON.stringify(obj.data) === JSON.stringify(sent[storedV]))) problems.push(`${name}: stored rv ${rv(obj)} > acked ${ack.rv} but the data is no write that was sent: ${JSON.stringify(obj.data)}`);
      }
      for (const [name, obj] of stored) {
        const sent = load.attempts.get(name);
        if (!sent) problems.push(`${name}: stored but never written`);
        else if (JSON.stringify(obj.data) !== JSON.stringify(sent[Number(obj.data?.v)])) problems.push(`${name}: stored data is no write that was sent: ${JSON.stringify(obj.data)}`);
      }
      assert.deepEqual(problems, [], `after SIGKILL and restart (${load.acks.length} acknowledged writes):\n${problems.slice(0, 20).join('\n')}`);
      const unackedButStored = [...stored.keys()].filter((n) => !latest.has(n)).length + [...latest].filter(([n, a]) => rv(stored.get(n)) > a.rv).length;
      t.diagnostic(`${load.acks.length} writes acknowledged (${load.updatesAcked} updates) in ${killedAfter} ms; ${inFlight} in flight at the kill; ${unackedButStored} committed without an acknowledgement`);
      for (const [name, ack] of [...latest].slice(0, 25)) {
        const got = await ok(c.get(`/api/v1/namespaces/${ns}/configmaps/${name}`), 200, `GET ${name}`);
        assert.ok(rv(got) >= ack.rv);
      }

      // The server carries on: revisions move forward from past every acknowledged one.
      const maxAcked = Math.max(...load.acks.map((a) => a.rv));
      const fresh = await ok(c.post(`/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'after-crash' }, data: { ok: 'yes' } }), 201, 'create after restart');
      assert.ok(rv(fresh) > maxAcked, `a new write's rv ${rv(fresh)} is above every acknowledged rv (max ${maxAcked})`);
      const again = await ok(c.get(`/api/v1/namespaces/${ns}/configmaps`), 200, 'list after new write');
      assert.ok(Number(again.metadata.resourceVersion) >= rv(fresh), `list rv ${again.metadata.resourceVersion} >= ${rv(fresh)}`);
      assert.ok(Number(again.metadata.resourceVersion) > maxAcked);
      assert.ok(again.items.some((i: any) => i.metadata.name === 'after-crash'));
      const upd = await ok(c.put(`/api/v1/namespaces/${ns}/configmaps/after-crash`, { ...fresh, data: { ok: 'still' } }), 200, 'update after restart');
      assert.ok(rv(upd) > rv(fresh));
    });
  });
}
