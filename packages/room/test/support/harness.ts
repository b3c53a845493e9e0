import {
  type ClientMessage,
  decodeAll,
  encode,
  type Message,
  type MessageName,
  type MessageOf,
  PROTOCOL_VERSION,
} from '@tandem/protocol';
import {
  type Identity,
  ManualClock,
  MemoryRoomStore,
  Room,
  type RoomConfig,
  type RoomSocket,
} from '../../src/index.js';
import { seededRandom } from './random.js';

/** A socket that keeps every raw frame the room sent it. */
export class RecordingSocket implements RoomSocket {
  readonly frames: Uint8Array[] = [];
  closed: { code: number; reason: string } | undefined;
  sentAfterClose = 0;

  send(frame: Uint8Array): void {
    if (this.closed) this.sentAfterClose++;
    this.frames.push(frame);
  }

  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }
}

/** One simulated person: a connection with its identity and everything it received. */
export class Peer {
  readonly socket = new RecordingSocket();
  readonly id: number;
  private read = 0;

  constructor(
    readonly room: Room,
    readonly identity: Identity,
  ) {
    this.id = room.connect(this.socket, identity);
  }

  /** Sends `hello` and returns the peer for chaining; a `clientId` gives its edits an identity. */
  hello(since = 0, name = '', clientId = ''): this {
    this.send({ type: 'hello', version: PROTOCOL_VERSION, clientId, name, since });
    return this;
  }

  send(message: ClientMessage): void {
    this.room.receive(this.id, encode(message));
  }

  sendRaw(frame: Uint8Array): void {
    this.room.receive(this.id, frame);
  }

  disconnect(): void {
    this.room.disconnect(this.id);
  }

  /** Every message received so far, decoded, with batched cursors unpacked as a client does. */
  all(): Message[] {
    return this.socket.frames.flatMap(decodeAll);
  }

  /** Messages received since the last call to `fresh` (or since the start), unpacked. */
  fresh(): Message[] {
    const out = this.socket.frames.slice(this.read).flatMap(decodeAll);
    this.read = this.socket.frames.length;
    return out;
  }

  /** Every received message of one type. */
  of<N extends MessageName>(type: N): MessageOf<N>[] {
    return this.all().filter((m): m is MessageOf<N> => m.type === type);
  }

  last<N extends MessageName>(type: N): MessageOf<N> | undefined {
    return this.of(type).at(-1);
  }

  get welcome(): MessageOf<'welcome'> {
    const w = this.last('welcome');
    if (!w) throw new Error(`${this.identity.userId} has no welcome`);
    return w;
  }

  get slot(): number {
    return this.welcome.slot;
  }

  get admitted(): boolean {
    return this.of('admission').some((a) => a.state === 'admitted') && !this.socket.closed;
  }

  errors(): MessageOf<'error'>[] {
    return this.of('error');
  }

  /** The lock id this peer was last granted for `resource`. */
  lockId(resource: string): string {
    const g = this.of('lockGranted')
      .filter((m) => m.resource === resource)
      .at(-1);
    if (!g) throw new Error(`${this.identity.userId} holds no grant for ${resource}`);
    return g.lockId;
  }
}

export interface Harness {
  room: Room;
  clock: ManualClock;
  store: MemoryRoomStore;
  /** Connects a peer (not yet said hello). */
  peer(userId: string, extra?: Partial<Identity>): Peer;
  /** Connects a peer and says hello. */
  join(userId: string, extra?: Partial<Identity>): Peer;
}

/** A room on a manual clock with seeded randomness; `host` becomes host by joining first. */
export function makeRoom(config: Partial<RoomConfig> = {}, seed = 1): Harness {
  const clock = new ManualClock();
  const store = (config.store as MemoryRoomStore | undefined) ?? new MemoryRoomStore();
  const room = new Room({ id: 'room-1', clock, random: seededRandom(seed), store, ...config });
  const peer = (userId: string, extra: Partial<Identity> = {}) =>
    new Peer(room, { userId, name: extra.name ?? userId, ...extra });
  return { room, clock, store, peer, join: (userId, extra) => peer(userId, extra).hello() };
}

/** Every frame type a peer ever received, for asserting what a non-admitted connection saw. */
export function typesReceived(peer: Peer): Set<MessageName> {
  return new Set(peer.all().map((m) => m.type));
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}
