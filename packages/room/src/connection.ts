import type { AccessLevel, Role } from '@tandem/protocol';
import type { TimerHandle } from './clock.js';
import type { Identity } from './identity.js';
import type { RoomLimits } from './options.js';
import { ConnectionBudgets } from './parts/budget.js';
import type { RoomSocket } from './socket.js';

/**
 * Who a connection is in the room once its `hello` was accepted. Made once at hello and carried,
 * unchanged, from the waiting room through admission to the close.
 */
export interface Seat {
  /** Never reused while the connection lives. */
  readonly slot: number;
  readonly color: string;
  /** Display name, from identity (or the hello hint when identity has none). */
  readonly name: string;
  readonly role: Role;
  /** Document version/sequence the client said it holds. */
  readonly since: number;
  /** The client's id within its user (`retryKey`), under which its edits are remembered; '' for none. */
  readonly retryKey: string;
}

/** Connected, identity known, waiting for the client's `hello`. */
export interface HelloPhase {
  readonly kind: 'hello';
  /** Closes the connection if `hello` does not arrive in time; cleared by hello or leave. */
  helloTimer: TimerHandle | undefined;
  /**
   * Given once its hello is accepted, for the moment the room decides between the waiting room,
   * admission and refusal; a refusal then still reports the slot it was welcomed with.
   */
  readonly seat?: Seat;
}

/** In the waiting room; receives nothing of the room. */
export interface WaitingPhase {
  readonly kind: 'waiting';
  readonly seat: Seat;
  /** When it began waiting. */
  readonly at: number;
}

/** A participant. */
export interface AdmittedPhase {
  readonly kind: 'admitted';
  readonly seat: Seat;
  presence: Uint8Array;
  hidden: boolean;
  /** Last cursor frame, already encoded for peers, replayed to late joiners. */
  cursor: Uint8Array | undefined;
}

/** Gone; any further input is ignored. Keeps the seat it had, for what is reported after it left. */
export interface ClosedPhase {
  readonly kind: 'closed';
  readonly seat: Seat | undefined;
}

/** Where a connection is in its life. Fields that exist in only some phases live only there. */
export type Phase = HelloPhase | WaitingPhase | AdmittedPhase | ClosedPhase;

/** One transport connection inside a room. */
export class Connection {
  phase: Phase;
  readonly budgets: ConnectionBudgets;
  /**
   * What it may do once admitted: from its identity, and set again at admission and whenever the
   * host changes its user's access.
   */
  access: AccessLevel;

  constructor(
    readonly id: number,
    readonly socket: RoomSocket,
    readonly identity: Identity,
    limits: RoomLimits,
  ) {
    this.phase = { kind: 'hello', helloTimer: undefined };
    this.budgets = new ConnectionBudgets(limits);
    this.access = identity.access ?? 'write';
  }

  get userId(): string {
    return this.identity.userId;
  }

  /** The admitted phase, or undefined when not admitted. */
  get participant(): AdmittedPhase | undefined {
    return this.phase.kind === 'admitted' ? this.phase : undefined;
  }

  /** Its seat, from hello on; undefined before its hello was accepted. */
  get seat(): Seat | undefined {
    return this.phase.seat;
  }

  /** Its slot, or 0 before its hello was accepted (what activity reports for such a connection). */
  get slot(): number {
    return this.seat?.slot ?? 0;
  }
}

/** A connection in the admitted phase, as the parts that serve participants see it. */
export interface Participant extends Connection {
  readonly phase: AdmittedPhase;
  readonly seat: Seat;
}

/** A connection in the waiting room. */
export interface Waiting extends Connection {
  readonly phase: WaitingPhase;
  readonly seat: Seat;
}

/** Narrows `conn` to one in the waiting room. */
export function isWaiting(conn: Connection): conn is Waiting {
  return conn.phase.kind === 'waiting';
}

/** Narrows `conn` to a participant. */
export function isParticipant(conn: Connection): conn is Participant {
  return conn.phase.kind === 'admitted';
}
