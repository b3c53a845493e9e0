import { ErrorCode } from '@tandem/protocol';
import { Refusal } from '../refusal.js';

/** One of a user's hosted sessions, held while a session is being created. */
export interface HostingReservation {
  /** Gives the reservation back: the session is counted now, or its creation failed. */
  release(): Promise<void>;
}

/**
 * The sessions each user hosts, counted for the hosted-room limit: across a cluster (Redis, in the
 * cluster's `SessionClaims`) or in this process ({@link LocalHosting}).
 */
export interface HostingCount {
  /**
   * Reserves one of `userId`'s `limit` hosted sessions while a session is being created, so that
   * concurrent creations cannot all pass the check before any of them is counted.
   *
   * @throws Refusal (`HostLimit`) when the user already hosts `limit` sessions.
   */
  reserveHosting(userId: string, limit: number): Promise<HostingReservation>;
  /** A session was just created here, hosted by `userId`: count it for that user at once. */
  hosted(sessionId: string, userId: string): Promise<void>;
}

/**
 * A single server's count: the sessions loaded here whose host is the user, plus the ones being
 * created for them now.
 */
export class LocalHosting implements HostingCount {
  private readonly creating = new Map<string, number>();

  /** `loaded` counts the sessions (not rooms: companions come with their session) loaded here. */
  constructor(private readonly loaded: (userId: string) => number) {}

  // Not awaiting before the count is taken keeps the check and the increment one step.
  async reserveHosting(userId: string, limit: number): Promise<HostingReservation> {
    const inFlight = this.creating.get(userId) ?? 0;
    const hosted = this.loaded(userId) + inFlight;
    if (hosted >= limit)
      throw new Refusal(ErrorCode.HostLimit, `you already host ${hosted} sessions, the most allowed`);
    this.creating.set(userId, inFlight + 1);
    return { release: async () => this.done(userId) };
  }

  // A session created here is counted once it is loaded, which it is before its reservation ends.
  async hosted(): Promise<void> {}

  private done(userId: string): void {
    const left = (this.creating.get(userId) ?? 1) - 1;
    if (left > 0) this.creating.set(userId, left);
    else this.creating.delete(userId);
  }
}
