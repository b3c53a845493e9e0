import type { Role } from '@tandem/protocol';
import type { TimerHandle } from './clock.js';
import type { Identity } from './identity.js';
import type { RoomLimits } from './options.js';
import { ConnectionBudgets } from './parts/budget.js';
import type { RoomSocket } from './socket.js';

/**
 * Where a connection is in its life. Fields that exist in only one phase live only there.
 * - `hello`: connected, identity known, waiting for the client's `hello`;
 * - `waiting`: in the waiting room; receives nothing of the room;
 * - `admitted`: a participant;
 * - `closed`: gone; any further input is ignored.
 */
export type Phase =
  | { readonly kind: 'hello' }
  | { readonly kind: 'waiting'; readonly since: number }
  | {
      readonly kind: 'admitted';
      presence: Uint8Array;
      hidden: boolean;
      /** Last cursor frame, already encoded for peers, replayed to late joiners. */
      cursor: Uint8Array | undefined;
    }
  | { readonly kind: 'closed' };

export type AdmittedPhase = Extract<Phase, { kind: 'admitted' }>;

/** One transport connection inside a room. */
export class Connection {
  phase: Phase = { kind: 'hello' };
  /** Assigned at hello; 0 before. Never reused while the connection lives. */
  slot = 0;
  /** Assigned at hello; kept for the whole connection. */
  color = '';
  /** Display name, from identity (or the hello hint when identity has none). */
  name = '';
  role: Role = 'guest';
  /** Document version/sequence the client said it holds. */
  since = 0;
  /** The client's id within its user (`retryKey`), under which its edits are remembered; '' for none. */
  retryKey = '';
  /** Closes the connection if `hello` does not arrive in time; cleared by hello or leave. */
  helloTimer: TimerHandle | undefined;
  readonly budgets: ConnectionBudgets;

  constructor(
    readonly id: number,
    readonly socket: RoomSocket,
    readonly identity: Identity,
    limits: RoomLimits,
  ) {
    this.budgets = new ConnectionBudgets(limits);
  }

  get userId(): string {
    return this.identity.userId;
  }

  /** The admitted phase, or undefined when not admitted. */
  get participant(): AdmittedPhase | undefined {
    return this.phase.kind === 'admitted' ? this.phase : undefined;
  }
}
