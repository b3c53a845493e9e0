import { ErrorCode, type MessageOf } from '@tandem/protocol';
import type { Connection, Participant } from '../connection.js';
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
  /**
   * Per client (`Seat.retryKey`), the latest request ids it sent messages with and the ids
   * they got: a message resent after its echo was lost is echoed again, not posted twice. In memory
   * only, like the transcript it guards.
   */
  private readonly sentBy = new Map<string, Map<number, number>>();

  constructor(private readonly ctx: RoomContext) {}

  send(conn: Participant, rid: number, body: Uint8Array): void {
    const { slot, name, color, retryKey } = conn.seat;
    const key = rid !== 0 ? retryKey : '';
    const earlier = key ? this.sentBy.get(key)?.get(rid) : undefined;
    if (earlier !== undefined) return this.echo(conn, rid, earlier);
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
      slot,
      userId: conn.userId,
      name,
      color,
      at: this.ctx.clock.now(),
      body,
    };
    this.entries.push(entry);
    if (this.entries.length > this.ctx.limits.maxChatHistory) this.entries.shift();
    if (key) this.remember(key, rid, entry.id);
    this.ctx.broadcast({ type: 'chat', id: entry.id, slot: entry.slot, rid, at: entry.at, body });
    this.ctx.emit({ type: 'chat', id: entry.id, slot: entry.slot });
  }

  /** Answers a resent message with its first echo, to its sender only. */
  private echo(conn: Connection, rid: number, id: number): void {
    const entry = this.entries.find((e) => e.id === id);
    if (!entry) {
      this.ctx.refuse(
        conn,
        ErrorCode.Conflict,
        rid,
        'this message was sent before and has left the transcript',
      );
      return;
    }
    this.ctx.send(conn, { type: 'chat', id, slot: entry.slot, rid, at: entry.at, body: entry.body });
  }

  private remember(key: string, rid: number, id: number): void {
    const sent = this.sentBy.get(key) ?? new Map<number, number>();
    // Re-inserted, so the least recently active client is at the front when one must be forgotten.
    this.sentBy.delete(key);
    this.sentBy.set(key, sent);
    sent.set(rid, id);
    if (sent.size > this.ctx.limits.retryWindow) sent.delete(sent.keys().next().value as number);
    if (this.sentBy.size > this.ctx.limits.maxRetryClients)
      this.sentBy.delete(this.sentBy.keys().next().value as string);
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
