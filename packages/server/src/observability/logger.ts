import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * Structured JSON logs for machines, or a colourised single-line format for terminals. The pretty
 * stream runs in-process (not as a worker transport) so short-lived CLI runs flush every line.
 */
export function createLogger(level: string, format: 'json' | 'pretty'): Logger {
  const options = { level, base: { service: 'tandem' } };
  if (format === 'pretty') {
    return pino(
      options,
      pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', sync: true }),
    );
  }
  return pino(options);
}
