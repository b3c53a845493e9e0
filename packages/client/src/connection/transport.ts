/**
 * A handler property checked bivariantly (as methods are), so both the DOM's and `ws`'s event types
 * fit without casts.
 */
type Handler<E> = { bivariance(event: E): void }['bivariance'] | null;

/** The subset of the WebSocket API the client uses: the browser's, or `ws` in Node. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown>;
  onmessage: Handler<{ data: unknown }>;
  onclose: Handler<{ code: number; reason: string }>;
  onerror: Handler<unknown>;
}

/** A WebSocket constructor: `globalThis.WebSocket` in browsers, `ws`'s default export in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Bytes of a binary message, whatever form the implementation delivered. */
export function frameBytes(data: unknown): Uint8Array | undefined {
  // Not only `instanceof`: a WebSocket from another realm (Node's `ws` under jsdom, an iframe's)
  // delivers an ArrayBuffer that is not an instance of this realm's ArrayBuffer.
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === '[object ArrayBuffer]') {
    return new Uint8Array(data as ArrayBuffer);
  }
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
