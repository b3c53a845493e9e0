import type { HostingCount } from './hosting.js';
import type { OwnerClaim } from './server-store.js';

/**
 * Where sessions may live, in a cluster: a session is loaded only on the node that owns it. Absent
 * on a single server, where every session lives here.
 */
export interface SessionClaims extends HostingCount {
  /** Claims `sessionId` for this node: undefined when it is (now) this node's, else its owner's id. */
  claim(sessionId: string): Promise<string | undefined>;
  /**
   * The store refused this node's claim on `sessionId`: it holds a later generation, `stored`, or
   * another node's claim under the same one.
   * Claims the session again above it when the lease is still this node's claim (Redis lost its
   * counter and handed out a number already used) or free: undefined when it is this node's now,
   * else its owner's id.
   */
  claimAbove(sessionId: string, stored: number): Promise<string | undefined>;
  /** True when another node owns the session now. */
  ownedElsewhere(sessionId: string): Promise<boolean>;
  /** The node that owns the session now, when that is another node; else undefined. */
  ownerElsewhere(sessionId: string): Promise<string | undefined>;
  /**
   * This node's claim on the session: its store reads and writes carry it, and the store refuses
   * them once another claim has been recorded (the session moved on without us).
   */
  claimOf(sessionId: string): OwnerClaim | undefined;
}
