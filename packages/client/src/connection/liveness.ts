import { type Clock, systemClock, type TimerHandle } from '@tandem/room';

/**
 * How a connection finds out that its server went silent (a network that dropped without closing
 * anything, a laptop asleep, a proxy that hangs): a connection quiet for `pingAfterMs` sends a
 * protocol `ping`, and one that then hears nothing for `timeoutMs` is given up and reconnected.
 */
export interface LivenessOptions {
  /** Quiet time after which the client asks the server for a sign of life. Default 10 000 ms. */
  pingAfterMs?: number;
  /** Time the server has to answer (with anything) before the connection is dropped. Default 15 000 ms. */
  timeoutMs?: number;
}

export const DEFAULT_PING_AFTER_MS = 10_000;
export const DEFAULT_LIVENESS_TIMEOUT_MS = 15_000;

/**
 * One attempt's watch over its socket. Only a ping actually sent starts the count to a timeout, so
 * a browser that throttles the timers of a background tab delays the verdict instead of forging one.
 */
export class Liveness {
  private readonly pingAfter: number;
  private readonly timeout: number;
  private lastHeard: number;
  private pingSentAt: number | undefined;
  private timer: TimerHandle | undefined;

  constructor(
    options: LivenessOptions,
    private readonly ping: () => void,
    private readonly silent: (quietMs: number) => void,
    private readonly clock: Clock = systemClock,
  ) {
    this.pingAfter = Math.max(1, options.pingAfterMs ?? DEFAULT_PING_AFTER_MS);
    this.timeout = Math.max(1, options.timeoutMs ?? DEFAULT_LIVENESS_TIMEOUT_MS);
    this.lastHeard = clock.now();
    this.schedule(this.pingAfter);
  }

  /** Something arrived from the server (or the socket opened). */
  heard(): void {
    this.lastHeard = this.clock.now();
  }

  /** The attempt is over: no more pings, no verdict. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.timer = this.clock.setTimeout(() => this.check(), ms);
  }

  private check(): void {
    const now = this.clock.now();
    if (this.pingSentAt !== undefined) {
      if (this.lastHeard < this.pingSentAt) {
        this.timer = undefined;
        this.silent(now - this.lastHeard);
        return;
      }
      this.pingSentAt = undefined;
    }
    const quiet = now - this.lastHeard;
    if (quiet < this.pingAfter) return this.schedule(this.pingAfter - quiet);
    this.pingSentAt = now;
    this.ping();
    this.schedule(this.timeout);
  }
}
