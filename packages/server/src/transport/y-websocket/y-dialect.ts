import type { RoomSocket } from '@tandem/room';
import type { Farewell, WsRoomSocket } from '../ws-socket.js';
import { YBridge } from './y-bridge.js';
import { yCloseCode } from './y-close.js';

/** A connection's socket as its room sees it, and the client's frames on their way in. */
export interface Wrapped {
  /** What the room sends to and closes. */
  room: RoomSocket;
  /** A frame from the client. */
  receive(frame: Uint8Array): void;
  /** The connection has gone. */
  leave(): void;
}

/** A wire format other than Tandem's, spoken by one connection and translated at its socket. */
export interface Dialect {
  /** How a refusal is told to this client. */
  farewell: Farewell;
  /** Wraps the connection's socket; `toRoom` takes Tandem frames to its room. */
  wrap(socket: WsRoomSocket, toRoom: (frame: Uint8Array) => void): Wrapped;
  /** The room the connection goes to is known (before it is opened). */
  roomFound(): void;
}

/** y-websocket's refusal: no frame it could read, a close code that stops its provider when final. */
const yFarewell: Farewell = (code) => ({ closeCode: yCloseCode(code) });

/** One y-websocket connection's dialect: a {@link YBridge} between it and its room. */
export function yWebsocketDialect(): Dialect {
  let bridge: YBridge | undefined;
  return {
    farewell: yFarewell,
    wrap(socket, toRoom) {
      const made = new YBridge(socket, toRoom);
      bridge = made;
      return { room: made, receive: (frame) => made.receive(frame), leave: () => made.leave() };
    },
    roomFound() {
      bridge?.start();
    },
  };
}
