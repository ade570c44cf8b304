/**
 * Structured logging (pino). Components take a child logger carrying `component`; messages
 * are constant strings and data goes in fields.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { level?: string; destination?: number } = {}): Logger {
  return pino({ level: opts.level ?? 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: opts.destination ?? 2, sync: false }));
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
