import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATA_LINK, effectiveFileMode, validatePath, writeAtomic, type Payload } from './atomic-writer.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'orch-aw-'));
const payload = (files: Record<string, string | [string, number]>): Payload =>
  new Map(Object.entries(files).map(([p, v]) => [p, typeof v === 'string' ? { data: Buffer.from(v), mode: 0o644 } : { data: Buffer.from(v[0]), mode: v[1] }]));
const tsDirs = (dir: string) => fs.readdirSync(dir).filter((n) => n.startsWith('..') && n !== DATA_LINK);

test('a first write puts files in a timestamped dir behind ..data, user-visible names are symlinks through ..data', async () => {
  const dir = tmp();
  try {
    assert.equal(await writeAtomic(dir, payload({ 'app.conf': 'a=1', 'sub/dir/key': ['k', 0o600] })), true);
    const ts = fs.readlinkSync(path.join(dir, DATA_LINK));
    assert.match(ts, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\w+$/);
    assert.deepEqual(tsDirs(dir), [ts]);
    assert.equal(fs.readlinkSync(path.join(dir, 'app.conf')), '..data/app.conf');
    assert.equal(fs.readlinkSync(path.join(dir, 'sub')), '..data/sub');
    assert.equal(fs.readFileSync(path.join(dir, 'app.conf'), 'utf8'), 'a=1');
    assert.equal(fs.readFileSync(path.join(dir, 'sub/dir/key'), 'utf8'), 'k');
    assert.equal(fs.statSync(path.join(dir, 'app.conf')).mode & 0o7777, 0o644);
    assert.equal(fs.statSync(path.join(dir, 'sub/dir/key')).mode & 0o7777, 0o600);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['..data', ts, 'app.conf', 'sub'].sort());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an update swaps ..data to a new dir, removes the old dir and names no longer in the payload', async () => {
  type Files = Record<string, string | [string, number]>;
  const cases: { name: string; first: Files; second: Files; names: string[] }[] = [
    { name: 'change a value', first: { a: 'one', b: 'two' }, second: { a: 'uno', b: 'two' }, names: ['a', 'b'] },
    { name: 'drop a key', first: { a: 'one', b: 'two' }, second: { a: 'one' }, names: ['a'] },
    { name: 'add a key', first: { a: 'one' }, second: { a: 'one', c: 'three' }, names: ['a', 'c'] },
    { name: 'file becomes nested', first: { a: 'one' }, second: { 'a/x': 'nested' }, names: ['a'] },
    { name: 'change only a mode', first: { a: 'one' }, second: { a: ['one', 0o400] }, names: ['a'] },
  ];
  for (const c of cases) {
    const dir = tmp();
    try {
      await writeAtomic(dir, payload(c.first));
      const before = fs.readlinkSync(path.join(dir, DATA_LINK));
      assert.equal(await writeAtomic(dir, payload(c.second)), true, c.name);
      const after = fs.readlinkSync(path.join(dir, DATA_LINK));
      assert.notEqual(after, before, c.name);
      assert.equal(fs.existsSync(path.join(dir, before)), false, `${c.name}: old data dir removed`);
      assert.deepEqual(tsDirs(dir), [after], c.name);
      assert.deepEqual(fs.readdirSync(dir).filter((n) => !n.startsWith('..')).sort(), c.names, c.name);
      for (const [p, v] of payload(c.second)) {
        assert.equal(fs.readFileSync(path.join(dir, p), 'utf8'), v.data.toString(), `${c.name}: ${p}`);
        assert.equal(fs.statSync(path.join(dir, p)).mode & 0o7777, v.mode, `${c.name}: mode of ${p}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('writing the same payload again changes nothing', async () => {
  const dir = tmp();
  try {
    await writeAtomic(dir, payload({ a: 'one', 'b/c': 'two' }));
    const ts = fs.readlinkSync(path.join(dir, DATA_LINK));
    assert.equal(await writeAtomic(dir, payload({ a: 'one', 'b/c': 'two' })), false);
    assert.equal(fs.readlinkSync(path.join(dir, DATA_LINK)), ts);
    // A user-visible link lost (crash between swap and links) is put back.
    fs.unlinkSync(path.join(dir, 'a'));
    assert.equal(await writeAtomic(dir, payload({ a: 'one', 'b/c': 'two' })), false);
    assert.equal(fs.readlinkSync(path.join(dir, 'a')), '..data/a');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a reader going through ..data never sees files of two versions mixed', async () => {
  const dir = tmp();
  try {
    await writeAtomic(dir, payload({ x: '0', y: '0' }));
    let done = false;
    let consistent = 0;
    const reader = (async () => {
      while (!done) {
        try {
          const ts = await fs.promises.readlink(path.join(dir, DATA_LINK));
          const [x, y] = await Promise.all([fs.promises.readFile(path.join(dir, ts, 'x'), 'utf8'), fs.promises.readFile(path.join(dir, ts, 'y'), 'utf8')]);
          assert.equal(x, y, 'x and y come from one version');
          consistent++;
        } catch (err) {
          // The version read was removed by a later swap: fine, it is never half-written.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
    })();
    for (let i = 1; i <= 60; i++) await writeAtomic(dir, payload({ x: String(i), y: String(i) }));
    done = true;
    await reader;
    assert.ok(consistent > 0, 'the reader read at least once');
    assert.equal(fs.readFileSync(path.join(dir, 'x'), 'utf8'), '60');
    assert.equal(tsDirs(dir).length, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('paths that could leave the volume are refused with the kubelet messages', () => {
  const cases: [string, RegExp | undefined][] = [
    ['ok', undefined],
    ['a/b/c', undefined],
    ['/etc/passwd', /must be relative path/],
    ['../escape', /must not contain '\.\.'/],
    ['a/../../b', /must not contain '\.\.'/],
    ['..hidden', /must not start with '\.\.'/],
    ['', /must not be empty/],
    ['x'.repeat(256), /255/],
  ];
  for (const [p, want] of cases) {
    if (want) assert.throws(() => validatePath(p), want, p);
    else assert.doesNotThrow(() => validatePath(p), p);
  }
});

test('an invalid path fails the write before anything changes', async () => {
  const dir = tmp();
  try {
    await writeAtomic(dir, payload({ a: 'one' }));
    const ts = fs.readlinkSync(path.join(dir, DATA_LINK));
    await assert.rejects(writeAtomic(dir, payload({ a: 'two', '../b': 'x' })), /must not contain/);
    assert.equal(fs.readlinkSync(path.join(dir, DATA_LINK)), ts);
    assert.equal(fs.readFileSync(path.join(dir, 'a'), 'utf8'), 'one');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('with an fsGroup files and dirs get the group, group read and setgid dirs', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
  const dir = tmp();
  try {
    await writeAtomic(dir, payload({ a: ['one', 0o600], 'd/b': 'two' }), { fsGroup: 2345 });
    const ts = path.join(dir, fs.readlinkSync(path.join(dir, DATA_LINK)));
    for (const p of [ts, path.join(ts, 'd')]) {
      const st = fs.statSync(p);
      assert.equal(st.gid, 2345, p);
      assert.equal(st.mode & 0o2000, 0o2000, `${p} is setgid`);
    }
    assert.equal(fs.statSync(path.join(dir, 'a')).gid, 2345);
    assert.equal(fs.statSync(path.join(dir, 'a')).mode & 0o7777, 0o640);
    assert.equal(effectiveFileMode(0o600, 2345), 0o640);
    assert.equal(effectiveFileMode(0o600), 0o600);
    // Same payload and group: nothing to do.
    assert.equal(await writeAtomic(dir, payload({ a: ['one', 0o600], 'd/b': 'two' }), { fsGroup: 2345 }), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
