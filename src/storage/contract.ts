/**
 * The behaviour every Store backend must show, run by each backend's test file so that
 * SQLite and etcd cannot drift apart. Tests run one at a time; each works under its own
 * random key prefix, so a backend may share one server between them, and revision
 * assertions are relative to what the test itself wrote.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isStorageError, type StorageErrorCode } from './errors.js';
import type { KeyValue, Store, WatchEvent } from './store.js';

export type OpenStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const sameBytes = (actual: Uint8Array, expected: Uint8Array, what: string) =>
  assert.ok(
    Buffer.from(actual).equals(Buffer.from(expected)),
    `${what}: expected ${expected.length} bytes ${Buffer.from(expected).toString('hex').slice(0, 64)}, got ${actual.length} bytes ${Buffer.from(actual).toString('hex').slice(0, 64)}`,
  );

async function rejectsWith(promise: Promise<unknown>, code: StorageErrorCode): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isStorageError(err, code), `expected StorageError ${code}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected StorageError ${code}, but the call succeeded`);
}

/** Records a watch and lets a test wait for a condition on what arrived. */
function record(store: Store, prefix: string, from: number) {
  const batches: WatchEvent[][] = [];
  const errors: Error[] = [];
  let wake = () => {};
  const watch = store.watch(prefix, from, {
    onEvents: (events) => {
      batches.push(events);
      wake();
    },
    onError: (err) => {
      errors.push(err);
      wake();
    },
  });
  const events = () => batches.flat();
  const until = async (done: () => boolean, what: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const got = events().map((e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}`);
        assert.fail(`timed out waiting for ${what}; got events [${got.join(', ')}] errors [${errors.join(', ')}]`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  return { batches, errors, events, until, close: () => watch.close() };
}

export function runStorageContract(name: string, open: OpenStore): void {
  describe(`storage contract: ${name}`, () => {
    let store: Store;
    let cleanup: (() => Promise<void>) | undefined;
    let p: string;

    before(async () => {
      ({ store, cleanup } = await open());
    });
    after(async () => {
      await cleanup?.();
    });
    beforeEach(() => {
      p = `/registry/c${randomUUID().slice(0, 8)}/`;
    });

    it('creates a key, reads it back, and refuses a second create with AlreadyExists', async () => {
      const kv = await store.create(`${p}a`, enc('one'));
      assert.equal(kv.key, `${p}a`);
      assert.equal(kv.createRevision, kv.modRevision);
      sameBytes(kv.value, enc('one'), 'create result');
      const got = await store.get(`${p}a`);
      assert.ok(got, 'get after create returned nothing');
      assert.equal(got.modRevision, kv.modRevision);
      assert.equal(got.createRevision, kv.createRevision);
      sameBytes(got.value, enc('one'), 'get after create');
      await rejectsWith(store.create(`${p}a`, enc('two')), 'AlreadyExists');
      sameBytes((await store.get(`${p}a`))!.value, enc('one'), 'value after refused create');
      assert.equal(await store.get(`${p}missing`), undefined);
    });

    it('updates only at the expected revision: Conflict on a stale one, NotFound when absent', async () => {
      const v1 = await store.create(`${p}a`, enc('v1'));
      const v2 = await store.update(`${p}a`, enc('v2'), v1.modRevision);
      assert.ok(v2.modRevision > v1.modRevision);
      assert.equal(v2.createRevision, v1.createRevision);
      sameBytes(v2.value, enc('v2'), 'update result');
      const err = await rejectsWith(store.update(`${p}a`, enc('v3'), v1.modRevision), 'Conflict');
      assert.equal((err as { revision?: number }).revision, v2.modRevision, 'Conflict carries the current revision');
      sameBytes((await store.get(`${p}a`))!.value, enc('v2'), 'value after refused update');
      await rejectsWith(store.update(`${p}missing`, enc('x'), v1.modRevision), 'NotFound');
    });

    it('deletes with a matching revision or none, returns the last value, and refuses a stale revision', async () => {
      const a = await store.create(`${p}a`, enc('a1'));
      const b = await store.create(`${p}b`, enc('b1'));
      await rejectsWith(store.delete(`${p}a`, a.modRevision - 1), 'Conflict');
      const gone = await store.delete(`${p}a`, a.modRevision);
      assert.ok(gone.modRevision > b.modRevision, 'a delete gets its own new revision');
      assert.equal(gone.createRevision, a.createRevision);
      sameBytes(gone.value, enc('a1'), 'deleted value');
      assert.equal(await store.get(`${p}a`), undefined);
      const goneB = await store.delete(`${p}b`);
      sameBytes(goneB.value, enc('b1'), 'deleted value without revision');
      await rejectsWith(store.delete(`${p}b`), 'NotFound');
      await rejectsWith(store.update(`${p}b`, enc('x'), goneB.modRevision), 'NotFound');
      const again = await store.create(`${p}a`, enc('a2'));
      assert.ok(again.createRevision > gone.modRevision, 'a re-created key starts a new life');
    });

    it('gives every write a new, strictly increasing revision and reports the latest', async () => {
      const before = await store.currentRevision();
      const revs: number[] = [];
      const k = await store.create(`${p}k`, enc('0'));
      revs.push(k.modRevision);
      let last = k;
      for (let i = 1; i <= 5; i++) {
        last = await store.update(`${p}k`, enc(String(i)), last.modRevision);
        revs.push(last.modRevision);
      }
      revs.push((await store.delete(`${p}k`)).modRevision);
      assert.ok(revs[0] > before, `first write ${revs[0]} is not above the revision before it ${before}`);
      for (let i = 1; i < revs.length; i++) assert.ok(revs[i] > revs[i - 1], `revisions not increasing: ${revs}`);
      assert.equal(await store.currentRevision(), revs[revs.length - 1]);
    });

    it('lists by key order, pages with limit/after and a more flag, and counts live keys', async () => {
      const names = ['m', 'c', 'x', 'a', 'q', 'f', 'z'];
      for (const n of names) await store.create(`${p}${n}`, enc(n));
      await store.delete(`${p}q`);
      const expected = names.filter((n) => n !== 'q').sort().map((n) => `${p}${n}`);
      const all = await store.list(p);
      assert.deepEqual(all.items.map((i) => i.key), expected);
      assert.equal(all.more, false);
      assert.equal(all.revision, await store.currentRevision());
      assert.equal(await store.count(p), expected.length);

      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await store.list(p, { limit: 2, after, revision: all.revision });
        pages++;
        seen.push(...page.items.map((i) => i.key));
        assert.equal(page.revision, all.revision);
        if (!page.more) break;
        assert.equal(page.items.length, 2);
        after = page.items[page.items.length - 1].key;
      }
      assert.deepEqual(seen, expected);
      assert.equal(pages, 3, 'six keys in pages of two: the third page is the last');
      const belowPrefix = await store.list(p, { after: '/' });
      assert.deepEqual(belowPrefix.items.map((i) => i.key), expected, 'an `after` below the prefix does not widen the range');
      const exact = await store.list(p, { limit: expected.length });
      assert.equal(exact.more, false, 'a limit that fits every key exactly leaves no more');
    });

    it('lists at an older revision as the keys were then', async () => {
      const a = await store.create(`${p}a`, enc('a1'));
      const b = await store.create(`${p}b`, enc('b1'));
      const then = b.modRevision;
      await store.update(`${p}a`, enc('a2'), a.modRevision);
      await store.delete(`${p}b`);
      await store.create(`${p}c`, enc('c1'));
      const old = await store.list(p, { revision: then });
      assert.equal(old.revision, then);
      assert.deepEqual(old.items.map((i) => [i.key, dec(i.value), i.modRevision]), [
        [`${p}a`, 'a1', a.modRevision],
        [`${p}b`, 'b1', b.modRevision],
      ]);
      const now = await store.list(p);
      assert.deepEqual(now.items.map((i) => [i.key, dec(i.value)]), [
        [`${p}a`, 'a2'],
        [`${p}c`, 'c1'],
      ]);
      const firstPage = await store.list(p, { revision: then, limit: 1 });
      assert.deepEqual(firstPage.items.map((i) => i.key), [`${p}a`]);
      assert.equal(firstPage.more, true);
    });

    it('keeps prefixes apart: /pods/ does not see /podsx/', async () => {
      await store.create(`${p}pods/ns/a`, enc('pod'));
      await store.create(`${p}podsx/ns/a`, enc('other'));
      await store.create(`${p}pod`, enc('shorter'));
      const w = record(store, `${p}pods/`, await store.currentRevision());
      try {
        const list = await store.list(`${p}pods/`);
        assert.deepEqual(list.items.map((i) => i.key), [`${p}pods/ns/a`]);
        assert.equal(await store.count(`${p}pods/`), 1);
        await store.create(`${p}podsx/ns/b`, enc('other'));
        const mine = await store.create(`${p}pods/ns/b`, enc('pod'));
        await w.until(() => w.events().some((e) => e.kv.modRevision === mine.modRevision), 'the /pods/ create');
        assert.deepEqual(w.events().map((e) => e.kv.key), [`${p}pods/ns/b`]);
      } finally {
        w.close();
      }
    });

    it('replays history then streams live changes in revision order, with no gap or duplicate', async () => {
      const keys = Array.from({ length: 10 }, (_, i) => `${p}k${i}`);
      const written: KeyValue[] = [];
      for (const k of keys) written.push(await store.create(k, enc(`${k}=0`)));
      await store.create(`/registry/elsewhere-${randomUUID()}`, enc('not mine'));
      const from = written[4].modRevision;
      const expected = written.slice(5).map((kv) => kv.modRevision);

      const w = record(store, p, from);
      try {
        // Live writes race the replay: they must land after it, each exactly once.
        const live = await Promise.all([
          store.update(keys[0], enc('k0=1'), written[0].modRevision),
          store.delete(keys[1], written[1].modRevision),
          store.create(`${p}k10`, enc('k10=0')),
        ]);
        const more = await store.update(keys[0], enc('k0=2'), live[0].modRevision);
        expected.push(...live.map((kv) => kv.modRevision).sort((x, y) => x - y), more.modRevision);
        const last = expected[expected.length - 1];
        await w.until(() => w.events().some((e) => e.kv.modRevision >= last), `revision ${last}`);
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(w.events().map((e) => e.kv.modRevision), expected);
        assert.deepEqual(w.errors, []);

        const byRev = new Map(w.events().map((e) => [e.kv.modRevision, e]));
        const created = byRev.get(written[5].modRevision)!;
        assert.equal(created.type, 'create');
        assert.equal(created.prev, undefined);
        const updated = byRev.get(live[0].modRevision)!;
        assert.equal(updated.type, 'update');
        assert.equal(dec(updated.kv.value), 'k0=1');
        assert.equal(updated.prev?.modRevision, written[0].modRevision);
        assert.equal(dec(updated.prev!.value), `${keys[0]}=0`);
        const deleted = byRev.get(live[1].modRevision)!;
        assert.equal(deleted.type, 'delete');
        assert.equal(deleted.kv.key, keys[1]);
        assert.equal(dec(deleted.kv.value), `${keys[1]}=0`, 'a delete event carries the last value');
        assert.equal(deleted.prev?.modRevision, written[1].modRevision);
      } finally {
        w.close();
      }
    });

    it('delivers only later revisions to a watch that starts ahead of the store', async () => {
      const ahead = (await store.currentRevision()) + 1;
      const w = record(store, p, ahead);
      try {
        const first = await store.create(`${p}a`, enc('1'));
        assert.equal(first.modRevision, ahead, 'no other writer shares this store during the test');
        const second = await store.update(`${p}a`, enc('2'), first.modRevision);
        await w.until(() => w.events().length > 0, 'the second write');
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(w.events().map((e) => e.kv.modRevision), [second.modRevision]);
      } finally {
        w.close();
      }
    });

    it('stops delivering once a watch is closed', async () => {
      const w = record(store, p, await store.currentRevision());
      const a = await store.create(`${p}a`, enc('1'));
      await w.until(() => w.events().length === 1, 'the first event');
      w.close();
      await store.update(`${p}a`, enc('2'), a.modRevision);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(w.events().length, 1);
    });

    it('compacts history: old watches and lists fail with Compacted, current data stays', async () => {
      const a = await store.create(`${p}a`, enc('a1'));
      const b = await store.create(`${p}b`, enc('b1'));
      const a2 = await store.update(`${p}a`, enc('a2'), a.modRevision);
      await store.delete(`${p}b`, b.modRevision);
      const c = await store.create(`${p}c`, enc('c1'));
      await store.compact(c.modRevision);
      assert.equal(await store.compactedRevision(), c.modRevision);

      const w = record(store, p, a.modRevision);
      try {
        await w.until(() => w.errors.length > 0, 'a Compacted error');
        const err = w.errors[0];
        assert.ok(isStorageError(err, 'Compacted'), `expected Compacted, got ${String(err)}`);
        assert.equal(err.revision, c.modRevision, 'Compacted names the oldest revision still available');
        assert.deepEqual(w.events(), []);
      } finally {
        w.close();
      }
      await rejectsWith(store.list(p, { revision: a2.modRevision }), 'Compacted');

      const now = await store.list(p);
      assert.deepEqual(now.items.map((i) => [i.key, dec(i.value), i.modRevision]), [
        [`${p}a`, 'a2', a2.modRevision],
        [`${p}c`, 'c1', c.modRevision],
      ]);
      assert.equal((await store.get(`${p}a`))?.createRevision, a.createRevision);
      const at = await store.list(p, { revision: c.modRevision });
      assert.equal(at.items.length, 2, 'the compaction revision itself is still readable');

      const fresh = record(store, p, c.modRevision);
      try {
        const a3 = await store.update(`${p}a`, enc('a3'), a2.modRevision);
        await fresh.until(() => fresh.events().length === 1, 'an event after the compaction point');
        assert.equal(fresh.events()[0].kv.modRevision, a3.modRevision);
        assert.equal(fresh.events()[0].prev?.modRevision, a2.modRevision);
      } finally {
        fresh.close();
      }
    });

    it('lets 100 concurrent creates all succeed with distinct revisions', async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => store.create(`${p}n${String(i).padStart(3, '0')}`, enc(`v${i}`))),
      );
      const revs = new Set(results.map((r) => r.modRevision));
      assert.equal(revs.size, 100);
      assert.equal(await store.count(p), 100);
      for (const r of results) sameBytes((await store.get(r.key))!.value, r.value, r.key);
    });

    it('lets exactly one of two concurrent updates from the same revision win', async () => {
      const base = await store.create(`${p}race`, enc('base'));
      const outcomes = await Promise.allSettled([
        store.update(`${p}race`, enc('left'), base.modRevision),
        store.update(`${p}race`, enc('right'), base.modRevision),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      assert.equal(won.length, 1, `expected one winner, got ${won.length}`);
      assert.ok(isStorageError(lost[0].reason, 'Conflict'), `loser got ${String(lost[0].reason)}`);
      const winner = (won[0] as PromiseFulfilledResult<KeyValue>).value;
      const now = await store.get(`${p}race`);
      assert.equal(now?.modRevision, winner.modRevision);
      sameBytes(now!.value, winner.value, 'stored winner');
    });

    it('returns values byte-exact: empty, binary, invalid UTF-8, large', async () => {
      const large = new Uint8Array(256 * 1024);
      for (let i = 0; i < large.length; i++) large[i] = (i * 7919) & 0xff;
      const values: [string, Uint8Array][] = [
        ['empty', new Uint8Array(0)],
        ['binary', Uint8Array.from([0, 1, 2, 0xff, 0xfe, 0, 0x80])],
        ['invalid-utf8', Uint8Array.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28])],
        ['unicode', enc('héllo ✓ 🌍')],
        ['large', large],
      ];
      const w = record(store, p, await store.currentRevision());
      try {
        for (const [n, v] of values) {
          const kv = await store.create(`${p}${n}`, v);
          sameBytes(kv.value, v, `${n} create result`);
          sameBytes((await store.get(`${p}${n}`))!.value, v, `${n} get`);
        }
        const listed = await store.list(p);
        for (const item of listed.items) {
          sameBytes(item.value, values.find(([n]) => `${p}${n}` === item.key)![1], `${item.key} list`);
        }
        await w.until(() => w.events().length === values.length, 'an event per value');
        for (const e of w.events()) {
          sameBytes(e.kv.value, values.find(([n]) => `${p}${n}` === e.kv.key)![1], `${e.kv.key} watch`);
        }
      } finally {
        w.close();
      }
    });
  });
}
