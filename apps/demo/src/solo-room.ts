import {
  LoopbackSocket,
  RoomConnection,
  type WebSocketConstructor,
  WebStorageRoomStore,
} from '@tandem/client';
import { Room } from '@tandem/room';
import { canvasReducer } from './canvas.js';

// The solo editor's document: a room engine in this page, kept in localStorage, reached by the
// same kind of connection the editor has in a session, so the editor works the same alone.
// Nothing of it goes to the server.

/** The room id under which this browser keeps its solo canvas. */
const SOLO_ROOM = 'solo';
/** The only person in the solo room: its host, so every layer is theirs to edit. */
const SOLO_USER = 'solo-user';

/** A solo canvas open in this page. */
export interface SoloRoom {
  room: RoomConnection;
  /** Leaves the connection and stops the engine; the canvas stays stored. */
  close(): void;
}

/** Opens this browser's solo canvas (as the last page left it, or empty) for `name`. */
export async function openSoloRoom(name: string): Promise<SoloRoom> {
  const engine = await Room.load({
    id: SOLO_ROOM,
    store: new WebStorageRoomStore(localStorage, 'tandem-demo:solo:'),
    settings: { hostUserId: SOLO_USER, joinCode: '', policy: 'open', docMode: 'ops' },
  });
  const room = new RoomConnection({
    url: location.origin,
    target: { roomId: SOLO_ROOM },
    // The loopback needs no credential: the engine is told who connects.
    tokens: { token: async () => '', ticket: async () => '' },
    // Never opened: the connector stands in for it.
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    // Nobody else is there to see the cursor.
    autoVisibility: false,
    liveness: false,
    connector: () => new LoopbackSocket(engine, { userId: SOLO_USER, name }),
  });
  // Before the first operation arrives.
  room.ops.use(canvasReducer);
  room.connect();
  return {
    room,
    close: () => {
      room.leave();
      void engine.close();
    },
  };
}
