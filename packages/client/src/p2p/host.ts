import {
  type AdmissionPolicy,
  closeCodeOf,
  DATA_CHANNEL_FRAME_SLACK_BYTES,
  type DocMode,
  ErrorCode,
  errorOfCloseCode,
  secureRandom,
} from '@tandem/protocol';
import { type Identity, type LimitOverrides, MemoryRoomStore, Room, type RoomStore } from '@tandem/room';
import { yjsDocuments } from '@tandem/yjs';
import { Backoff } from '../connection/backoff.js';
import { frameBytes, type WebSocketConstructor, type WebSocketLike } from '../connection/transport.js';
import { ChannelRoomSocket, type DataChannelLike } from './channel.js';
import { FrameAssembler, GOODBYE_MESSAGE } from './chunks.js';
import { LoopbackSocket } from './loopback-socket.js';
import { type PeerChannel, PeerChannelCell } from './peer-channel.js';
import {
  endSessionAsHost,
  type IceServer,
  payloadOf,
  type RTCPeerConnectionConstructor,
  SignalingConnection,
} from './signaling.js';

/** How a host runs its peer-to-peer session. */
export interface P2PHostOptions {
  baseUrl: string;
  sessionId: string;
  /** A single-use connection ticket for a fresh token, each time signaling connects. */
  ticket: () => Promise<string>;
  /** The host, as the server verified it: the room's host role is bound to this user id. */
  host: Identity;
  iceServers: IceServer[];
  WebSocket: WebSocketConstructor;
  RTCPeerConnection: RTCPeerConnectionConstructor;
  policy?: AdmissionPolicy;
  docMode?: DocMode;
  limits?: LimitOverrides;
  /**
   * Where the room's state is kept (memory by default). With a {@link WebStorageRoomStore} the
   * room outlives a reload of the page: opening the same session again loads it from there.
   */
  store?: RoomStore;
  /** Told when the session ends on its own (the server says it is gone). */
  onEnded?: (code: number, reason: string) => void;
}

/** One guest's link to this host: its peer connection and channel, and its connection id in the room once open. */
interface GuestLink {
  pc: RTCPeerConnection;
  channel: DataChannelLike;
  id: number | undefined;
}

/** Why a guest's peer connection failed, as the host's status tells it. */
const NO_PATH = 'no network path to the guest (behind a strict firewall, it needs a TURN server)';

/**
 * The host side of a peer-to-peer session: the room engine runs here, in the host's page, with its
 * state in memory or in the tab's storage (see {@link P2PHostOptions.store}). Each guest the
 * signaling server introduces gets a peer connection and a DataChannel; once it opens, the guest is
 * a connection of the room like any other, identified as the server verified it. The host's own
 * client talks to the room through {@link connectSelf}. Documents, operations, chat and cursors
 * never leave the peers.
 */
export class P2PHost {
  private readonly guests = new Map<number, GuestLink>();
  private ended = false;
  private signaling: SignalingConnection;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff = new Backoff({ baseMs: 250, maxMs: 5_000 });
  private readonly status = new PeerChannelCell();
  /** Why the last guest could not connect, told while no other guest is connected or connecting. */
  private failure: string | undefined;

  /**
   * Loads the session's room from `options.store` (as it was when this page, or the one before a
   * reload, last wrote it; a new room when nothing is stored) and connects to signaling as host.
   * With `resuming`, a room must be stored: undefined when none is, since a new room under the
   * session's id would hand out again the versions and sequence numbers its guests already hold.
   */
  static async open(options: P2PHostOptions, resuming: true): Promise<P2PHost | undefined>;
  static async open(options: P2PHostOptions, resuming?: false): Promise<P2PHost>;
  static async open(options: P2PHostOptions, resuming = false): Promise<P2PHost | undefined> {
    const room = await (resuming ? Room.loadExisting : Room.load)({
      id: options.sessionId,
      random: secureRandom,
      store: options.store ?? new MemoryRoomStore(),
      documents: yjsDocuments,
      ...(options.limits ? { limits: options.limits } : {}),
      settings: {
        hostUserId: options.host.userId,
        joinCode: '',
        ...(options.policy ? { policy: options.policy } : {}),
        ...(options.docMode ? { docMode: options.docMode } : {}),
      },
    });
    return room && new P2PHost(options, room);
  }

