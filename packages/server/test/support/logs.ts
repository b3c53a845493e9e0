import pino from 'pino';
import type { Logger } from '../../src/observability/logger.js';

/** One line a logger wrote, parsed. */
export type LogEntry = Record<string, unknown> & { msg?: string };

/**
 * A real pino logger whose lines are kept, so a test can wait for something the server reports
 * (a lost message, a refused write) instead of waiting for time to pass.
 */
export class LogRecorder {
  readonly entries: LogEntry[] = [];
  readonly logger: Logger;
  private readonly waiters: { match: (e: LogEntry) => boolean; count: number; resolve: () => void }[] = [];

  constructor(level: pino.Level = 'debug') {
    this.logger = pino({ level }, { write: (line: string) => this.wrote(JSON.parse(line) as LogEntry) });
  }

  /** Resolves once `count` lines (since the logger was made) match `where`. */
  seen(where: (entry: LogEntry) => boolean, count = 1): Promise<void> {
    if (this.entries.filter(where).length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ match: where, count, resolve }));
  }

  private wrote(entry: LogEntry): void {
    this.entries.push(entry);
    for (const waiter of [...this.waiters]) {
      if (this.entries.filter(waiter.match).length < waiter.count) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}
