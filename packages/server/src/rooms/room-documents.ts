import { type DocMode, ErrorCode } from '@tandem/protocol';
import { type DocumentContent, DocumentRefused } from '@tandem/room';
import { Refusal, RoomElsewhere } from '../refusal.js';
import { isAppRoom } from './app-rooms.js';
import { LiveRooms } from './live-rooms.js';
import { parentOf, sessionOf } from './room-ids.js';
import { storedContent } from './stored-content.js';

/**
 * What the app's backend does to a room's document and to the room itself (the service API): read
 * it, replace it through the room, delete the room. In a cluster each throws {@link RoomElsewhere}
 * when another node owns the room's session, whose answer is the current one.
 */
export class RoomDocuments extends LiveRooms {
  /**
   * The room's document: from the room when it is loaded here, so it is current; else as stored.
   * Undefined for a room that does not exist.
   */
  async readDocument(roomId: string): Promise<DocumentContent | undefined> {
    await this.settled(roomId);
    const entry = this.live.get(roomId);
    if (entry) return entry.room.readDocument();
    const owner = await this.options.claims?.ownerElsewhere(sessionOf(roomId));
    if (owner !== undefined) throw new RoomElsewhere(owner);
    const record = await this.options.store.load(roomId);
    return record && storedContent(record.settings.docMode, record.doc);
  }

  /**
   * Replaces the room's document through the room (loaded for it if need be, then let go as an
   * emptied room is), as `Room.replaceDocument` does; resolves with the new version once durable.
   *
   * @throws Refusal `RoomNotFound`, or the room's refusal (`WrongDocMode`, `DocTooLarge`,
   *   `BadMessage`); nothing changed.
   */
  async replaceDocument(roomId: string, mode: DocMode, doc: Uint8Array): Promise<number> {
    if (this.closing) throw new Refusal(ErrorCode.ServerShutdown, 'server is shutting down');
    const entry = await this.load(roomId);
    if (!entry) throw new Refusal(ErrorCode.RoomNotFound, `no room ${roomId}`);
    try {
      return await entry.room.replaceDocument(mode, doc);
    } catch (error) {
      if (error instanceof DocumentRefused) throw new Refusal(error.code, error.message);
      throw error;
    } finally {
      // Loaded for this alone, it goes as a room does when its last connection leaves.
      if (entry.room.size === 0 && entry.graceTimer === undefined) this.emptied(roomId, entry.room);
    }
  }

  /**
   * The host ended the session (in its room or one of its companions): every room of it ends, so
   * everyone in them is told `SessionEnded`, and the session is forgotten: deleted, join code,
   * companions and all. A session on an app room leaves the room and its document, which are the
   * app's: the room, its join code and host already cleared, is unloaded.
   */
  protected override sessionEnded(roomId: string): void {
    const sessionId = sessionOf(roomId);
    const session = this.live.get(sessionId);
    // Ended in a companion: its session ends, and that ending does the rest.
    if (sessionId !== roomId) return session?.room.endSession();
    for (const companion of this.companionsOf(sessionId)) companion.room.endSession();
    this.options.logger.info({ roomId: sessionId }, 'session ended by its host');
    const forgetting = isAppRoom(sessionId)
      ? this.unloadEnded(sessionId)
      : this.deleteRoom(sessionId, ErrorCode.SessionEnded);
    forgetting.catch((error: unknown) =>
      this.options.logger.error({ roomId: sessionId, err: error }, 'an ended session could not be forgotten'),
    );
  }

  /** Unloads an app room whose session ended, once its cleared settings are stored. */
  private async unloadEnded(roomId: string): Promise<void> {
    await this.settled(roomId);
    const entry = this.live.get(roomId);
    if (entry) await this.closeRoom(roomId, entry, ErrorCode.SessionEnded);
  }

  /**
   * Deletes a room: its connections are closed with `code` (default `RoomClosed`) and its stored
   * state removed; a session's companion rooms go with it. False for a room that does not exist.
   */
  async deleteRoom(roomId: string, code: ErrorCode = ErrorCode.RoomClosed): Promise<boolean> {
    if (this.closing) throw new Refusal(ErrorCode.ServerShutdown, 'server is shutting down');
    await this.settled(roomId);
    const entry = this.live.get(roomId);
    if (!entry) {
      // Claimed first, so no node loads the session while its rows go.
      const owner = await this.options.claims?.claim(sessionOf(roomId));
      if (owner !== undefined) throw new RoomElsewhere(owner);
      return this.track(roomId, this.deleteStored(roomId));
    }
    const companions = [...this.live.entries()].filter(([id]) => parentOf(id) === roomId);
    await Promise.all([
      this.closeRoom(roomId, entry, code, true),
      ...companions.map(([id, c]) => this.closeRoom(id, c, code, true)),
    ]);
    await this.deleteStoredCompanions(roomId, entry.room.getSettings().hostUserId);
    return true;
  }

  /** Deletes a room that is not loaded, and its stored companions; false when it was never stored. */
  private async deleteStored(roomId: string): Promise<boolean> {
    const record = await this.options.store.load(roomId);
    if (!record) return false;
    await this.options.store.delete(roomId);
    await this.deleteStoredCompanions(roomId, record.settings.hostUserId);
    return true;
  }

  /** A session's companions not loaded here are found among its host's rooms. */
  private async deleteStoredCompanions(roomId: string, hostUserId: string): Promise<void> {
    if (parentOf(roomId) !== undefined || hostUserId === '') return;
    const rooms = await this.options.store.hostedRooms(hostUserId);
    for (const id of rooms) {
      if (parentOf(id) === roomId && !this.inUse(id)) await this.options.store.delete(id);
    }
  }

  /** Resolves once no load or unload of the room is in flight. */
  private async settled(roomId: string): Promise<void> {
    for (;;) {
      const pending = this.transitions.get(roomId);
      if (!pending) return;
      await pending.catch(() => undefined);
    }
  }
}
