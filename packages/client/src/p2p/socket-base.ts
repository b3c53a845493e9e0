import type { WebSocketLike } from '../connection/transport.js';

type Handlers = Pick<WebSocketLike, 'onopen' | 'onmessage' | 'onclose' | 'onerror'>;

/**
 * The state and handlers every {@link WebSocketLike} of this SDK's own keeps: the peer-to-peer
 * transports are sockets to the client, whatever carries their frames.
 */
export abstract class SocketLikeBase implements WebSocketLike {
  binaryType = 'arraybuffer';
  readyState = 0;
  onopen: Handlers['onopen'] = null;
  onmessage: Handlers['onmessage'] = null;
  onclose: Handlers['onclose'] = null;
  onerror: Handlers['onerror'] = null;

  abstract send(data: Uint8Array): void;
  abstract close(code?: number, reason?: string): void;
}
