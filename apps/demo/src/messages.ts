import type { LockLostReason, TandemError } from '@tandem/client';

/** What to tell a person about each refusal, in plain words. */
const MESSAGES: Record<string, string> = {
  RateLimited: 'Slow down: that was more than the session accepts per second. It was not sent.',
  Flood: 'Too many messages at once: the server closed the connection.',
  RoomFull: 'This session is full: it has as many people as it allows. Try again when someone leaves.',
  WaitingRoomFull: 'Too many people are waiting to join this session. Try again in a moment.',
  Removed: 'The host removed you from this session.',
  Declined: 'The host declined your request to join.',
  NotTrusted: "This session only admits people on the host's trusted list.",
  DocTooLarge:
    'That change is too large to sync: it would take the document over its size cap. It was not saved.',
  PayloadTooLarge: 'That message is too large to send.',
  LockedByOther: 'Someone else is editing that layer. Ask them for access.',
  RoomNotFound: 'There is no session with that code or ID. Check it and try again.',
  JoinRateLimited: 'Too many joins this minute. Wait a little and try again.',
  HostLimit: 'You are hosting as many sessions as allowed. End one first.',
  Unauthorized: 'Your sign-in was refused. Sign in again.',
  TokenExpired: 'Your sign-in expired.',
  RoomClosed: 'This session has ended.',
  SessionEnded: 'The host ended the session.',
  HostAway: 'The host is not connected right now. Waiting for them to come back…',
  NotInSession: 'You are not in the session this belongs to. Ask the host to add you.',
  Disconnected: 'The connection closed before the server answered.',
  Offline: 'You are offline. The session reconnects by itself when the network is back.',
  NoAnswer: 'The server stopped answering. Reconnecting…',
};

/**
 * What a refusal was about: joining the session (the connection itself), a layer's lock, or
 * anything else. The same code means different things in each: a `NotFound` is a session only
 * when joining; for a lock it means the hold lapsed or was let go.
 */
export type Concerning = 'join' | 'lock' | 'other';

const IN_CONTEXT: Record<Concerning, Record<string, string>> = {
  join: { NotFound: 'There is no session with that code. Check it and try again.' },
  lock: { NotFound: 'Your hold on that layer expired or was released. Select it again to edit it.' },
  other: { NotFound: 'That is no longer there: it ended, expired or was released.' },
};

/**
 * A refusal in plain words. Without `concerning`, a notice the room sent on its own (a lock renewal
 * it no longer holds says "… is not locked") is read as being about a lock when it names one.
 */
export function friendly(
  error: Pick<TandemError, 'codeName' | 'message'> | undefined,
  concerning: Concerning = error && /\block/i.test(error.message) ? 'lock' : 'other',
): string {
  if (!error) return '';
  // Turned away again too soon: the room says how long to wait.
  if (/again in \d+ s$/.test(error.message))
    return `${error.message[0]!.toUpperCase()}${error.message.slice(1)}.`;
  return IN_CONTEXT[concerning][error.codeName] ?? MESSAGES[error.codeName] ?? error.message;
}

/**
 * What to tell the holder whose hold on a layer ended without their letting go of it; nothing when
 * they handed it to someone who asked (they just clicked Release).
 */
export function lockLostMessage(reason: LockLostReason, layer: string): string | undefined {
  switch (reason) {
    case 'expired':
      return `Your hold on ${layer} expired: nothing was changed in it for a while. Select it again to keep editing.`;
    case 'released-to-requester':
      return undefined;
    case 'removed':
      return `Your hold on ${layer} was ended.`;
  }
}
