import { ErrorCode } from '@tandem/protocol';
import { type Identity, refuseSocket } from '@tandem/room';
import type { Logger } from '../observability/logger.js';
import type { Attachment } from '../placement/attachment.js';
import { Link } from '../placement/link.js';
import { ROOM_MOVED } from '../refusal.js';
import type { ClusterBus } from './bus.js';
import { RemoteSocket } from './remote-socket.js';

/** Frames a forwarded connection may send before its room is attached on the owner. */
const MAX_QUEUED_FRAMES = 256;

/** On the owning node: a connection held by another node. */
interface Remote {
  socket: RemoteSocket;
  link: Link;
  /** When its entry node last said it still holds it (or opened it). */
  vouched: number;
}

/** Where a forwarded connection goes on this node: its room, or a peer-to-peer session's signaling. */
export type OpenHere = (room: string, socket: RemoteSocket, identity: Identity) => Promise<Attachment>;

/**
 * The owner side of forwarding: connections to rooms here whose clients are connected to other
 * nodes. Each is attached like a local connection, through the same {@link Link}; what its room
 * sends goes back over the bus ({@link RemoteSocket}).
 */
export class RemoteConnections {
  private readonly remote = new Map<string, Remote>();

  constructor(
    private readonly bus: ClusterBus,
    private readonly logger: Logger,
    private readonly leaseMs: number,
    private readonly openHere: OpenHere,
  ) {}

  /** Connections to rooms here whose clients are connected to other servers. */
  get size(): number {
    return this.remote.size;
  }

  /** A client of node `from` connected to `room` here: attach it like one of our own. */
  open(from: string, conn: string, room: string, identity: Identity): void {
    const socket = new RemoteSocket(this.bus, from, conn, () => this.drop(conn, remote));
    const remote: Remote = {
      socket,
      link: new Link({
        maxQueuedFrames: MAX_QUEUED_FRAMES,
        // The entry node bounded the bytes already; what it let through arrives here in frames.
        maxQueuedBytes: Number.POSITIVE_INFINITY,
        refuse: (code, message) => {
          this.drop(conn, remote);
          refuseSocket(socket, code, message);
        },
        logger: this.logger,
        log: { conn },
      }),
      vouched: Date.now(),
    };
    this.remote.set(conn, remote);
    remote.link.attach(this.openHere(room, socket, identity));
  }

  /** A frame from the client. */
  receive(conn: string, frame: Uint8Array): void {
    this.remote.get(conn)?.link.receive(frame);
  }

  /** The connection has gone (its entry node said so, or a message to it was lost). */
  drop(conn: string, only?: Remote, clean = false): void {
    const remote = this.remote.get(conn);
    if (!remote || (only && remote !== only)) return;
    this.remote.delete(conn);
    remote.link.leave(clean);
  }

  /** Closes every connection here from other servers' clients, which tells them to reconnect. */
  restartAll(): void {
    for (const [conn, remote] of [...this.remote]) {
      this.drop(conn);
      refuseSocket(remote.socket, ErrorCode.ServerShutdown, ROOM_MOVED);
    }
  }

  /**
   * `node` still holds `conns`. Its messages arrive in the order it sent them, so each one's `open`
   * came before this: one missing here was let go of, and `node` is told so.
   */
  vouched(node: string, conns: readonly string[]): void {
    const now = Date.now();
    const gone: string[] = [];
    for (const conn of conns) {
      const remote = this.remote.get(conn);
      if (remote) remote.vouched = now;
      else gone.push(conn);
    }
    if (gone.length > 0) this.bus.send(node, { t: 'gone', conns: gone });
  }

  /**
   * Connections their entry node has not vouched for in a whole lease leave their rooms: that node
   * died, or their leaving was lost while it was cut off from Redis. Either way nobody holds their
   * client any more, and they must not keep its place in the room.
   */
  expireUnvouched(): void {
    const before = Date.now() - this.leaseMs;
    for (const [conn, remote] of this.remote) if (remote.vouched < before) this.drop(conn, remote);
  }
}
