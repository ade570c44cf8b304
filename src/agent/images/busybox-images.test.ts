import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { archiveFileName, buildBusyboxImage, buildPauseImage, buildWebImage, busyboxApplets, BusyboxMissingError, DEFAULT_BUSYBOX, PAUSE_COMMAND, writeBuiltinImages } from './busybox-images.js';

const skip = !fs.existsSync(DEFAULT_BUSYBOX) && 'busybox-static not installed';

/** Entry listing of an image's only layer, as `tar -tv` prints it. */
function layerListing(image: ReturnType<typeof buildPauseImage>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-layer-'));
  try {
    const file = path.join(dir, 'layer.tar');
    fs.writeFileSync(file, gunzipSync(image.blobs.get(image.layerDigest)!));
    return execFileSync('tar', ['-tvf', file], { encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('the pause image holds busybox, sh and sleep and traps SIGTERM', { skip }, () => {
  const image = buildPauseImage();
  const listing = layerListing(image);
  assert.match(listing, /^-rwxr-xr-x root\/root .* bin\/busybox$/m);
  assert.match(listing, /bin\/sh -> busybox$/m);
  assert.match(listing, /bin\/sleep -> busybox$/m);
  assert.match(listing, /^drwxrwxrwt .* tmp\/$/m);
  assert.match(listing, / etc\/passwd$/m);
  const config = JSON.parse(image.blobs.get(image.configDigest)!.toString());
  assert.deepEqual(config.config.Entrypoint, PAUSE_COMMAND);
  assert.match(PAUSE_COMMAND[2], /trap 'exit 0' TERM/);
});

test('the busybox image has the applets tests use and a page to serve', { skip }, () => {
  const applets = busyboxApplets();
  for (const a of ['sh', 'httpd', 'sleep', 'cat', 'nc', 'wget', 'echo']) assert.ok(applets.includes(a), a);
  const listing = layerListing(buildBusyboxImage());
  for (const a of ['sh', 'httpd', 'nc', 'wget']) assert.match(listing, new RegExp(`bin/${a} -> busybox$`, 'm'));
  assert.match(listing, / var\/www\/index.html$/m);
});

test('the web stand-in serves a page naming its host on port 80 and stops on SIGTERM', { skip }, () => {
  const image = buildWebImage('docker.io/library/nginx:1.7.9');
  const listing = layerListing(image);
  for (const a of ['sh', 'httpd', 'hostname', 'printf']) assert.match(listing, new RegExp(`bin/${a} -> busybox$`, 'm'));
  assert.match(listing, / var\/www\/$/m);
  const config = JSON.parse(image.blobs.get(image.configDigest)!.toString()).config;
  assert.deepEqual(config.ExposedPorts, { '80/tcp': {} });
  const [sh, flag, script] = config.Entrypoint as string[];
  assert.deepEqual([sh, flag], ['/bin/sh', '-c']);
  assert.match(script, /trap 'exit 0' TERM INT; httpd -f -p 80 -h \/var\/www & wait$/);
  // The page step, run by the same busybox into a temp file instead of /var/www.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-web-'));
  try {
    const page = path.join(dir, 'index.html');
    execFileSync(DEFAULT_BUSYBOX, ['sh', '-c', script.split('; ')[0].replace('/var/www/index.html', page)]);
    assert.equal(fs.readFileSync(page, 'utf8'), `Welcome to nginx! (orch stand-in: busybox httpd)\nhostname: ${os.hostname()}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(buildWebImage('a.b/c:1').layerDigest, image.layerDigest, 'the name is not in the layer');
});

test('build-test-images writes both archives deterministically', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-built-'));
  try {
    const first = await writeBuiltinImages(dir);
    assert.deepEqual(first.map((w) => path.basename(w.file)), ['orch.local_pause_1.tar', 'orch.local_busybox_1.tar']);
    const bytes = first.map((w) => fs.readFileSync(w.file));
    await writeBuiltinImages(dir);
    assert.deepEqual(first.map((w) => fs.readFileSync(w.file)), bytes);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(archiveFileName('127.0.0.1:5000/a/b:1'), '127.0.0.1_5000_a_b_1.tar');
});

test('a missing busybox names the package to install', () => {
  assert.throws(() => buildPauseImage('/nonexistent/busybox'), (e) => e instanceof BusyboxMissingError && /apt-get install busybox-static/.test(e.message));
});
