/**
 * Reading container logs in the CRI file format (`RFC3339Nano stdout|stderr F|P message`),
 * as `kubectl logs` wants them: tail, since, timestamps, byte limit, and follow.
 */
import { open, stat, watch, type FileHandle } from 'node:fs/promises';

export interface LogOptions {
  /** Only the last N lines (after merging partial lines). */
  tailLines?: number;
  /** Only lines written at or after this time (ms since the epoch). */
  sinceMs?: number;
  /** Prefix each line with its RFC3339Nano timestamp. */
  timestamps?: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  /** Keep reading appended lines until `stillRunning` says the container exited. */
  follow?: boolean;
}

export interface LogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  /** The message with its newline (a P run is merged into the F line that ends it). */
  message: string;
}

/** Splits CRI log text into lines; merges P (partial) runs; returns what is left unfinished. */
export class CriLogParser {
  private pending?: LogLine;
  private rest = '';

  push(chunk: string): LogLine[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    const out: LogLine[] = [];
    for (const raw of lines) {
      const l = parseCriLine(raw);
      if (!l) continue;
      if (this.pending && this.pending.stream === l.stream) {
        this.pending.message += l.message;
      } else {
        if (this.pending) out.push({ ...this.pending, message: this.pending.message + '\n' });
        this.pending = { time: l.time, stream: l.stream, message: l.message };
      }
      if (l.partial) continue;
      this.pending.message += '\n';
      out.push(this.pending);
      this.pending = undefined;
    }
    return out;
  }
}

/** One CRI line, or undefined if it is not one (a torn or foreign line is skipped). */
export function parseCriLine(raw: string): (Omit<LogLine, 'message'> & { message: string; partial: boolean }) | undefined {
  const a = raw.indexOf(' ');
  const b = a < 0 ? -1 : raw.indexOf(' ', a + 1);
  if (b < 0) return undefined;
  const stream = raw.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  // The tag field may be absent in very old runtimes; containerd always writes it.
  const c = raw.indexOf(' ', b + 1);
  const tag = c < 0 ? raw.slice(b + 1) : raw.slice(b + 1, c);
  if (tag !== 'F' && tag !== 'P') return undefined;
  return { time: raw.slice(0, a), stream, partial: tag === 'P', message: c < 0 ? '' : raw.slice(c + 1) };
}

/** Milliseconds of an RFC3339Nano timestamp (nanoseconds beyond ms are dropped). */
export function timeMs(rfc3339: string): number {
  return Date.parse(rfc3339.replace(/(\.\d{3})\d+/, '$1'));
}

/** Byte offset in the file where reading must start for the last `lines` full lines. */
async function tailOffset(fh: FileHandle, size: number, lines: number): Promise<number> {
  if (lines <= 0) return size;
  const chunk = 64 * 1024;
  let pos = size;
  let fullLines = 0;
  // Read backwards; count F lines (each ends one logical line) until there are enough.
  let carry = Buffer.alloc(0);
  while (pos > 0) {
    const start = Math.max(0, pos - chunk);
    const buf = Buffer.alloc(pos - start);
    await fh.read(buf, 0, buf.length, start);
    const data = Buffer.concat([buf, carry]);
    // Walk newlines from the end of this window.
    let end = data.length;
    for (let i = data.length - 1; i >= 0; i--) {
      if (data[i] !== 0x0a) continue;
      if (i + 1 < end) {
        const l = parseCriLine(data.subarray(i + 1, end).toString('utf8'));
        if (l && !l.partial) {
          fullLines++;
          if (fullLines > lines) return start + end + 1;
        }
      }
      end = i;
    }
    carry = data.subarray(0, end);
    pos = start;
  }
  // The file's first line has no newline before it.
  const first = parseCriLine(carry.toString('utf8'));
  if (first && !first.partial && fullLines + 1 > lines) return carry.length + 1;
  return 0;
}

export interface LogSink {
  /** Writes output; resolves when the consumer wants more (back-pressure). */
  write(text: string): Promise<void>;
  /** Aborted when the consumer went away. */
  signal: AbortSignal;
}

/**
 * Streams a CRI log file to `sink` with the options. With `follow`, it keeps reading until
 * `stillRunning()` is false and the file is drained, or the sink's signal aborts.
 */
export async function streamCriLog(path: string, opts: LogOptions, sink: LogSink, stillRunning: () => Promise<boolean>): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    let pos = opts.tailLines !== undefined ? await tailOffset(fh, size, opts.tailLines) : 0;
    const parser = new CriLogParser();
    let left = opts.limitBytes ?? Infinity;
    const emit = async (lines: LogLine[]): Promise<boolean> => {
      let out = '';
      for (const l of lines) {
        if (opts.sinceMs !== undefined && timeMs(l.time) < opts.sinceMs) continue;
        out += opts.timestamps ? `${l.time} ${l.message}` : l.message;
      }
      if (!out) return true;
      let buf = Buffer.from(out);
      if (buf.length >= left) buf = buf.subarray(0, left);
      left -= buf.length;
      await sink.write(buf.toString('utf8'));
      return left > 0;
    };
    const readMore = async (): Promise<boolean> => {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) return true;
        pos += bytesRead;
        if (!(await emit(parser.push(buf.subarray(0, bytesRead).toString('utf8'))))) return false;
        if (sink.signal.aborted) return false;
      }
    };
    if (!(await readMore()) || !opts.follow) return;
    await follow(path, sink.signal, async () => {
      if (!(await readMore())) return false;
      if (await stillRunning()) return true;
      // One last read: the runtime may have written the final lines just before exiting.
      await readMore();
      return false;
    });
  } finally {
    await fh.close();
  }
}

/**
 * Calls `step` on every change of the file and at least every 500 ms (fs.watch misses
 * events on some filesystems) until it returns false or the signal aborts.
 */
async function follow(path: string, signal: AbortSignal, step: () => Promise<boolean>): Promise<void> {
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let wake: (() => void) | undefined;
  const watcher = (async () => {
    try {
      for await (const _ of watch(path, { signal: ac.signal })) wake?.();
    } catch {
      // aborted, or the file went away: polling carries on
    }
  })();
  try {
    while (!ac.signal.aborted) {
      if (!(await step())) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
        ac.signal.addEventListener('abort', () => wake?.(), { once: true });
      });
      wake = undefined;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    ac.abort();
    await watcher;
  }
}

/** True if the path exists. */
export async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