  private constructor(
    private readonly options: P2PHostOptions,
    readonly room: Room,
  ) {
    this.signaling = this.connectSignaling();
    // The host's `endSession()` reaches the room through its loopback like any message; the
    // session on the signaling server must end with it, or guests could knock again. After the
    // room's own step, not inside it.
    room.onActivity((event) => {
      if (event.type === 'session-ended') queueMicrotask(() => this.end());
    });
  }

  /**
   * The host's signaling connection. When it drops for a reason retrying can fix (token expired,
   * server restarting, network, no ticket), it connects again with a fresh ticket while the room and its
   * guests' DataChannels carry on; when the session is gone, the session ends here too.
   */
  private connectSignaling(): SignalingConnection {
    const { baseUrl, sessionId, WebSocket } = this.options;
    return new SignalingConnection(baseUrl, sessionId, this.options.ticket(), WebSocket, {
      signal: (m) => {
        this.backoff.reset();
        if (m.kind === 'join') void this.invite(m.peer, payloadOf<Identity>(m));
        else if (m.kind === 'answer') void this.guests.get(m.peer)?.pc.setRemoteDescription(payloadOf(m));
        else if (m.kind === 'ice')
          void this.guests
            .get(m.peer)
            ?.pc.addIceCandidate(payloadOf(m))
            .catch(() => undefined);
        // A guest whose DataChannel is open stays when only its signaling left (its token expired).
        else if (m.kind === 'leave' && this.guests.get(m.peer)?.id === undefined) this.drop(m.peer);
      },
      error: () => undefined,
      close: (code, reason) => {
        if (this.ended) return;
        // Guests still being introduced are forgotten by the server with this connection (they
        // are told to connect again): their half-made peer connections go too.
        for (const [peer, link] of [...this.guests]) if (link.id === undefined) this.drop(peer, link);
        // HostAway, to a host: the session is hosted from another page now (a newer connection of
        // this user), or this page's user is not its host. This page's room stops, and its guests
        // are told HostAway too, so they find the session where it is hosted now.
        const hostedElsewhere = code === closeCodeOf(ErrorCode.HostAway);
        if (!hostedElsewhere && errorOfCloseCode(code)?.retry !== false && code !== 1000)
          return this.reconnectSignaling();
        this.stop(hostedElsewhere ? ErrorCode.HostAway : ErrorCode.RoomClosed);
        this.options.onEnded?.(code, reason);
      },
    });
  }

