import { isAppRoom } from './app-rooms.js';

/**
 * A companion's id is its parent's id, a dot, and its own part, so the link needs no storage. App
 * rooms (`doc:<name>`, whose name may hold dots) have no parent.
 */
export function parentOf(roomId: string): string | undefined {
  if (isAppRoom(roomId)) return undefined;
  const dot = roomId.indexOf('.');
  return dot > 0 ? roomId.slice(0, dot) : undefined;
}

/**
 * The session a room belongs to: its parent for a companion, else itself. A session lives on one
 * node; an app room is a session key of its own (`doc:<name>`).
 */
export function sessionOf(roomId: string): string {
  return parentOf(roomId) ?? roomId;
}
