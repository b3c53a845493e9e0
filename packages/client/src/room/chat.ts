import type { MessageOf } from '@tandem/protocol';
import { decodeJson, encodeJson } from '../documents/json.js';
import { TandemError } from '../errors.js';
import { ChatOutbox } from '../state/chat-outbox.js';
import type { ChatMessage } from '../types.js';
import type { ConnectionContext } from './context.js';
import type { People } from './roster.js';

/** The transcript's length here: the room's default `maxChatHistory`. */
const TRANSCRIPT_LENGTH = 200;

/**
 * The chat: the room's transcript as this client has it, the count of others' messages not yet
 * read, and messages sent and not yet echoed (sent again after a reconnect, posted once).
 */
export class Chat {
  private readonly transcript: ChatMessage[] = [];
  private readonly outbox: ChatOutbox<ChatMessage>;
  private unreadCount = 0;

  constructor(
    private readonly ctx: ConnectionContext,
    private readonly people: Pick<People, 'author'>,
  ) {
    this.outbox = new ChatOutbox<ChatMessage>((rid, body) => ctx.sendIfLive({ type: 'chatSend', rid, body }));
  }

  send(text: string): Promise<ChatMessage> {
    if (!this.ctx.isLive()) return Promise.reject(TandemError.disconnected());
    return this.outbox.add(this.ctx.allocateRid(), encodeJson({ text }));
  }

  get messages(): readonly ChatMessage[] {
    return this.transcript;
  }

  get unread(): number {
    return this.unreadCount;
  }

  markRead(): void {
    if (this.unreadCount === 0) return;
    this.unreadCount = 0;
    this.ctx.emit('unread', 0);
  }

  received(m: MessageOf<'chat'>): void {
    const message = this.messageOf(m.id, m.slot, m.at, m.body);
    const own =
      message.mine || (message.author !== undefined && message.author.userId === this.ctx.self()?.userId);
    if (own && this.outbox.has(m.rid)) this.outbox.echoed(m.rid, message);
    // A resent message's echo repeats one the transcript may already hold from the catch-up.
    if (this.transcript.some((c) => c.id === m.id)) return;
    this.transcript.push(message);
    if (this.transcript.length > TRANSCRIPT_LENGTH) this.transcript.shift();
    if (!message.mine) {
      this.unreadCount++;
      this.ctx.emit('unread', this.unreadCount);
      this.ctx.note('chat', `${message.author?.name ?? 'someone'}: ${message.text.slice(0, 60)}`);
    }
    this.ctx.emit('chat', message);
  }

  /** The admission snapshot's transcript replaces this one (its departed authors are in the roster). */
  history(m: MessageOf<'chatHistory'>): void {
    this.transcript.length = 0;
    for (const msg of m.messages) this.transcript.push(this.messageOf(msg.id, msg.slot, msg.at, msg.body));
    this.ctx.emit('chatHistory', this.transcript);
  }

  /** The room refused chat request `rid`; false when it is not one of this outbox's. */
  refused(rid: number, error: TandemError): boolean {
    return this.outbox.refused(rid, error);
  }

  /** Admitted again: messages cut off before their echo go again. */
  resend(): void {
    this.outbox.resend();
  }

  /** The connection ended for good: unsent messages will never be posted. */
  failAll(error: TandemError): void {
    this.outbox.failAll(error);
  }

  private messageOf(id: number, slot: number, at: number, body: Uint8Array): ChatMessage {
    const decoded = decodeJson(body) as { text?: unknown } | undefined;
    return {
      id,
      author: this.people.author(slot),
      at,
      text: typeof decoded?.text === 'string' ? decoded.text : '',
      mine: slot === this.ctx.self()?.slot,
    };
  }
}
