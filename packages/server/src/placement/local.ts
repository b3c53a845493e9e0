import type { DocMode } from '@tandem/protocol';
import type { Clock, DocumentContent, Identity, RoomSocket } from '@tandem/room';
import { MemoryTicketStore, type TicketStore } from '../auth/index.js';
import type { CreatedSession, RoomRegistry, SessionRequest } from '../rooms/registry.js';
import type { SignalingHub } from '../signaling/hub.js';
import type { Attachment } from './attachment.js';
import type { Placement } from './placement.js';

/** A single server: every room and peer-to-peer session runs here, in this process's memory. */
export class LocalPlacement implements Placement {
  readonly nodeId = undefined;

  constructor(
    private readonly registry: RoomRegistry,
    private readonly signaling: SignalingHub,
    private readonly clock: Clock,
  ) {}

  openRoom(roomId: string, socket: RoomSocket, identity: Identity): Promise<Attachment> {
    return this.registry.open(roomId, socket, identity);
  }

  async openSignaling(sessionId: string, socket: RoomSocket, identity: Identity): Promise<Attachment> {
    return this.signaling.attach(sessionId, identity, socket);
  }

  createSession(host: Identity, request: SessionRequest): Promise<CreatedSession> {
    return this.registry.createSession(host, request);
  }

  findSession(code: string, source: string): Promise<string | undefined> {
    return this.registry.roomIdForCode(code, source);
  }

  async createSignaling(host: Identity): Promise<string> {
    return this.signaling.create(host);
  }

  async signalingExists(sessionId: string): Promise<boolean> {
    return this.signaling.has(sessionId);
  }

  readDocument(roomId: string): Promise<DocumentContent | undefined> {
    return this.registry.readDocument(roomId);
  }

  replaceDocument(roomId: string, mode: DocMode, doc: Uint8Array): Promise<number> {
    return this.registry.replaceDocument(roomId, mode, doc);
  }

  deleteRoom(roomId: string): Promise<boolean> {
    return this.registry.deleteRoom(roomId);
  }

  ticketStore(ttlMs: number, perUser: number): TicketStore {
    return new MemoryTicketStore(this.clock, ttlMs, perUser);
  }

  watch(): void {}

  async close(): Promise<void> {}
}
