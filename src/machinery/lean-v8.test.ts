import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { leaveLeanV8, useLeanV8 } from './lean-v8.js';

const MODULE = fileURLToPath(new URL('./lean-v8.js', import.meta.url));

/**
 * Runs a fresh Node (the flags are process-wide) that runs `setup`, allocates ~100 MB of
 * short-lived objects in a hot loop, and reports its new space size in MiB and whether
 * TurboFan optimized anything (from --trace-opt).
 */
function run(setup: string): { newSpaceMiB: number; optimized: boolean } {
  const script = `
    import v8 from 'node:v8';
    import { Worker } from 'node:worker_threads';
    import * as lean from ${JSON.stringify(MODULE)};
    const churn = () => { let keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 20000) keep = []; } };
    ${setup}
    churn();
    const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
    console.log('new space ' + s.space_size / 2 ** 20);`;
  const out = execFileSync(process.execPath, ['--trace-opt', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  return { newSpaceMiB: Number(/new space (\S+)/.exec(out)![1]), optimized: /completed (compiling|optimizing)/.test(out) };
}

test('by default the young generation grows and TurboFan optimizes hot code', () => {
  const r = run('');
  assert.ok(r.newSpaceMiB >= 8, String(r.newSpaceMiB));
  assert.ok(r.optimized);
});

test('lean: the young generation keeps its initial size and nothing is optimized', () => {
  const r = run('lean.useLeanV8([], "");');
  assert.ok(r.newSpaceMiB <= 2, String(r.newSpaceMiB));
  assert.equal(r.optimized, false);
});

test('a worker thread resets the young-generation cap; restoreLeanV8 puts it back', () => {
  const worker = 'lean.useLeanV8([], ""); await new Promise((r) => new Worker("1", { eval: true }).once("exit", r));';
  assert.ok(run(worker).newSpaceMiB >= 8, 'V8 clamps the growth factor when an isolate is created');
  assert.ok(run(`${worker} lean.restoreLeanV8();`).newSpaceMiB <= 2);
});

test('leaveLeanV8 restores the defaults', () => {
  const r = run('lean.useLeanV8([], ""); lean.leaveLeanV8();');
  assert.ok(r.newSpaceMiB >= 8);
  assert.ok(r.optimized);
});

test('settings given to node are left alone', () => {
  // (These set flags in this test process too; leaveLeanV8 puts V8's defaults back.)
  try {
    assert.deepEqual(useLeanV8(['--max-semi-space-size=4', '--opt'], ''), []);
    assert.deepEqual(useLeanV8([], '--max-old-space-size=100 --max-semi-space-size=2'), ['--no-opt']);
    leaveLeanV8();
    assert.deepEqual(useLeanV8(['--turbofan'], ''), ['--semi-space-growth-factor=1']);
  } finally {
    leaveLeanV8();
  }
});
