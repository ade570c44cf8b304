import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderContainerdConfig } from './containerd-config.js';
import { runtimePaths } from './paths.js';
import { renderRegistryAuthToml } from './registries.js';

const dataDir = '/var/lib/orch test/agent';
const render = () =>
  renderContainerdConfig({
    paths: runtimePaths(dataDir),
    sandboxImage: 'orch.local/pause:1',
    cniBinDir: '/usr/lib/cni',
    registryAuthToml: renderRegistryAuthToml({ mirrors: {}, configs: { 'r.example:5000': { auth: { username: 'u', password: 'p"w' } } } }),
  });

test('the config carries the CRI settings proven necessary on these machines', () => {
  const c = render();
  for (const line of [
    'version = 2',
    'sandbox_image = "orch.local/pause:1"',
    'restrict_oom_score_adj = true',
    'systemd_cgroup = false',
    'disable_hugetlb_controller = true',
    'netns_mounts_under_state_dir = true',
    'stream_server_address = "127.0.0.1"',
    'snapshotter = "overlayfs"',
    'runtime_type = "io.containerd.runc.v2"',
    'SystemdCgroup = false',
    'bin_dir = "/usr/lib/cni"',
    'max_conf_num = 1',
    `Root = "${dataDir}/containerd/runc"`,
    `conf_dir = "${dataDir}/cni/net.d"`,
    `config_path = "${dataDir}/containerd/certs.d"`,
    `address = "${dataDir}/containerd/containerd.sock"`,
    'password = "p\\"w"',
  ]) {
    assert.ok(c.includes(line), `missing: ${line}`);
  }
});

test('containerd itself accepts the config and every path in it is under the data dir', { skip: !fs.existsSync('/usr/bin/containerd') && 'containerd not installed' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-cfg-'));
  try {
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, render());
    // `config dump` parses and merges with the defaults, without starting anything.
    const dump = execFileSync('/usr/bin/containerd', ['--config', file, 'config', 'dump'], { encoding: 'utf8' });
    const paths = [...dump.matchAll(/"(\/[^"]*)"/g)].map((m) => m[1]);
    assert.ok(paths.length >= 10, dump);
    // The file itself (listed as an import); /usr/lib/cni: the plugin binaries; /etc/containerd/ocicrypt: arguments of the decoder
    // for encrypted images, read only if such an image is ever pulled.
    const outside = paths.filter((p) => p !== file && !p.startsWith(`${dataDir}/`) && p !== '/usr/lib/cni' && !p.startsWith('/etc/containerd/ocicrypt/'));
    assert.deepEqual(outside, []);
    assert.match(dump, /\bstate = "\/var\/lib\/orch test\/agent\/containerd\/state"/);
    assert.match(dump, /"io.containerd.timeout.bolt.open" = "10s"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
