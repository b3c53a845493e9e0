/** A companion's id is its parent's id, a dot, and its own part, so the link needs no storage. */
export function parentOf(roomId: string): string | undefined {
  const dot = roomId.indexOf('.');
  return dot > 0 ? roomId.slice(0, dot) : undefined;
}

/** The session a room belongs to: its parent for a companion, else itself. A session lives on one node. */
export function sessionOf(roomId: string): string {
  return parentOf(roomId) ?? roomId;
}
