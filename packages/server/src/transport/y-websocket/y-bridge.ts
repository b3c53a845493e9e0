import {
  decode,
  ERRORS,
  ErrorCode,
  encode,
  errorOfCloseCode,
  MESSAGES,
  type Message,
  type MessageOf,
  PROTOCOL_VERSION,
} from '@tandem/protocol';
import type { RoomSocket } from '@tandem/room';
import { type AwarenessHub, type AwarenessUser, MAX_AWARENESS_BYTES } from './awareness-hub.js';
import { UpdatePacer } from './update-pacer.js';
import { decodeYFrame, encodeSync, Y_SYNC, type YFrame } from './y-frames.js';

/** The tags of the room's messages a bridge acts on; see `fromRoom`. */
const TRANSLATED_TAGS: ReadonlySet<number> = new Set<number>(
  (['batch', 'welcome', 'peerAccess', 'admission', 'yjs', 'error', 'lwwDoc', 'opsSync'] as const).map(
    (type) => MESSAGES[type].tag,
  ),
);

/** The y-websocket client's side of a bridge: frames to it, and its refusal. */
export interface YClientSocket {
  /** Sends one y-websocket frame. */
  send(frame: Uint8Array): void;
  /** Closes with the y-websocket close code for `code` (see `yCloseCode`), and leaves the room. */
  fail(code: ErrorCode, message?: string): void;
  /** Closes with `closeCode` as the room asked. */
  close(closeCode: number, reason: string): void;
}

/**
 * One y-websocket connection as a participant of a Tandem `yjs` room. To the room it is a client
 * like any other: it says `hello`, waits for admission, shows in the roster, and runs the Yjs
 * handshake of the protocol's "Yjs sync" with its budgets and document cap. To the y-websocket
 * client it is a y-websocket server: sync step 1 and 2 and updates in y-protocols frames, and
 * awareness relayed among the room's y-websocket connections. Only document frames and awareness
 * cross over; nothing of the room reaches the client before admission.
 */
export class YBridge implements RoomSocket {
  private rid = 0;
  private slot = 0;
  /** Its verified name and room colour (from the room's welcome), shown in its awareness states. */
  private user: AwarenessUser = { name: '', color: '' };
  private readOnly = false;
  /** The client's latest state vector, held until the room's handshake can answer it. */
  private clientSv: Uint8Array | undefined;
  /** The room has sent its state vector on admission: the client's own can be asked about. */
  private roomSvSeen = false;
  /** Request ids of this bridge's edits, so an error answering one is told apart. */
  private readonly edits = new Set<number>();
  private roomId: string | undefined;
  private gone = false;
  /** The client's latest awareness update from before its room was known, relayed once it is. */
  private earlyAwareness: Uint8Array | undefined;
  private readonly peer = { send: (frame: Uint8Array) => this.client.send(frame) };
  private readonly pacer = new UpdatePacer((data) => this.sendEdit('update', data));

  /**
   * @param client the y-websocket client's socket.
   * @param toRoom delivers one Tandem frame to the room, as if the client had sent it.
   * @param hub where awareness is relayed.
   */
  constructor(
    private readonly client: YClientSocket,
    private readonly toRoom: (frame: Uint8Array) => void,
    private readonly hub: AwarenessHub,
  ) {}

  /** Names the room this connection goes to, and says `hello` to it (delivered once attached). */
  start(roomId: string): void {
    // A connection gone while its room was being found must not enter the awareness relay.
    if (this.gone) return;
    this.roomId = roomId;
    this.hub.join(roomId, this.peer);
    this.deliver({ type: 'hello', version: PROTOCOL_VERSION, clientId: '', name: '', since: 0 });
    if (this.earlyAwareness) this.awareness(this.earlyAwareness);
    this.earlyAwareness = undefined;
  }

  /** A frame from the y-websocket client. A malformed one refuses the connection. */
  receive(frame: Uint8Array): void {
    let y: YFrame;
    try {
      y = decodeYFrame(frame);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return this.client.fail(ErrorCode.BadMessage, `malformed y-websocket frame: ${reason}`);
    }
    switch (y.kind) {
      case 'step1':
        this.clientSv = y.stateVector;
        return this.askDiff();
      case 'step2':
      case 'update':
        return this.edit(y.kind === 'step2' ? 'diff' : 'update', y.update);
      case 'awareness':
        return this.awareness(y.update);
      case 'queryAwareness': {
        const snapshot = this.roomId ? this.hub.snapshot(this.roomId, this.peer) : undefined;
        if (snapshot) this.client.send(snapshot);
        return;
      }
    }
  }

  /** The connection has gone: its awareness goes with it. */
  leave(): void {
    this.gone = true;
    this.pacer.stop();
    if (this.roomId) this.hub.leave(this.roomId, this.peer);
  }

