/**
 * A connection's way into what it connected to (a room, or a peer-to-peer session's signaling),
 * wherever that runs: frames in, and leaving.
 */
export interface Attachment {
  receive(frame: Uint8Array): void;
  detach(): void;
  /** Leaving with a clean close (code 1000): a peer-to-peer host ending its session. */
  leaveCleanly?: () => void;
}
