import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriLogParser, parseCriLine, streamCriLog, timeMs, type LogOptions } from './cri-log.js';

test('parseCriLine reads time, stream, tag and message; rejects foreign lines', () => {
  assert.deepEqual(parseCriLine('2026-01-01T00:00:00.000000001Z stdout F hello world'), {
    time: '2026-01-01T00:00:00.000000001Z',
    stream: 'stdout',
    partial: false,
    message: 'hello world',
  });
  assert.equal(parseCriLine('2026-01-01T00:00:00Z stderr P ')?.partial, true);
  assert.equal(parseCriLine('2026-01-01T00:00:00Z stderr F')?.message, '');
  for (const bad of ['', 'garbage', '2026-01-01T00:00:00Z stdin F x', '2026-01-01T00:00:00Z stdout X x']) assert.equal(parseCriLine(bad), undefined, bad);
});

test('CriLogParser merges partial runs and keeps a torn last line for the next chunk', () => {
  const p = new CriLogParser();
  const a = p.push('t1 stdout P ab\nt2 stdout P cd\nt3 stdout F ef\nt4 std');
  assert.deepEqual(a, [{ time: 't1', stream: 'stdout', message: 'abcdef\n' }]);
  const b = p.push('err F oops\n');
  assert.deepEqual(b, [{ time: 't4', stream: 'stderr', message: 'oops\n' }]);
});

test('timeMs keeps milliseconds of an RFC3339Nano time', () => {
  assert.equal(timeMs('2026-01-01T00:00:01.123456789Z'), Date.parse('2026-01-01T00:00:01.123Z'));
});

test('streamCriLog: tail (across read chunks and partial lines), since, timestamps, limitBytes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'orch-crilog-'));
  try {
    const lines: string[] = [];
    // Long lines so the backwards tail scan crosses its 64 KiB windows.
    for (let i = 0; i < 300; i++) {
      const sec = String(i % 60).padStart(2, '0');
      const t = `2026-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${sec}.000000000Z`;
      if (i % 3 === 0) lines.push(`${t} stdout P ${'x'.repeat(500)}`);
      lines.push(`${t} stdout F line ${i} ${'y'.repeat(500)}`);
    }
    const path = join(dir, '0.log');
    await writeFile(path, lines.join('\n') + '\n');
    const read = async (opts: LogOptions) => {
      let out = '';
      await streamCriLog(path, opts, { signal: new AbortController().signal, write: async (t) => void (out += t) }, async () => false);
      return out;
    };
    const all = (await read({})).split('\n').filter(Boolean);
    assert.equal(all.length, 300);
    const tail = (await read({ tailLines: 5 })).split('\n').filter(Boolean);
    assert.deepEqual(
      tail.map((l) => l.replace(/[xy]+/g, '').trim()),
      ['line 295', 'line 296', 'line 297', 'line 298', 'line 299'],
    );
    assert.ok(tail[2].startsWith('x'.repeat(500)), 'a tailed line keeps its partial prefix');
    assert.equal((await read({ tailLines: 1000 })).split('\n').filter(Boolean).length, 300);
    const since = (await read({ sinceMs: Date.parse('2026-01-01T00:04:58Z') })).split('\n').filter(Boolean);
    assert.equal(since.length, 2);
    assert.match(await read({ tailLines: 1, timestamps: true }), /^2026-01-01T00:04:59\.000000000Z line 299 y+\n$/);
    assert.equal(await read({ limitBytes: 3 }), 'xxx');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
