import { ErrorCode, type MessageOf } from '@tandem/protocol';
import type { Connection } from '../connection.js';
import type { RoomContext } from '../context.js';

interface ChatEntry {
  readonly id: number;
  readonly slot: number;
  readonly userId: string;
  readonly name: string;
  readonly color: string;
  readonly at: number;
  readonly body: Uint8Array;
}

/**
 * The room's chat: an in-memory transcript for the room's life, capped in length, never stored.
 * Authors are named by slot; the history a late joiner gets carries the identity of authors who
 * have left, since their slots are no longer in the roster.
 */
export class Chat {
  private readonly entries: ChatEntry[] = [];
  private nextId = 1;

  constructor(private readonly ctx: RoomContext) {}

  send(conn: Connection, rid: number, body: Uint8Array): void {
    if (body.length > this.ctx.limits.maxChatBytes) {
      this.ctx.refuse(
        conn,
        ErrorCode.PayloadTooLarge,
        rid,
        `chat message over ${this.ctx.limits.maxChatBytes} bytes`,
      );
      return;
    }
    const entry: ChatEntry = {
      id: this.nextId++,
      slot: conn.slot,
      userId: conn.userId,
      name: conn.name,
      color: conn.color,
      at: this.ctx.clock.now(),
      body,
    };
    this.entries.push(entry);
    if (this.entries.length > this.ctx.limits.maxChatHistory) this.entries.shift();
    this.ctx.broadcast({ type: 'chat', id: entry.id, slot: entry.slot, rid, at: entry.at, body });
    this.ctx.emit({ type: 'chat', id: entry.id, slot: entry.slot });
  }

  history(): MessageOf<'chatHistory'> {
    const present = new Set<number>();
    for (const c of this.ctx.admitted()) present.add(c.slot);
    const authors = new Map<number, MessageOf<'chatHistory'>['authors'][number]>();
    for (const e of this.entries) {
      if (!present.has(e.slot))
        authors.set(e.slot, { slot: e.slot, userId: e.userId, name: e.name, color: e.color });
    }
    return {
      type: 'chatHistory',
      authors: [...authors.values()],
      messages: this.entries.map(({ id, slot, at, body }) => ({ id, slot, at, body })),
    };
  }
}
