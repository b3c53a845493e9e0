import { closeCodeOf, ErrorCode, errorOfCloseCode, HOST_PEER } from '@tandem/protocol';
import { connectionTicket } from '../auth.js';
import { frameBytes, type WebSocketConstructor } from '../connection/transport.js';
import { CloseCodeWatcher, type DataChannelLike, sendFrame } from './channel.js';
import { FrameAssembler, isGoodbye } from './chunks.js';
import type { PeerChannelStatus } from './peer-channel.js';
import {
  type IceServer,
  type P2PSessionInfo,
  payloadOf,
  type RTCPeerConnectionConstructor,
  SignalingConnection,
} from './signaling.js';
import { SocketLikeBase } from './socket-base.js';

/** Largest frame a guest accepts from a host: well past any document a room allows. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** What a guest needs to reach a peer-to-peer session's host. */
export interface GuestSocketOptions {
  baseUrl: string;
  sessionId: string;
  token: string;
  WebSocket: WebSocketConstructor;
  RTCPeerConnection: RTCPeerConnectionConstructor;
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  /** STUN/TURN servers to use instead of the server's. */
  iceServers?: IceServer[];
  /** Told where the channel to the host stands, as it changes. */
  onStatus?: (status: PeerChannelStatus, reason?: string) => void;
  /**
   * The host disconnected this guest on purpose (the session goes on without it): the guest's
   * room should leave rather than reconnect. The socket then closes (1000).
   */
  onHostDisconnected?: () => void;
}

/** Why a guest's peer connection failed, as its status tells it. */
const NO_PATH = 'no network path to the host (behind a strict firewall, it needs a TURN server)';

/**
 * A guest's connection to a peer-to-peer session, as a {@link WebSocketLike}: it signals through
 * the server until the host's DataChannel opens (then it is open), and from then on every frame
 * goes browser to browser. It closes with the room's close code when the host's room closes it,
 * with `RoomClosed` when the host ends the session, and with the signaling refusal's code when the
 * session cannot be reached (unknown, full, host away); 1006 when the link is lost.
 */
export class GuestSocket extends SocketLikeBase {
  private pc: RTCPeerConnection | undefined;
  private signaling: SignalingConnection | undefined;
  private channel: DataChannelLike | undefined;
  private readonly closeCode = new CloseCodeWatcher();
  private readonly assembler = new FrameAssembler(MAX_FRAME_BYTES);
  /** Candidates that arrived before the host's offer was applied. */
  private readonly early: RTCIceCandidateInit[] = [];
  private described = false;
  /** Set once the host said goodbye: the close that follows is the end, not a drop. */
  private dismissed = false;

  constructor(private readonly options: GuestSocketOptions) {
    super();
    options.onStatus?.('connecting');
    void this.start();
  }

