import { Connection, isParticipant, type Participant } from './connection.js';
import type { Identity } from './identity.js';
import type { RoomLimits } from './options.js';
import type { RoomSocket } from './socket.js';

/**
 * A room's live connections, in order of arrival. Each cursor tick sends to every admitted one, so
 * that list is kept between admissions and leaves rather than filtered from all of them each time.
 */
export class Connections {
  private readonly byId = new Map<number, Connection>();
  private nextId = 1;
  private admittedList: Participant[] | undefined;

  constructor(private readonly limits: RoomLimits) {}

  /** Live connections, in any phase. */
  get size(): number {
    return this.byId.size;
  }

  add(socket: RoomSocket, identity: Identity): Connection {
    const conn = new Connection(this.nextId++, socket, identity, this.limits);
    this.byId.set(conn.id, conn);
    return conn;
  }

  get(id: number): Connection | undefined {
    return this.byId.get(id);
  }

  delete(conn: Connection): void {
    this.byId.delete(conn.id);
    this.admittedList = undefined;
  }

  /** Every live connection, in any phase. */
  all(): IterableIterator<Connection> {
    return this.byId.values();
  }

  /** A connection was just admitted. */
  admittedChanged(): void {
    this.admittedList = undefined;
  }

  /** Every admitted connection. */
  admitted(): readonly Participant[] {
    if (this.admittedList) return this.admittedList;
    const list: Participant[] = [];
    for (const c of this.byId.values()) if (isParticipant(c)) list.push(c);
    this.admittedList = list;
    return list;
  }

  /** Admitted connections of one user. */
  of(userId: string): Participant[] {
    return this.admitted().filter((c) => c.userId === userId);
  }
}
