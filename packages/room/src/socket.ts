/**
 * The only thing the room knows of a transport. A WebSocket, a WebRTC DataChannel or a cluster
 * forwarder adapts to this. `send` must not throw; a transport that cannot deliver drops.
 */
export interface RoomSocket {
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}