  /** Asks the server for the session (and its STUN/TURN servers), then signals the host. */
  private async start(): Promise<void> {
    const { baseUrl, sessionId, token } = this.options;
    let info: P2PSessionInfo;
    try {
      const res = await this.options.fetch(`${baseUrl}/p2p/${encodeURIComponent(sessionId)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (res.status === 404)
        return this.finish(
          closeCodeOf(ErrorCode.RoomNotFound),
          'no peer-to-peer session with that id is open',
        );
      if (!res.ok) return this.finish(1006, `the server answered ${res.status}`);
      info = (await res.json()) as P2PSessionInfo;
    } catch (error) {
      return this.finish(1006, (error as Error).message);
    }
    if (this.readyState === 3) return;
    const pc = new this.options.RTCPeerConnection({ iceServers: this.options.iceServers ?? info.iceServers });
    this.pc = pc;
    pc.onicecandidate = (event) => {
      if (event.candidate) this.signaling?.send(HOST_PEER, 'ice', event.candidate.toJSON());
    };
    pc.ondatachannel = (event) => this.bind(event.channel as unknown as DataChannelLike);
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') this.finish(1006, NO_PATH, true);
    };
    const ticket = connectionTicket(baseUrl, token, this.options.fetch);
    this.signaling = new SignalingConnection(baseUrl, sessionId, ticket, this.options.WebSocket, {
      signal: (m) => {
        if (m.peer !== HOST_PEER) return;
        if (m.kind === 'offer') void this.answer(payloadOf<RTCSessionDescriptionInit>(m));
        else if (m.kind === 'ice') void this.candidate(payloadOf<RTCIceCandidateInit>(m));
        // Once the DataChannel is open the host's room speaks for itself (its close says why).
        else if (m.kind === 'leave' && this.readyState === 0)
          this.finish(closeCodeOf(ErrorCode.RoomClosed), 'the host ended the session');
      },
      error: () => undefined,
      // Refused before the channel opened (no such session, full, host away): that is the close.
      close: (code, reason) => {
        if (this.readyState === 0) this.finish(code === 1000 ? 1006 : code, reason);
      },
    });
  }

  send(data: Uint8Array): void {
    if (this.readyState === 1 && this.channel) sendFrame(this.channel, data);
  }

  close(code = 1000, reason = ''): void {
    this.finish(code, reason);
  }

  private async answer(offer: RTCSessionDescriptionInit): Promise<void> {
    const pc = this.pc!;
    try {
      await pc.setRemoteDescription(offer);
      this.described = true;
      for (const c of this.early.splice(0)) await pc.addIceCandidate(c);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      this.signaling?.send(HOST_PEER, 'answer', pc.localDescription?.toJSON() ?? answer);
    } catch (error) {
      this.finish(1006, `could not answer the host: ${(error as Error).message}`);
    }
  }

  private async candidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.described) {
      this.early.push(candidate);
      return;
    }
    await this.pc?.addIceCandidate(candidate).catch(() => undefined);
  }

  private bind(channel: DataChannelLike): void {
    this.channel = channel;
    channel.binaryType = 'arraybuffer';
    channel.onopen = () => {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this.options.onStatus?.('connected');
      this.onopen?.({});
    };
    channel.onmessage = (event) => {
      const bytes = frameBytes(event.data);
      if (!bytes) return;
      if (isGoodbye(bytes)) {
        this.dismissed = true;
        return this.options.onHostDisconnected?.();
      }
      let frame: Uint8Array | undefined;
      try {
        frame = this.assembler.push(bytes);
      } catch {
        return this.finish(1006, 'the host sent a malformed message');
      }
      if (!frame) return;
      this.closeCode.saw(frame);
      this.onmessage?.({ data: frame });
    };
    channel.onclose = () => this.finish(this.closeCode.code(), '');
    channel.onerror = () => undefined;
  }

  /** Closes everything; `failed` when the peer connection could not be made or kept. */
  private finish(code: number, reason: string, failed = false): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.channel?.close();
    this.pc?.close();
    this.signaling?.close();
    this.options.onStatus?.(...statusAfterClose(code, reason, failed, this.dismissed));
    this.onclose?.({ code, reason });
  }
}

/** Closes by the host's choice: the link ends, and nothing failed. */
const ON_PURPOSE = new Set<number>([ErrorCode.RoomClosed, ErrorCode.Removed, ErrorCode.Declined]);

/**
 * Where the channel stands once a guest socket closed: `idle` when it was closed on purpose (this
 * guest left; the host disconnected, removed or declined it, or ended the session), `failed` when
 * the session refused it for good otherwise or the peer connection failed, `connecting` while its
 * room reconnects.
 */
function statusAfterClose(
  code: number,
  reason: string,
  failed: boolean,
  dismissed: boolean,
): [PeerChannelStatus, string | undefined] {
  if (dismissed) return ['idle', 'the host disconnected'];
  if (failed) return ['failed', reason];
  if (code === 1000) return ['idle', undefined];
  const error = errorOfCloseCode(code);
  if (error && ON_PURPOSE.has(error.code)) return ['idle', reason || error.message];
  if (error && !error.retry) return ['failed', reason || error.message];
  return ['connecting', reason || undefined];
}
