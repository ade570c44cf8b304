import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyFsGroup, rootNeedsChange } from './ownership.js';

function tree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-fsgroup-'));
  fs.mkdirSync(path.join(dir, 'sub'), { mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'sub', 'f'), 'x', { mode: 0o600 });
  fs.symlinkSync('/etc/hostname', path.join(dir, 'link'));
  fs.chmodSync(dir, 0o755);
  return dir;
}

test('fsGroup gives every entry the group, files g+rw, directories g+rwx and setgid; symlinks are not followed', async () => {
  const dir = tree();
  try {
    const before = fs.statSync('/etc/hostname');
    assert.equal(await rootNeedsChange(dir, 2000), true);
    assert.equal(await applyFsGroup(dir, 2000), 4);
    for (const p of [dir, path.join(dir, 'sub'), path.join(dir, 'sub', 'f')]) assert.equal(fs.statSync(p).gid, 2000, p);
    assert.equal(fs.statSync(dir).mode & 0o7777, 0o2775);
    assert.equal(fs.statSync(path.join(dir, 'sub')).mode & 0o7777, 0o2770);
    assert.equal(fs.statSync(path.join(dir, 'sub', 'f')).mode & 0o7777, 0o660);
    assert.equal(fs.lstatSync(path.join(dir, 'link')).gid, 2000);
    const after = fs.statSync('/etc/hostname');
    assert.equal(after.gid, before.gid, 'the symlink target is untouched');
    assert.equal(after.mode, before.mode);
    assert.equal(await rootNeedsChange(dir, 2000), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('OnRootMismatch skips the walk when the root is already right, and walks when it is not', async () => {
  const dir = tree();
  try {
    fs.chownSync(dir, 0, 2000);
    fs.chmodSync(dir, 0o2775);
    assert.equal(await applyFsGroup(dir, 2000, { policy: 'OnRootMismatch' }), 0);
    assert.notEqual(fs.statSync(path.join(dir, 'sub', 'f')).gid, 2000, 'not walked');
    assert.equal(await applyFsGroup(dir, 3000, { policy: 'OnRootMismatch' }), 4);
    assert.equal(fs.statSync(path.join(dir, 'sub', 'f')).gid, 3000);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a read-only volume gets g+r, not g+w', async () => {
  const dir = tree();
  try {
    await applyFsGroup(dir, 2000, { readOnly: true });
    assert.equal(fs.statSync(path.join(dir, 'sub', 'f')).mode & 0o7777, 0o640);
    assert.equal(fs.statSync(path.join(dir, 'sub')).mode & 0o7777, 0o2750);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
