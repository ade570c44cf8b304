import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { checkHostPath } from './host-path.js';
import { VolumeError } from './errors.js';

test('hostPath types check what is there, create for *OrCreate, and fail with the kubelet messages', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-hp-'));
  const server = net.createServer();
  try {
    const file = path.join(dir, 'file');
    const sub = path.join(dir, 'dir');
    const sock = path.join(dir, 'sock');
    const missing = path.join(dir, 'missing');
    fs.writeFileSync(file, 'x');
    fs.mkdirSync(sub);
    await new Promise<void>((r) => server.listen(sock, r));
    const cases: { type: string; p: string; error?: string }[] = [
      { type: '', p: missing },
      { type: 'Directory', p: sub },
      { type: 'Directory', p: file, error: `hostPath type check failed: ${file} is not a directory, it's a File` },
      { type: 'Directory', p: missing, error: `hostPath ${missing} doesn't exist` },
      { type: 'DirectoryOrCreate', p: sub },
      { type: 'DirectoryOrCreate', p: file, error: `hostPath type check failed: ${file} is not a directory, it's a File` },
      { type: 'File', p: file },
      { type: 'File', p: sub, error: `hostPath type check failed: ${sub} is not a file, it's a Directory` },
      { type: 'FileOrCreate', p: sub, error: `hostPath type check failed: ${sub} is not a file, it's a Directory` },
      { type: 'Socket', p: sock },
      { type: 'Socket', p: file, error: `hostPath type check failed: ${file} is not a socket file, it's a File` },
      { type: 'CharDevice', p: '/dev/null' },
      { type: 'CharDevice', p: sub, error: `hostPath type check failed: ${sub} is not a character device, it's a Directory` },
      { type: 'BlockDevice', p: '/dev/null', error: `hostPath type check failed: /dev/null is not a block device, it's a CharDevice` },
      { type: 'BlockDevice', p: missing, error: `hostPath ${missing} doesn't exist` },
      { type: 'Bogus', p: sub, error: 'Bogus is an invalid volume type' },
    ];
    for (const c of cases) {
      const name = `${c.type || '""'} on ${path.basename(c.p)}`;
      if (c.error) await assert.rejects(checkHostPath(c.p, c.type), (e: unknown) => e instanceof VolumeError && e.reason === 'FailedMount' && e.message === c.error, name);
      else await checkHostPath(c.p, c.type);
    }
    assert.equal(fs.existsSync(missing), false, 'failed checks create nothing');

    const newDir = path.join(dir, 'a/b/c');
    await checkHostPath(newDir, 'DirectoryOrCreate');
    assert.ok(fs.statSync(newDir).isDirectory());
    assert.equal(fs.statSync(newDir).mode & 0o777, 0o755 & ~process.umask());

    const newFile = path.join(dir, 'new-file');
    await checkHostPath(newFile, 'FileOrCreate');
    assert.ok(fs.statSync(newFile).isFile());
    fs.writeFileSync(newFile, 'keep');
    await checkHostPath(newFile, 'FileOrCreate');
    assert.equal(fs.readFileSync(newFile, 'utf8'), 'keep', 'an existing file is not truncated');
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
