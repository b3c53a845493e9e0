import { ErrorCode } from '@tandem/protocol';
import { type Identity, plainIdentity, type RoomSocket, refuseSocket } from '@tandem/room';
import type { Attachment } from '../placement/attachment.js';
import { ROOM_MOVED } from '../refusal.js';
import type { ClusterBus } from './bus.js';

/** A client connection of this node, carried to the node that owns its room. */
interface Forwarded {
  owner: string;
  session: string;
  socket: RoomSocket;
}

/**
 * The entry side of forwarding: clients connected here whose room runs on another node. Their
 * frames go to the owner over the bus and the owner's come back to their sockets, in order; the
 * WebSocket itself (authentication, heartbeat, backpressure, token expiry) stays here.
 */
export class ForwardedConnections {
  private readonly forwarded = new Map<string, Forwarded>();

  constructor(
    private readonly bus: ClusterBus,
    private readonly nodeId: string,
  ) {}

  /** Clients connected here whose room runs on another server. */
  get size(): number {
    return this.forwarded.size;
  }

  has(conn: string): boolean {
    return this.forwarded.has(conn);
  }

  /** Carries a connection (`conn`, unique in the cluster) to `roomId` at `owner`. */
  open(
    conn: string,
    owner: string,
    roomId: string,
    session: string,
    socket: RoomSocket,
    identity: Identity,
  ): Attachment {
    this.forwarded.set(conn, { owner, session, socket });
    this.bus.send(owner, {
      t: 'open',
      conn,
      from: this.nodeId,
      room: roomId,
      identity: plainIdentity(identity),
    });
    return {
      receive: (frame) => this.bus.send(owner, { t: 'in', conn, frame }),
      detach: () => {
        if (this.forwarded.delete(conn)) this.bus.send(owner, { t: 'leave', conn });
      },
      leaveCleanly: () => {
        if (this.forwarded.delete(conn)) this.bus.send(owner, { t: 'leave', conn, clean: true });
      },
    };
  }

  /** A frame from the room, for the client. */
  out(conn: string, frame: Uint8Array): void {
    this.forwarded.get(conn)?.socket.send(frame);
  }

  /** The room closed the connection. */
  closed(conn: string, code: number, reason: string): void {
    const forwarded = this.forwarded.get(conn);
    if (!forwarded) return;
    this.forwarded.delete(conn);
    forwarded.socket.close(code, reason);
  }

  /** Tells a forwarded client to reconnect, and its room's server that it has gone. */
  restart(conn: string): void {
    const forwarded = this.forwarded.get(conn);
    if (!forwarded) return;
    this.forwarded.delete(conn);
    this.bus.send(forwarded.owner, { t: 'leave', conn });
    refuseSocket(forwarded.socket, ErrorCode.ServerShutdown, ROOM_MOVED);
  }

  /** {@link restart} for every forwarded connection. */
  restartAll(): void {
    for (const conn of [...this.forwarded.keys()]) this.restart(conn);
  }

  /**
   * Tells each owner which of its connections this node still holds. An owner that let one go
   * without this node hearing of it (the message it could not send was the news) answers `gone`,
   * and the client is told to reconnect instead of waiting on a room that no longer has it.
   */
  vouch(): void {
    const byOwner = new Map<string, string[]>();
    for (const [conn, { owner }] of this.forwarded) {
      const conns = byOwner.get(owner);
      if (conns) conns.push(conn);
      else byOwner.set(owner, [conn]);
    }
    for (const [owner, conns] of byOwner) this.bus.send(owner, { t: 'keep', from: this.nodeId, conns });
  }

  /** Forwarded connections whose owner no longer holds their session are told to reconnect. */
  async checkOwners(ownerOf: (session: string) => Promise<string | null>): Promise<void> {
    const bySession = new Map<string, string>();
    for (const f of this.forwarded.values()) bySession.set(f.session, f.owner);
    for (const [session, owner] of bySession) {
      if ((await ownerOf(session)) === owner) continue;
      for (const [conn, f] of this.forwarded) {
        if (f.session !== session) continue;
        this.forwarded.delete(conn);
        refuseSocket(f.socket, ErrorCode.ServerShutdown, ROOM_MOVED);
      }
    }
  }

  /** This node is leaving the cluster: every owner is told its forwarded connections have gone. */
  leaveAll(): void {
    for (const [conn, f] of this.forwarded) {
      this.forwarded.delete(conn);
      this.bus.send(f.owner, { t: 'leave', conn });
    }
  }
}
