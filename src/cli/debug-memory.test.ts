import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MEMORY_REPORT_PREFIX } from './debug-memory.js';

const MODULE = fileURLToPath(new URL('./debug-memory.js', import.meta.url));

/** Starts a Node that installs the report, sends it SIGUSR2 once it is ready, returns its stderr. */
function reportOf(env: Record<string, string>): Promise<{ stderr: string; signal: string | null }> {
  const script = `import { installMemoryReport } from ${JSON.stringify(MODULE)}; installMemoryReport(); console.log('ready'); setTimeout(() => {}, 3000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.once('data', () => {
    child.kill('SIGUSR2');
    setTimeout(() => child.kill('SIGTERM'), 500);
  });
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve({ stderr, signal })));
}

test('ORCH_DEBUG_MEMORY=1: SIGUSR2 prints the memory use as one JSON line', async () => {
  const { stderr, signal } = await reportOf({ ORCH_DEBUG_MEMORY: '1' });
  assert.equal(signal, 'SIGTERM', 'SIGUSR2 must not end the process');
  const line = stderr.split('\n').find((l) => l.startsWith(MEMORY_REPORT_PREFIX));
  assert.ok(line, stderr);
  const report = JSON.parse(line.slice(MEMORY_REPORT_PREFIX.length));
  assert.ok(report.rss > report.heapUsed && report.heapUsed > 0);
  assert.ok(report.spaces.new_space > 0 && report.spaces.old_space > 0);
});

test('without ORCH_DEBUG_MEMORY, SIGUSR2 keeps its default (ends the process)', async () => {
  const { stderr, signal } = await reportOf({ ORCH_DEBUG_MEMORY: '' });
  assert.equal(signal, 'SIGUSR2');
  assert.ok(!stderr.includes(MEMORY_REPORT_PREFIX));
});
