import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTar } from './tar.js';

test('GNU tar lists and extracts what the writer produced', () => {
  const long = `${'d'.repeat(80)}/${'e'.repeat(60)}/file.txt`;
  const tar = createTar([
    { type: 'dir', path: 'bin' },
    { type: 'file', path: 'bin/tool', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
    { type: 'symlink', path: 'bin/alias', target: 'tool' },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'file', path: long, data: Buffer.alloc(1000, 7) },
  ]);
  assert.equal(tar.length % 512, 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-tar-test-'));
  try {
    const file = path.join(dir, 'a.tar');
    fs.writeFileSync(file, tar);
    const listing = execFileSync('tar', ['-tvf', file], { encoding: 'utf8' });
    assert.match(listing, /^drwxr-xr-x root\/root +0 1970-01-01 00:00 bin\/$/m);
    assert.match(listing, /^-rwxr-xr-x root\/root +18 .* bin\/tool$/m);
    assert.match(listing, /^lrwxrwxrwx .* bin\/alias -> tool$/m);
    assert.match(listing, /^drwxrwxrwt .* tmp\/$/m);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    execFileSync('tar', ['-xf', file, '-C', out, '--no-same-owner']);
    assert.equal(fs.readFileSync(path.join(out, 'bin/tool'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(fs.readlinkSync(path.join(out, 'bin/alias')), 'tool');
    assert.deepEqual(fs.readFileSync(path.join(out, long)), Buffer.alloc(1000, 7));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the same entries give the same bytes', () => {
  const entries = [{ type: 'file' as const, path: 'a', data: Buffer.from('x') }];
  assert.deepEqual(createTar(entries), createTar(entries));
});

test('a path that cannot fit is refused', () => {
  assert.throws(() => createTar([{ type: 'file', path: 'x'.repeat(300), data: Buffer.alloc(0) }]), /too long/);
});