  /** A frame from the room, translated for the y-websocket client. */
  send(frame: Uint8Array): void {
    // Most of a room's traffic (cursors, presence, chat) has no y-websocket counterpart: skipped
    // by its tag, without decoding.
    if (!TRANSLATED_TAGS.has(frame[0] ?? -1)) return;
    this.fromRoom(decode(frame));
  }

  /** The room closes the connection: its Tandem close code becomes the y-websocket one. */
  close(code: number, reason: string): void {
    const error = errorOfCloseCode(code);
    if (error) return this.client.fail(error.code, reason);
    this.client.close(code, reason);
  }

  private fromRoom(m: Message): void {
    switch (m.type) {
      case 'batch':
        for (const { frame } of m.frames) this.send(frame);
        return;
      case 'welcome':
        this.slot = m.slot;
        this.user = { name: m.name, color: m.color };
        return;
      case 'peerAccess':
        if (m.slot === this.slot) this.readOnly = m.access === 'read';
        return;
      case 'admission':
        if (m.state === 'admitted') this.admit();
        return;
      case 'yjs':
        return this.yjsFromRoom(m);
      case 'error':
        return this.errorFromRoom(m);
      case 'lwwDoc':
      case 'opsSync':
        return this.client.fail(ErrorCode.WrongDocMode, 'y-websocket connects to yjs rooms only');
      default:
        // The roster, cursors, locks and chat have no y-websocket counterpart.
        return;
    }
  }

  private yjsFromRoom(m: MessageOf<'yjs'>): void {
    if (m.step === 'state-vector') {
      // The admission handshake: the client answers the room's state vector with what the room
      // lacks (sync step 2, forwarded as the handshake's `diff`); the room answers the client's.
      this.roomSvSeen = true;
      this.client.send(encodeSync(Y_SYNC.step1, m.data));
      return this.askDiff();
    }
    this.client.send(encodeSync(m.step === 'diff' ? Y_SYNC.step2 : Y_SYNC.update, m.data));
  }

  private errorFromRoom(m: MessageOf<'error'>): void {
    // A fatal error is followed by the room's close, which carries it.
    const info = ERRORS[m.code as ErrorCode];
    if (!info || info.fatal) return;
    // An edit of this client the room refused (over the cap, over budget, a viewer's): the client's
    // document now holds what the room does not, so it cannot go on as if it were in sync.
    if (this.edits.has(m.rid)) this.client.fail(info.code, m.message);
  }

  private admit(): void {
    if (this.roomId) this.hub.admit(this.roomId, this.peer, this.user);
  }

  /** Sends the client's state vector for the room to answer with a diff, once both can. */
  private askDiff(): void {
    if (!this.roomSvSeen || !this.clientSv) return;
    this.deliver({ type: 'yjs', step: 'state-vector', rid: this.nextRid(), data: this.clientSv });
    this.clientSv = undefined;
  }

  private edit(step: 'diff' | 'update', data: Uint8Array): void {
    // Before the handshake the room would refuse it; the client's sync step 2 in the handshake
    // carries everything it holds, this edit included.
    if (!this.roomSvSeen) return;
    if (this.readOnly) {
      if (step === 'diff') return;
      return this.client.fail(ErrorCode.Forbidden, 'this participant may only read');
    }
    // Handshake answers go at once; updates are merged and paced to stay within the doc budget.
    if (step === 'update') return this.pacer.push(data);
    this.sendEdit(step, data);
  }

  private sendEdit(step: 'diff' | 'update', data: Uint8Array): void {
    const rid = this.nextRid();
    this.edits.add(rid);
    // Ids only grow and errors answer promptly: a short window of recent ids is enough.
    if (this.edits.size > 256) this.edits.delete(this.edits.values().next().value as number);
    this.deliver({ type: 'yjs', step, rid, data });
  }

  private awareness(update: Uint8Array): void {
    if (update.length > MAX_AWARENESS_BYTES)
      return this.client.fail(ErrorCode.PayloadTooLarge, 'awareness update too large');
    if (!this.roomId) {
      this.earlyAwareness = update;
      return;
    }
    const refusal = this.hub.publish(this.roomId, this.peer, update);
    if (refusal === 'malformed') this.client.fail(ErrorCode.BadMessage, 'malformed awareness update');
    else if (refusal === 'too-large')
      this.client.fail(ErrorCode.PayloadTooLarge, 'awareness update too large');
    // Over the rate the update is dropped: the client renews its state, so the latest one comes back.
  }

  private deliver(message: Message): void {
    this.toRoom(encode(message));
  }

  private nextRid(): number {
    this.rid += 1;
    return this.rid;
  }
}
