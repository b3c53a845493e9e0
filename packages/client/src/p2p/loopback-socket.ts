import type { Identity, Room, RoomSocket } from '@tandem/room';
import { SocketLikeBase } from './socket-base.js';

/**
 * The host's own connection to the room its browser runs: a {@link WebSocketLike} whose far end is
 * the room engine in this page. Frames cross on microtasks, copied, as they would cross a network,
 * so the host's client and its room behave exactly as over a socket.
 */
export class LoopbackSocket extends SocketLikeBase {
  private id = 0;

  constructor(
    private readonly room: Room,
    identity: Identity,
  ) {
    super();
    const roomSide: RoomSocket = {
      send: (frame) => {
        const copy = frame.slice();
        queueMicrotask(() => {
          if (this.readyState === 1) this.onmessage?.({ data: copy.buffer });
        });
      },
      close: (code, reason) => queueMicrotask(() => this.finish(code, reason)),
    };
    queueMicrotask(() => {
      if (this.readyState !== 0) return;
      this.id = room.connect(roomSide, identity);
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: Uint8Array): void {
    if (this.readyState !== 1) return;
    const copy = data.slice();
    queueMicrotask(() => {
      if (this.readyState === 1) this.room.receive(this.id, copy);
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    if (this.id !== 0) this.room.disconnect(this.id);
    queueMicrotask(() => this.finish(code, reason));
    this.readyState = 2;
  }

  private finish(code: number, reason: string): void {
    if (this.readyState === 3) return;
    const wasOpen = this.id !== 0;
    this.readyState = 3;
    if (wasOpen) this.room.disconnect(this.id);
    this.onclose?.({ code, reason });
  }
}
