import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkSubPath, expandSubPathExpr, resolveSubPath } from './sub-path.js';
import { VolumeError } from './errors.js';

test('subPathExpr expands $(VAR) from the container environment; $$ escapes; unknown stays', () => {
  const env = [{ key: 'POD_NAME', value: 'web-0' }, { key: 'NS', value: 'apps' }];
  assert.equal(expandSubPathExpr('$(NS)/$(POD_NAME)', env), 'apps/web-0');
  assert.equal(expandSubPathExpr('$$(NS)-$(NOPE)', env), '$(NS)-$(NOPE)');
});

test('subPath must be relative and must not contain ..', () => {
  assert.equal(checkSubPath('a/b'), undefined);
  assert.equal(checkSubPath('a..b'), undefined);
  assert.match(checkSubPath('/etc')!, /must be a relative path/);
  assert.match(checkSubPath('a/../../etc')!, /must not contain '..'/);
  assert.match(checkSubPath('..')!, /must not contain '..'/);
});

async function withVolume(fn: (dir: string) => Promise<void>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-subpath-'));
  try {
    await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a missing subPath is created with the volume root\'s mode; an existing file is used as is', async () => {
  await withVolume(async (vol) => {
    fs.chmodSync(vol, 0o2775);
    assert.equal(await resolveSubPath(vol, { name: 'v', mountPath: '/m' }, []), vol);
    const p = await resolveSubPath(vol, { name: 'v', mountPath: '/m', subPath: 'a/b' }, []);
    assert.equal(p, path.join(fs.realpathSync(vol), 'a', 'b'));
    assert.ok(fs.statSync(p).isDirectory());
    assert.equal(fs.statSync(p).mode & 0o7777, 0o2775);
    fs.writeFileSync(path.join(vol, 'a', 'conf'), 'x');
    assert.equal(await resolveSubPath(vol, { name: 'v', mountPath: '/m', subPath: 'a/conf' }, []), path.join(fs.realpathSync(vol), 'a', 'conf'));
    const e = await resolveSubPath(vol, { name: 'v', mountPath: '/m', subPathExpr: '$(NAME)' }, [{ key: 'NAME', value: 'pod-1' }]);
    assert.equal(path.basename(e), 'pod-1');
  });
});

test('symlinks are followed only inside the volume; .. and absolute paths are refused', async () => {
  await withVolume(async (vol) => {
    fs.mkdirSync(path.join(vol, 'real'));
    fs.symlinkSync('real', path.join(vol, 'inside'));
    fs.symlinkSync('/etc', path.join(vol, 'escape'));
    assert.equal(await resolveSubPath(vol, { name: 'v', mountPath: '/m', subPath: 'inside' }, []), path.join(fs.realpathSync(vol), 'real'));
    const refused = async (subPath: string, re: RegExp) => {
      await assert.rejects(resolveSubPath(vol, { name: 'v', mountPath: '/m', subPath }, []), (err: unknown) => err instanceof VolumeError && err.reason === 'CreateContainerConfigError' && re.test(err.message));
    };
    await refused('escape', /points outside the volume/);
    await refused('escape/passwd', /points outside the volume/);
    await refused('../x', /must not contain '..'/);
    await refused('/etc', /must be a relative path/);
    fs.writeFileSync(path.join(vol, 'file'), '');
    await refused('file/x', /file is not a directory/);
    await assert.rejects(resolveSubPath(vol, { name: 'v', mountPath: '/m', subPathExpr: '$(X)' }, [{ key: 'X', value: '../up' }]), /must not contain '..'/);
    assert.equal(fs.existsSync('/etc/x'), false);
  });
});