  /**
   * Connects signaling again after the backoff, with a fresh ticket; when none comes, that
   * connection closes at once and this is tried again.
   */
  private reconnectSignaling(): void {
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.ended) this.signaling = this.connectSignaling();
    }, this.backoff.next());
  }

  /** A connection for the host's own client, to this room. */
  connectSelf(): WebSocketLike {
    return new LoopbackSocket(this.room, this.options.host);
  }

  /** Guests with an open DataChannel now. */
  get guestCount(): number {
    return [...this.guests.values()].filter((g) => g.id !== undefined).length;
  }

  /**
   * The host's side of its guests' DataChannels: `idle` until a guest's channel opens, while none
   * is open and none is being reached, and once the session ends; `connected` while one is open.
   */
  get channel(): PeerChannel {
    return this.status;
  }

  /** Sets {@link channel} from the guests as they are now. */
  private updateStatus(): void {
    const links = [...this.guests.values()];
    if (links.some((g) => g.id !== undefined)) this.status.set('connected');
    else if (links.length > 0) this.status.set('connecting');
    else if (this.failure !== undefined && !this.ended) this.status.set('failed', this.failure);
    else this.status.set('idle');
  }

  /** Offers a DataChannel to a guest the server introduced. */
  private async invite(peer: number, identity: Identity): Promise<void> {
    if (this.ended) return;
    const pc = new this.options.RTCPeerConnection({ iceServers: this.options.iceServers });
    const channel = pc.createDataChannel('tandem', { ordered: true }) as unknown as DataChannelLike;
    const link: GuestLink = { pc, channel, id: undefined };
    this.guests.set(peer, link);
    this.failure = undefined;
    this.updateStatus();
    channel.binaryType = 'arraybuffer';
    channel.onopen = () => {
      if (this.ended || this.guests.get(peer) !== link) return channel.close();
      link.id = this.room.connect(new ChannelRoomSocket(channel), identity);
      this.updateStatus();
    };
    // A frame may hold a whole document plus its envelope; anything larger cannot be valid.
    const assembler = new FrameAssembler(this.room.limits.maxDocBytes + DATA_CHANNEL_FRAME_SLACK_BYTES);
    channel.onmessage = (event) => {
      const bytes = frameBytes(event.data);
      if (link.id === undefined || !bytes) return;
      let frame: Uint8Array | undefined;
      try {
        frame = assembler.push(bytes);
      } catch {
        return channel.close();
      }
      if (frame) this.room.receive(link.id, frame);
    };
    channel.onclose = () => this.drop(peer, link);
    channel.onerror = () => undefined;
    pc.onicecandidate = (event) => {
      if (event.candidate) this.signaling.send(peer, 'ice', event.candidate.toJSON());
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') this.drop(peer, link, NO_PATH);
      else if (pc.connectionState === 'closed') this.drop(peer, link);
    };
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      this.signaling.send(peer, 'offer', pc.localDescription?.toJSON() ?? offer);
    } catch (error) {
      this.drop(peer, link, `could not offer a connection: ${(error as Error).message}`);
    }
  }

  /**
   * A guest is gone: out of the room, its peer connection closed. `failure` says why it never
   * connected, when it failed.
   */
  private drop(peer: number, link = this.guests.get(peer), failure?: string): void {
    if (!link || this.guests.get(peer) !== link) return;
    this.guests.delete(peer);
    if (link.id !== undefined) this.room.disconnect(link.id);
    else if (failure !== undefined) this.failure = failure;
    link.pc.close();
    this.updateStatus();
  }

  /**
   * Disconnects every guest and keeps hosting: each channel is closed cleanly, after a goodbye
   * that tells the guest not to reconnect, and the session waits for the next peer (a guest who
   * joins again is admitted as a returning participant).
   */
  disconnectGuests(): void {
    for (const [peer, link] of [...this.guests]) {
      this.guests.delete(peer);
      if (link.channel.readyState === 'open') {
        // The peer connection outlives the channel's closing, so the goodbye is delivered first.
        link.channel.onclose = () => link.pc.close();
        try {
          link.channel.send(GOODBYE_MESSAGE);
        } catch {
          // Closing anyway: the guest then takes it for a drop and reconnects.
        }
        link.channel.close();
      } else {
        link.pc.close();
      }
      if (link.id !== undefined) this.room.disconnect(link.id);
      link.id = undefined;
    }
    this.failure = undefined;
    this.updateStatus();
  }

  /** Ends the session: every guest is told the room closed, and the server forgets the session. */
  end(): void {
    if (this.ended) return;
    this.stop();
    // The server forgets the session when its host's signaling closes cleanly. When it is not open
    // (dropped, and waiting to connect again), a connection made for that alone closes it.
    if (!this.signaling.closed) return this.signaling.close();
    const { baseUrl, sessionId, WebSocket } = this.options;
    endSessionAsHost(baseUrl, sessionId, this.options.ticket(), WebSocket);
  }

  /** Closes the room here, its guests told `code` (it closed, by default); the server is not told. */
  private stop(code: ErrorCode = ErrorCode.RoomClosed): void {
    this.ended = true;
    if (this.retry) clearTimeout(this.retry);
    void this.room.close(code);
    for (const peer of [...this.guests.keys()]) this.drop(peer);
    this.updateStatus();
  }
}
