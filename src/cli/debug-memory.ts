/**
 * A debugging aid for memory benchmarks: with ORCH_DEBUG_MEMORY=1 in the environment,
 * SIGUSR2 makes the process print its memory use as one line on stderr,
 * `orch memory: {...}`: process.memoryUsage() and the committed size of each V8 heap space,
 * in bytes. Off by default: SIGUSR2 keeps Node's default behaviour then (and stays free for
 * `--heapsnapshot-signal=SIGUSR2`).
 */
import v8 from 'node:v8';

export const MEMORY_REPORT_PREFIX = 'orch memory: ';

export function memoryReport(): Record<string, unknown> {
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
  return { rss, heapTotal, heapUsed, external, arrayBuffers, spaces };
}

export function installMemoryReport(env: NodeJS.ProcessEnv = process.env): void {
  if (env.ORCH_DEBUG_MEMORY !== '1') return;
  process.on('SIGUSR2', () => process.stderr.write(`${MEMORY_REPORT_PREFIX}${JSON.stringify(memoryReport())}\n`));
}
