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
  YJS_STEPS,
} from '@tandem/protocol';
import { DEFAULT_LIMITS, type RoomSocket } from '@tandem/room';
import * as Y from 'yjs';
import { Pacer, Y_AWARENESS_INTERVAL_MS, Y_UPDATE_INTERVAL_MS } from './pacer.js';
import {
  type AwarenessEntry,
  awarenessClientIds,
  decodeAwarenessUpdate,
  decodeYFrame,
  encodeAwareness,
  encodeSync,
  Y_MESSAGE,
  Y_SYNC,
  type YFrame,
  yFrameAround,
} from './y-frames.js';

/** The tags of the room's messages a bridge acts on; see `fromRoom`. */
const TRANSLATED_TAGS: ReadonlySet<number> = new Set<number>(
  (
    [
      'batch',
      'welcome',
      'peerAccess',
      'admission',
      'yjs',
      'peerAwareness',
      'error',
      'lwwDoc',
      'opsSync',
    ] as const
  ).map((type) => MESSAGES[type].tag),
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
 * like any other: it says `hello`, waits for admission, shows in the roster, runs the Yjs
 * handshake of the protocol's "Yjs sync" with its budgets and document cap, and shares awareness
 * through the room (which writes its verified name and colour in). To the y-websocket client it
 * is a y-websocket server: sync step 1 and 2, updates and awareness in y-protocols frames. Only
 * document frames and awareness cross over; nothing of the room reaches the client before
 * admission.
 */
export class YBridge implements RoomSocket {
  private rid = 0;
  private slot = 0;
  private readOnly = false;
  private admitted = false;
  /** The client's latest state vector, held until the room's handshake can answer it. */
  private clientSv: Uint8Array | undefined;
  /** The room has sent its state vector on admission: the client's own can be asked about. */
  private roomSvSeen = false;
  /** Request ids of this bridge's edits, so an error answering one is told apart. */
  private readonly edits = new Set<number>();
  private gone = false;
  /** The client's awareness from before admission, shared once admitted. */
  private earlyAwareness: AwarenessEntry[] = [];
  /** Each other participant's latest awareness frame, to answer the client's query. */
  private readonly latestBySlot = new Map<number, Uint8Array>();
  /** When the client was last sent anything (see `awareness`). */
  private sentAt = 0;
  /**
   * Yjs client ids the room announced as others', removed ones included: a provider sends back
   * every state it applies, its peers' too, and those are not the client's to announce.
   */
  private readonly foreign = new Set<number>();
  private readonly updates = new Pacer<Uint8Array>(
    (queued) => Y.mergeUpdates(queued),
    (data) => this.sendEdit('update', data),
    Y_UPDATE_INTERVAL_MS,
  );
  private readonly awarenessOut = new Pacer<AwarenessEntry[]>(
    latestEntries,
    (states) => this.deliver({ type: 'awareness', states }),
    Y_AWARENESS_INTERVAL_MS,
  );

  /**
   * @param client the y-websocket client's socket.
   * @param toRoom delivers one Tandem frame to the room, as if the client had sent it.
   */
  constructor(
    private readonly client: YClientSocket,
    private readonly toRoom: (frame: Uint8Array) => void,
  ) {}

  /** The room this connection goes to is found: says `hello` to it (delivered once attached). */
  start(): void {
    if (this.gone) return;
    this.deliver({ type: 'hello', version: PROTOCOL_VERSION, clientId: '', name: '', since: 0 });
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
      case 'queryAwareness':
        // Each participant's latest frame: y-protocols applies what is newer than what it holds.
        for (const known of this.latestBySlot.values()) this.toClient(known);
        return;
    }
  }

  /** The connection has gone; the room removes its awareness states for the others. */
  leave(): void {
    this.gone = true;
    this.updates.stop();
    this.awarenessOut.stop();
  }

  /** A frame from the room, translated for the y-websocket client. */
  send(frame: Uint8Array): void {
    const tag = frame[0] ?? -1;
    // Most of a room's traffic (cursors, presence, chat) has no y-websocket counterpart: skipped
    // by its tag, without decoding.
    if (!TRANSLATED_TAGS.has(tag)) return;
    // Every participant's edits and caret moves reach every bridge: handed on without decoding.
    if (tag === YJS_TAG && this.updateFromRoom(frame)) return;
    if (tag === PEER_AWARENESS_TAG && this.awarenessFromRoom(frame)) return;
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
        return;
      case 'peerAccess':
        if (m.slot === this.slot) this.readOnly = m.access === 'read';
        return;
      case 'admission':
        if (m.state === 'admitted') this.admit();
        return;
      case 'yjs':
        // Diffs and updates were handed on undecoded (`updateFromRoom`): only the state vector comes here.
        if (m.step === 'state-vector') this.stateVectorFromRoom(m.data);
        return;
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

  /**
   * The admission handshake: the client answers the room's state vector with what the room lacks
   * (sync step 2, forwarded as the handshake's `diff`); the room answers the client's.
   */
  private stateVectorFromRoom(stateVector: Uint8Array): void {
    this.roomSvSeen = true;
    this.toClient(encodeSync(Y_SYNC.step1, stateVector));
    this.askDiff();
  }

  private errorFromRoom(m: MessageOf<'error'>): void {
    // A fatal error is followed by the room's close, which carries it.
    const info = ERRORS[m.code as ErrorCode];
    if (!info || info.fatal) return;
    // An edit of this client the room refused (over the cap, over budget, a viewer's): the client's
    // document now holds what the room does not, so it cannot go on as if it were in sync.
    if (this.edits.has(m.rid)) return this.client.fail(info.code, m.message);
    // Without a rid it answers awareness, the only other thing a bridge sends: refused for what it
    // holds (another participant's client id, too many ids), the provider would only send it again.
    // Over budget it was dropped, and the client's next renewal brings the latest state back.
    if (m.rid === 0 && info.code !== ErrorCode.RateLimited) this.client.fail(info.code, m.message);
  }

  private admit(): void {
    this.admitted = true;
    if (this.earlyAwareness.length > 0) this.awarenessOut.push(this.earlyAwareness);
    this.earlyAwareness = [];
  }

  /**
   * A room's `yjs` diff or update (tag, step, rid, then the data with its length) as the sync
   * frame the client reads; false for the state vector, which the handshake handles.
   */
  private updateFromRoom(frame: Uint8Array): boolean {
    const step = frame[1];
    if (step !== YJS_DIFF && step !== YJS_UPDATE) return false;
    let at = 2;
    while ((frame[at] ?? 0) & 0x80) at++; // the rid, a varuint, is not the client's business
    this.toClient(
      yFrameAround(Y_MESSAGE.sync, step === YJS_DIFF ? Y_SYNC.step2 : Y_SYNC.update, frame.subarray(at + 1)),
    );
    return true;
  }

  /**
   * A room's `peerAwareness` (tag, slot, then the entries as a y-protocols awareness update) as an
   * awareness frame. The ids are noted as others', and the latest frame of each slot kept for the
   * client's query. False when it cannot be read, for the general path to refuse.
   */
  private awarenessFromRoom(frame: Uint8Array): boolean {
    const entries = frame.subarray(3);
    const ids = awarenessClientIds(entries);
    if (!ids) return false;
    for (const id of ids) {
      this.foreign.delete(id);
      this.foreign.add(id);
      if (this.foreign.size > MAX_FOREIGN_CLIENTS) this.foreign.delete(this.foreign.values().next().value!);
    }
    const out = encodeAwareness(entries);
    const slot = (frame[1] ?? 0) | ((frame[2] ?? 0) << 8);
    this.latestBySlot.set(slot, out);
    this.toClient(out);
    return true;
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
    if (step === 'update') return this.updates.push(data);
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
    const ids = awarenessClientIds(update);
    if (!ids) return this.client.fail(ErrorCode.BadMessage, 'malformed awareness update');
    // Echoed, as y-websocket's server does, when the client has heard nothing for a while: a
    // provider alone in a room would otherwise take 30 s of silence for a dead connection.
    if (Date.now() - this.sentAt >= ECHO_AFTER_SILENT_MS) this.toClient(encodeAwareness(update));
    // A provider sends back every state it applies: others' states are not its own to announce.
    if (ids.every((id) => this.foreign.has(id))) return;
    let states: AwarenessEntry[];
    try {
      states = decodeAwarenessUpdate(update).filter((e) => !this.foreign.has(e.clientId));
    } catch {
      return this.client.fail(ErrorCode.BadMessage, 'malformed awareness update');
    }
    if (this.admitted) this.awarenessOut.push(states);
    else this.earlyAwareness = latestEntries([this.earlyAwareness, states]);
  }

  private toClient(frame: Uint8Array): void {
    this.sentAt = Date.now();
    this.client.send(frame);
  }

  private deliver(message: Message): void {
    this.toRoom(encode(message));
  }

  private nextRid(): number {
    this.rid += 1;
    return this.rid;
  }
}

/** An awareness update's worth of the newest entry of each Yjs client id among `batches`. */
function latestEntries(batches: AwarenessEntry[][]): AwarenessEntry[] {
  const latest = new Map<number, AwarenessEntry>();
  for (const batch of batches) {
    for (const entry of batch) {
      const kept = latest.get(entry.clientId);
      if (!kept || kept.clock <= entry.clock) latest.set(entry.clientId, entry);
    }
  }
  return [...latest.values()];
}

/** A silence after which the client's own awareness is echoed to it: well under its 30 s timeout. */
const ECHO_AFTER_SILENT_MS = 10_000;

const YJS_TAG = MESSAGES.yjs.tag;
const PEER_AWARENESS_TAG = MESSAGES.peerAwareness.tag;
const YJS_DIFF = YJS_STEPS.indexOf('diff');
const YJS_UPDATE = YJS_STEPS.indexOf('update');

/** Others' client ids a bridge remembers: many more than a room's participants ever announce. */
const MAX_FOREIGN_CLIENTS = 1024;

/** What the bridge lets through before the room sees it: the room's own cap, plus the frame's overhead. */
const MAX_AWARENESS_BYTES = DEFAULT_LIMITS.maxAwarenessBytes + 1024;
