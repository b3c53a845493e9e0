import type { TandemError } from '@tandem/client';

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
  NotFound: 'There is no session with that code. Check it and try again.',
  JoinRateLimited: 'Too many joins this minute. Wait a little and try again.',
  HostLimit: 'You are hosting as many sessions as allowed. End one first.',
  Unauthorized: 'Your sign-in was refused. Sign in again.',
  TokenExpired: 'Your sign-in expired.',
  RoomClosed: 'This session has ended.',
  SessionEnded: 'The host ended the session.',
  HostAway: 'The host is not connected right now. Waiting for them to come back…',
  NotInSession: 'You are not in the session this belongs to. Ask the host to add you.',
  Disconnected: 'The connection closed before the server answered.',
};

export function friendly(error: Pick<TandemError, 'codeName' | 'message'> | undefined): string {
  if (!error) return '';
  // Turned away again too soon: the room says how long to wait.
  if (/again in \d+ s$/.test(error.message))
    return `${error.message[0]!.toUpperCase()}${error.message.slice(1)}.`;
  return MESSAGES[error.codeName] ?? error.message;
}
