import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, buildOciArchive, MEDIA_TYPE, parseImageRef } from './oci-layout.js';
import { parseCtrImportOutput } from './import.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('image references must be full host/repo:tag', () => {
  assert.deepEqual(parseImageRef('orch.local/busybox:1'), { host: 'orch.local', repo: 'busybox', tag: '1' });
  assert.deepEqual(parseImageRef('127.0.0.1:5000/a/b:v1.2'), { host: '127.0.0.1:5000', repo: 'a/b', tag: 'v1.2' });
  assert.deepEqual(parseImageRef('localhost/x:y').host, 'localhost');
  for (const bad of ['busybox:1', 'library/busybox:1', 'orch.local/busybox', 'orch.local/Busybox:1']) assert.throws(() => parseImageRef(bad), /full host\/repo:tag/, bad);
});

test('the archive is a valid OCI image layout whose digests and annotations check out', () => {
  const image = buildOciArchive({
    ref: 'orch.local/demo:2',
    rootfs: [{ type: 'dir', path: 'etc' }, { type: 'file', path: 'etc/motd', data: Buffer.from('hi\n') }],
    config: { Cmd: ['cat', '/etc/motd'] },
    architecture: 'amd64',
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-oci-'));
  try {
    fs.writeFileSync(path.join(dir, 'image.tar'), image.archive);
    execFileSync('tar', ['-xf', path.join(dir, 'image.tar'), '-C', dir]);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    const blob = (digest: string) => fs.readFileSync(path.join(dir, 'blobs/sha256', digest.slice(7)));
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
    assert.equal(index.manifests.length, 1);
    const desc = index.manifests[0];
    assert.equal(desc.mediaType, MEDIA_TYPE.manifest);
    assert.deepEqual(desc.annotations, { [ANNOTATION_IMAGE_NAME]: 'orch.local/demo:2', [ANNOTATION_REF_NAME]: '2' });
    assert.equal(desc.digest, image.manifestDigest);
    assert.equal(sha(blob(desc.digest)), desc.digest);
    assert.equal(blob(desc.digest).length, desc.size);
    const manifest = JSON.parse(blob(desc.digest).toString());
    const config = JSON.parse(blob(manifest.config.digest).toString());
    assert.equal(config.architecture, 'amd64');
    assert.equal(config.os, 'linux');
    assert.deepEqual(config.config.Cmd, ['cat', '/etc/motd']);
    const layer = blob(manifest.layers[0].digest);
    assert.equal(manifest.layers[0].mediaType, MEDIA_TYPE.layerGzip);
    assert.equal(sha(layer), manifest.layers[0].digest);
    assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: [sha(gunzipSync(layer))] });
    assert.equal(image.blobs.get(manifest.config.digest)?.length, manifest.config.size);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('ctr import output yields the image names', () => {
  const out = 'unpacking orch.local/pause:1 (sha256:6d7dd1259c43485de1f696698c4951201826086617bb958733200da0fa9410f8)...done\nunpacking orch.local/busybox:1 (sha256:a28b545e)...done\n';
  assert.deepEqual(parseCtrImportOutput(out), ['orch.local/pause:1', 'orch.local/busybox:1']);
  assert.deepEqual(parseCtrImportOutput(''), []);
});
