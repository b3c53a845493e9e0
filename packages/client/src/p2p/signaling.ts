import { decode, encode, type MessageOf, type SignalKind } from '@tandem/protocol';
import { frameBytes, type WebSocketConstructor, type WebSocketLike } from '../connection/transport.js';

/** A WebRTC peer connection constructor: the browser's `RTCPeerConnection`. */
export type RTCPeerConnectionConstructor = new (configuration: RTCConfiguration) => RTCPeerConnection;

/** One STUN or TURN server (`RTCIceServer`). */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** What the server says of a peer-to-peer session (`POST /p2p`, `GET /p2p/:id`). */
export interface P2PSessionInfo {
  sessionId: string;
  signalingPath: string;
  iceServers: IceServer[];
}

/** What a signaling connection reports. */
export interface SignalingEvents {
  signal(message: MessageOf<'signal'>): void;
  /** An error frame from the server (a refusal; a fatal one is followed by the close). */
  error(message: MessageOf<'error'>): void;
  close(code: number, reason: string): void;
}

/**
 * A connection to a peer-to-peer session's signaling endpoint (`/p2p/<id>`): `signal` frames in
 * and out, nothing else. Offers, answers and candidates travel as JSON payloads.
 */
export class SignalingConnection {
  private ws: WebSocketLike | undefined;
  private readonly queued: Uint8Array[] = [];
  private open = false;
  private closing = false;
  /** No ticket came, so no socket was ever made. */
  private failed = false;

  /**
   * @param ticket - A single-use connection ticket (see `connectionTicket`): the URL carries it,
   *   never a token. When it fails, the connection closes with 1006 and the reason.
   */
  constructor(
    baseUrl: string,
    sessionId: string,
    ticket: Promise<string>,
    WebSocket: WebSocketConstructor,
    private readonly events: SignalingEvents,
  ) {
    const base = baseUrl.replace(/^http/, 'ws').replace(/\/+$/, '');
    ticket.then(
      (t) =>
        this.connect(
          new WebSocket(`${base}/p2p/${encodeURIComponent(sessionId)}?ticket=${encodeURIComponent(t)}`),
        ),
      (error: unknown) => {
        this.failed = true;
        this.events.close(1006, error instanceof Error ? error.message : 'no connection ticket');
      },
    );
  }

  private connect(ws: WebSocketLike): void {
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      this.open = true;
      if (this.closing) return ws.close(1000, 'done');
      for (const frame of this.queued.splice(0)) ws.send(frame);
    };
    ws.onmessage = (event) => {
      const bytes = frameBytes(event.data);
      if (!bytes) return;
      let message: ReturnType<typeof decode>;
      try {
        message = decode(bytes);
      } catch {
        return;
      }
      if (message.type === 'signal') this.events.signal(message);
      else if (message.type === 'error') this.events.error(message);
    };
    ws.onerror = () => undefined;
    ws.onclose = (event) => this.events.close(event.code, event.reason);
  }

  /** Sends `payload` (JSON-encoded) to `peer`. */
  send(peer: number, kind: SignalKind, payload: unknown): void {
    const frame = encode({
      type: 'signal',
      peer,
      kind,
      payload: new TextEncoder().encode(JSON.stringify(payload)),
    });
    if (this.open) this.ws?.send(frame);
    else this.queued.push(frame);
  }

  /** Closed, or closing: nothing more goes through it. */
  get closed(): boolean {
    return this.failed || (this.ws !== undefined && this.ws.readyState >= 2);
  }

  /**
   * Closes cleanly (1000), which is what tells the server a host is ending its session. A socket
   * still connecting is closed once it opens: closed before, it would only abort, and the server
   * would take the host for gone a moment and keep the session waiting for it.
   */
  close(): void {
    if (this.ws !== undefined && this.ws.readyState !== 0) this.ws.close(1000, 'done');
    else this.closing = true;
  }
}

/**
 * Ends a peer-to-peer session on the server as its host: connects to its signaling and closes
 * cleanly. For a host whose own signaling connection is not open (dropped, or never made).
 */
export function endSessionAsHost(
  baseUrl: string,
  sessionId: string,
  ticket: Promise<string>,
  WebSocket: WebSocketConstructor,
): void {
  const ignore = () => undefined;
  new SignalingConnection(baseUrl, sessionId, ticket, WebSocket, {
    signal: ignore,
    error: ignore,
    close: ignore,
  }).close();
}

/** The JSON a signal carries. */
export function payloadOf<T>(message: MessageOf<'signal'>): T {
  return JSON.parse(new TextDecoder().decode(message.payload)) as T;
}
