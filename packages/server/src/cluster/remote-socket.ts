import type { RoomSocket } from '@tandem/room';
import type { ClusterBus } from './bus.js';

/**
 * On the owning node, a connection whose WebSocket is held by another node: what the room sends
 * it is published to that node, which writes it to the client.
 */
export class RemoteSocket implements RoomSocket {
  private closed = false;

  constructor(
    private readonly bus: ClusterBus,
    /** The node holding the client's WebSocket. */
    readonly node: string,
    readonly conn: string,
    /**
     * Called (on a later microtask, never inside the room's own call) once this side has closed
     * the connection: it leaves its room here as a local connection does when its WebSocket closes.
     */
    private readonly onClosed: () => void = () => {},
  ) {}

  send(frame: Uint8Array): void {
    if (!this.closed) this.bus.send(this.node, { t: 'out', conn: this.conn, frame });
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.bus.send(this.node, { t: 'close', conn: this.conn, code, reason });
    queueMicrotask(this.onClosed);
  }
}
