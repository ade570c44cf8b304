import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mountsUnder, readMounts } from '../runtime/host.js';
import { createVolumeData, ensureVolumeMounted, isMounted, removeVolumeData, unmountVolumes } from './volume-data.js';

/** A storage dir of its own; whatever a failed test left mounted is unmounted before removal. */
async function withStorage(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-storage-'));
  try {
    await fn(dir);
  } finally {
    await unmountVolumes(dir);
    if (mountsUnder(dir).length === 0) fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a plain volume is a world-writable directory; creating it again keeps its data', async () => {
  await withStorage(async (storage) => {
    const dir = path.join(storage, 'pvc-1_ns_a');
    await createVolumeData(dir);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o777);
    fs.writeFileSync(path.join(dir, 'keep'), 'x');
    await createVolumeData(dir);
    assert.equal(fs.readFileSync(path.join(dir, 'keep'), 'utf8'), 'x');
    await ensureVolumeMounted(dir);
    assert.equal(isMounted(dir), false, 'no image, nothing to mount');
    await removeVolumeData(dir);
    assert.equal(fs.existsSync(dir), false);
  });
});

test('a size-enforced volume is an ext4 image of that size: full at the size, remounted with its data, removed with it', async () => {
  await withStorage(async (storage) => {
    const dir = path.join(storage, 'pvc-2_ns_b');
    const image = `${dir}.img`;
    await createVolumeData(dir, { path: image, sizeBytes: 16 * 1024 * 1024 });
    assert.equal(fs.statSync(image).size, 16 * 1024 * 1024);
    assert.equal(readMounts().find((m) => m.mountPoint === dir)?.fsType, 'ext4');
    assert.equal(fs.statSync(dir).mode & 0o777, 0o777);
    const st = fs.statfsSync(dir);
    assert.ok(st.blocks * st.bsize <= 16 * 1024 * 1024, 'the filesystem is no larger than asked');
    // Writing past the size fails inside the volume, not on the host.
    const fd = fs.openSync(path.join(dir, 'big'), 'w');
    const chunk = Buffer.alloc(1024 * 1024, 1);
    let error: NodeJS.ErrnoException | undefined;
    try {
      for (let i = 0; i < 32; i++) fs.writeSync(fd, chunk);
    } catch (err) {
      error = err as NodeJS.ErrnoException;
    } finally {
      fs.closeSync(fd);
    }
    assert.equal(error?.code, 'ENOSPC');
    fs.rmSync(path.join(dir, 'big'));
    fs.writeFileSync(path.join(dir, 'keep'), 'data');

    // Idempotent: provisioning again (an agent restart half-way) neither remakes nor remounts.
    await createVolumeData(dir, { path: image, sizeBytes: 16 * 1024 * 1024 });
    assert.equal(mountsUnder(dir).length, 1);

    assert.deepEqual(await unmountVolumes(storage), []);
    assert.equal(isMounted(dir), false);
    assert.equal(fs.existsSync(path.join(dir, 'keep')), false, 'the bare directory holds nothing');
    await ensureVolumeMounted(dir);
    assert.equal(fs.readFileSync(path.join(dir, 'keep'), 'utf8'), 'data');

    await removeVolumeData(dir);
    assert.equal(isMounted(dir), false);
    assert.equal(fs.existsSync(dir), false);
    assert.equal(fs.existsSync(image), false);
  });
});
