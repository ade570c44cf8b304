import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { IMAGES_HELP, ImagesCommandError, parseImagesArgs, runImagesCommand } from './images-command.js';
import { UsageError } from './flags.js';

test('images arguments parse into a command', () => {
  assert.equal(parseImagesArgs([]), 'help');
  assert.equal(parseImagesArgs(['--help']), 'help');
  assert.equal(parseImagesArgs(['import', '-h']), 'help');
  assert.deepEqual(parseImagesArgs(['import', 'a.tar', '/x/b.tar', '--data-dir', '/d']), { action: 'import', files: [path.resolve('a.tar'), '/x/b.tar'], dataDir: '/d' });
  assert.deepEqual(parseImagesArgs(['build-test-images', '--out', '/o']), { action: 'build-test-images', outDir: '/o' });
  assert.throws(() => parseImagesArgs(['import']), /at least one FILE.tar/);
  assert.throws(() => parseImagesArgs(['build-test-images']), /--out DIR is required/);
  assert.throws(() => parseImagesArgs(['pull', 'x']), UsageError);
  assert.throws(() => parseImagesArgs(['import', 'a.tar', '--bogus']), /unknown flag: --bogus/);
  assert.match(IMAGES_HELP, /orch images import FILE.tar/);
  assert.match(IMAGES_HELP, /--data-dir DIR/);
});

const sink = () => {
  let text = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      text += chunk;
      cb();
    },
  });
  return { w, text: () => text };
};

test('import says clearly when the agent is not running', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-images-cli-'));
  try {
    const out = sink();
    await assert.rejects(runImagesCommand({ action: 'import', files: ['/x.tar'], dataDir: dir }, out.w), (e) => {
      assert.ok(e instanceof ImagesCommandError);
      assert.match((e as Error).message, /the agent's containerd is not running \(nothing answers on .*containerd\/containerd.sock\)/);
      return true;
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('build-test-images writes both archives', { skip: !fs.existsSync('/usr/bin/busybox') && 'busybox-static not installed' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-images-cli-'));
  try {
    const out = sink();
    await runImagesCommand({ action: 'build-test-images', outDir: path.join(dir, 'out') }, out.w);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'out')).sort(), ['orch.local_busybox_1.tar', 'orch.local_pause_1.tar']);
    assert.match(out.text(), /^orch\.local\/pause:1\t.*orch\.local_pause_1\.tar\t\d+ bytes$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
