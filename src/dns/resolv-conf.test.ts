import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResolvConf, upstreamsFromResolvConf } from './resolv-conf.js';
import { formatUpstream, parseUpstream } from './forwarder.js';

describe('parseResolvConf', () => {
  it('reads nameservers, the last search line and options, ignoring comments', () => {
    const conf = parseResolvConf(
      ['# generated', 'domain first.example', 'search a.example b.example ; trailing comment', 'nameserver 10.0.0.2', 'nameserver fd00::53', 'nameserver not-an-ip', 'options ndots:2 timeout:1', 'options edns0'].join('\n'),
    );
    assert.deepEqual(conf, { nameservers: ['10.0.0.2', 'fd00::53'], searches: ['a.example', 'b.example'], options: ['ndots:2', 'timeout:1', 'edns0'] });
  });

  it('gives upstreams from a file, leaving out the server itself', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'orch-dns-'));
    try {
      const path = join(dir, 'resolv.conf');
      await writeFile(path, 'nameserver 127.0.0.1\nnameserver 127.0.0.53\nnameserver ::1\n');
      assert.deepEqual(await upstreamsFromResolvConf(path, ['127.0.0.1:53']), ['127.0.0.53:53', '[::1]:53']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('parseUpstream', () => {
  const cases: [string, { host: string; port: number } | 'error'][] = [
    ['127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
    ['127.0.0.1', { host: '127.0.0.1', port: 53 }],
    ['[::1]:5353', { host: '::1', port: 5353 }],
    ['fd00::53', { host: 'fd00::53', port: 53 }],
    ['dns.example:53', { host: 'dns.example', port: 53 }],
    ['127.0.0.1:0', 'error'],
    ['127.0.0.1:99999', 'error'],
    ['a:b:c', 'error'],
  ];
  for (const [s, want] of cases) {
    it(s, () => {
      if (want === 'error') assert.throws(() => parseUpstream(s));
      else {
        assert.deepEqual(parseUpstream(s), want);
        assert.deepEqual(parseUpstream(formatUpstream(want)), want);
      }
    });
  }
});
