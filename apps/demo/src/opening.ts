import type { HostOptions } from '@tandem/client';
import type { CanvasState } from './canvas-model.js';

// What the solo editor hands to the session screen, apart from both so neither imports the other.

/** Who may join a session. */
export type AdmissionPolicy = NonNullable<HostOptions['policy']>;

/** What the session screen opens: a server session by join code, or a peer-to-peer session. */
export type Opening =
  | { kind: 'code'; code: string }
  /**
   * `resume`: the session this tab hosted before the page reloaded. `seed`: the canvas the
   * session starts from (what was on the solo canvas).
   */
  | { kind: 'p2p-host'; policy: AdmissionPolicy; resume?: string; seed?: CanvasState }
  | { kind: 'p2p-guest'; sessionId: string };
